"""Reads a CSV file that Lyceum exported the way a third party would: with
Python's own csv module, not Lyceum's code.

The file must be UTF-8 (strictly: a byte in another encoding fails), may
start with a byte order mark, and must parse as RFC 4180 CSV with every
row as long as the first (strict mode: a stray quote fails).

Prints {"bom": bool, "headings": [...], "rows": [{heading: cell}]} as JSON
and exits 0; otherwise prints the reason on stderr and exits 1.

Usage: read_csv.py FILE
"""

import csv
import io
import json
import sys


def read(path):
    with open(path, "rb") as f:
        raw = f.read()
    bom = raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig", errors="strict")
    rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    if not rows:
        raise ValueError("no heading row")
    headings, body = rows[0], rows[1:]
    for number, row in enumerate(body, start=2):
        if len(row) != len(headings):
            raise ValueError(f"row {number} has {len(row)} cells, the headings {len(headings)}")
    return {"bom": bom, "headings": headings, "rows": [dict(zip(headings, row)) for row in body]}


def main():
    try:
        print(json.dumps(read(sys.argv[1])))
    except Exception as error:  # noqa: BLE001 - the reason is the output
        print(f"{type(error).__name__}: {error}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
