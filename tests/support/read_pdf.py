"""Reads a PDF with pypdf (strict) and prints, as JSON, its title, its page
count and the text of all its pages, as a reader's copy and paste gives it."""
import json
import sys

from pypdf import PdfReader

reader = PdfReader(sys.argv[1], strict=True)
text = "\n".join(page.extract_text() for page in reader.pages)
print(json.dumps({"title": reader.metadata.title, "pages": len(reader.pages), "text": text}))
