//! Rendered documents read back by an independent parser, Python's pypdf
//! (strict), which `scripts/test` installs: the text of every page as a
//! reader's copy and paste gives it, the metadata, the page count, and
//! where every piece of text starts.

use super::*;
use crate::server::orders::document::{BankDetails, Line, Totals};
use chrono::NaiveDate;
use serde_json::Value;

/// Prints, as JSON, each page's text and the origin of each text run, and
/// the Info title and producer.
const READER: &str = r#"
import json, sys
from pypdf import PdfReader
reader = PdfReader(sys.argv[1], strict=True)
pages = []
for page in reader.pages:
    runs = []
    def visit(text, cm, tm, font, size):
        if text.strip():
            runs.append([tm[4] * cm[0] + cm[4], tm[5] * cm[3] + cm[5], text])
    text = page.extract_text(visitor_text=visit)
    box = page.mediabox
    pages.append({"text": text, "runs": runs, "size": [float(box.width), float(box.height)]})
info = reader.metadata
print(json.dumps({"title": info.title, "producer": info.producer, "pages": pages}))
"#;

struct ReadBack {
    title: String,
    producer: String,
    pages: Vec<Value>,
}

impl ReadBack {
    fn text(&self, page: usize) -> &str {
        self.pages[page]["text"].as_str().unwrap()
    }

    fn all_text(&self) -> String {
        (0..self.pages.len()).map(|i| self.text(i)).collect::<Vec<_>>().join("\n")
    }
}

fn read_back(pdf: &[u8]) -> ReadBack {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("document.pdf");
    std::fs::write(&path, pdf).unwrap();
    let python = std::env::var("LYCEUM_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
    let output = std::process::Command::new(&python)
        .args(["-c", READER])
        .arg(&path)
        .output()
        .unwrap_or_else(|e| panic!("{python} runs (scripts/test installs pypdf): {e}"));
    assert!(output.status.success(), "pypdf reads the PDF: {}", String::from_utf8_lossy(&output.stderr));
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    ReadBack {
        title: json["title"].as_str().unwrap_or_default().to_string(),
        producer: json["producer"].as_str().unwrap_or_default().to_string(),
        pages: json["pages"].as_array().unwrap().clone(),
    }
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn line(description: &str, quantity: i64, unit_net_cents: i64, vat_rate_bp: i64) -> Line {
    let net_cents = quantity * unit_net_cents;
    let vat_cents = (net_cents * vat_rate_bp + 5_000) / 10_000;
    Line {
        description: description.into(),
        quantity,
        unit_net_cents,
        net_cents,
        vat_rate_bp,
        vat_cents,
        gross_cents: net_cents + vat_cents,
    }
}

fn totals(lines: &[Line]) -> Totals {
    let sum = |f: fn(&Line) -> i64| lines.iter().map(f).sum();
    Totals { net_cents: sum(|l| l.net_cents), vat_cents: sum(|l| l.vat_cents), gross_cents: sum(|l| l.gross_cents) }
}

fn invoice() -> InvoiceDocument {
    let lines =
        vec![line("Data protection for course leaders: session of 12–14 March 2027, Valletta", 1, 126_695, 1800)];
    InvoiceDocument {
        kind: DocumentKind::Invoice,
        number: "2026-000042".into(),
        issued_on: day(2026, 12, 5),
        due_on: Some(day(2027, 1, 4)),
        credits: None,
        seller: Party {
            name: "Lyceum Academy Ltd".into(),
            contact: None,
            address: vec!["12 Triq il-Merkanti".into(), "Valletta VLT 1170".into(), "Malta".into()],
            vat_number: Some("MT12345678".into()),
        },
        buyer: Party {
            name: "Ġorġ Ħabib Żammit".into(),
            contact: Some("Łukasz Wiśniewski".into()),
            address: vec!["Οδός Ελένης 7".into(), "Řehořova 12, 130 00 Praha".into()],
            vat_number: Some("PL5260250274".into()),
        },
        order_reference: "LY-7K3M-9QXA".into(),
        payment_reference: "RF18 5390 0754".into(),
        purchase_order: Some("PO-2026-118".into()),
        bank: Some(BankDetails {
            account_holder: "Lyceum Academy Ltd".into(),
            iban: "MT84MALT011000012345MTLCAST001S".into(),
            bic: "MALTMTMT".into(),
        }),
        currency: "EUR".into(),
        totals: totals(&lines),
        lines,
        notes: vec!["Paid by bank transfer. Thank you — Ευχαριστώ!".into()],
    }
}

#[test]
fn an_invoice_reads_back_with_its_unicode_names_amounts_and_title() {
    let doc = invoice();
    assert_eq!((doc.totals.net_cents, doc.totals.vat_cents, doc.totals.gross_cents), (126_695, 22_805, 149_500));
    let pdf = render(&doc).unwrap();
    let read = read_back(&pdf);

    assert_eq!(read.title, "Invoice 2026-000042");
    assert_eq!(read.producer, "Lyceum");
    assert_eq!(read.pages.len(), 1);
    let text = read.text(0);
    for expected in [
        "Invoice",
        "2026-000042",
        "Ġorġ Ħabib Żammit",
        "Attn. Łukasz Wiśniewski",
        "Οδός Ελένης 7",
        "Řehořova 12, 130 00 Praha",
        "VAT no. PL5260250274",
        "Lyceum Academy Ltd",
        "VAT no. MT12345678",
        "5 December 2026",
        "4 January 2027",
        "LY-7K3M-9QXA",
        "RF18 5390 0754",
        "PO-2026-118",
        "Data protection for course leaders",
        "18%",
        "€1,266.95",
        "€228.05",
        "€1,495.00",
        "Net",
        "Total",
        "Thank you — Ευχαριστώ!",
        "MT84 MALT 0110 0001 2345 MTLC AST0 01S",
        "MALTMTMT",
        "Page 1 of 1",
    ] {
        assert!(text.contains(expected), "{expected:?} is missing from:\n{text}");
    }
    assert!(!text.contains("Credits invoice"));
}

#[test]
fn the_same_document_renders_the_same_small_bytes() {
    let doc = invoice();
    let (first, second) = (render(&doc).unwrap(), render(&doc).unwrap());
    assert!(first == second, "two renderings differ");
    eprintln!("a one-page invoice is {} bytes", first.len());
    assert!(first.len() < 60_000, "a one-page invoice is {} bytes", first.len());
}

#[test]
fn a_credit_note_names_the_invoice_it_credits_and_asks_for_no_payment() {
    let doc = InvoiceDocument {
        kind: DocumentKind::CreditNote,
        number: "2026-000050".into(),
        due_on: None,
        credits: Some("2026-000042".into()),
        purchase_order: None,
        ..invoice()
    };
    let read = read_back(&render(&doc).unwrap());
    assert_eq!(read.title, "Credit note 2026-000050");
    let text = read.text(0);
    for expected in ["Credit note", "2026-000050", "Credits invoice 2026-000042", "Ġorġ Ħabib Żammit", "€1,495.00"]
    {
        assert!(text.contains(expected), "{expected:?} is missing from:\n{text}");
    }
    for absent in ["Due date", "IBAN", "Purchase order", "Please pay"] {
        assert!(!text.contains(absent), "{absent:?} is on a credit note:\n{text}");
    }
}

#[test]
fn sixty_long_lines_continue_over_pages_with_the_heading_repeated() {
    let lines: Vec<Line> = (1..=60)
        .map(|i| {
            let description = format!(
                "Line {i:02}: Advanced safeguarding and first aid for course leaders, a three-day session in \
                 Valletta with the practical assessment on the last afternoon"
            );
            line(&description, i, 12_345 * i, if i % 2 == 0 { 1800 } else { 0 })
        })
        .collect();
    let doc = InvoiceDocument { totals: totals(&lines), lines, ..invoice() };
    let read = read_back(&render(&doc).unwrap());

    let pages = read.pages.len();
    assert!(pages >= 2, "60 long lines take {pages} page(s)");
    for page in 0..pages {
        let text = read.text(page);
        assert!(text.contains(&format!("Page {} of {pages}", page + 1)), "page {page}'s footer:\n{text}");
        assert!(text.contains("Description"), "page {page} repeats the table's heading:\n{text}");
    }
    let all = read.all_text();
    for (i, line) in doc.lines.iter().enumerate() {
        assert!(all.contains(&format!("Line {:02}:", i + 1)), "line {} is missing", i + 1);
        assert!(all.contains(&format::money(line.gross_cents, "EUR")), "line {}'s total is missing", i + 1);
    }
    assert!(all.contains("0%") && all.contains("18%"));
    assert!(read.text(pages - 1).contains(&format::money(doc.totals.gross_cents, "EUR")));
    assert_text_stays_on_the_page(&read);
}

#[test]
fn hostile_text_neither_breaks_the_pdf_nor_leaves_the_page() {
    let word = "Pneumonoultramicroscopicsilicovolcanoconiosis".repeat(8);
    let hostile = format!(") Tj ET ( \\\\ %%EOF <script>alert(1)</script>\r\n\u{0}\u{7}\u{1b}\u{202E}\u{200F}{word}");
    let mut doc = invoice();
    doc.number = "2026-000043) /JS (".into();
    doc.buyer.name = hostile.clone();
    doc.buyer.contact = Some("\u{200F}שלום\u{200E} 王小明 🎓".into());
    doc.buyer.address = vec![hostile.clone(), "(unbalanced".into(), "\\".into()];
    doc.purchase_order = Some(word.clone());
    doc.lines = vec![line(&format!("{hostile}\n\n{hostile}"), 3, 10_000, 1800); 3];
    doc.totals = totals(&doc.lines);
    doc.notes = vec![hostile.clone(), "100% ( ) \\ endstream endobj".into()];
    let pdf = render(&doc).unwrap();
    let read = read_back(&pdf);

    assert_eq!(read.title, "Invoice 2026-000043) /JS (");
    let all = read.all_text();
    for expected in [") Tj ET ( \\\\ %%EOF <script>alert(1)</script>", "(unbalanced", "100% ( ) \\ endstream endobj"] {
        assert!(all.contains(expected), "{expected:?} is missing from:\n{all}");
    }
    // Without the controls and bidi marks, and the characters the font
    // lacks reading back as themselves (pypdf turns a right-to-left run
    // round for display).
    assert!(all.contains("王小明 🎓") && (all.contains("שלום") || all.contains("םולש")), "{all}");
    assert!(!all.contains('\u{0}') && !all.contains('\u{202E}') && !all.contains('\u{1b}'));
    // The long word is broken over lines, and none of it lost.
    let joined: String = all.split_whitespace().collect();
    assert!(joined.contains(&word), "the long word reads back whole");
    assert_text_stays_on_the_page(&read);
}

/// Every text run begins within the page's margins, as pypdf reads it.
fn assert_text_stays_on_the_page(read: &ReadBack) {
    for page in &read.pages {
        for run in page["runs"].as_array().unwrap() {
            let (x, y) = (run[0].as_f64().unwrap() as f32, run[1].as_f64().unwrap() as f32);
            assert!((MARGIN - 0.5..PAGE_WIDTH - MARGIN).contains(&x), "{run} starts outside the margins");
            assert!((20.0..PAGE_HEIGHT - 40.0).contains(&y), "{run} is above or below the page's text");
        }
    }
}

/// And ends within them, measured as it is drawn.
#[test]
fn every_line_of_hostile_or_long_text_fits_within_the_margins() {
    let word = "Ħ".repeat(300);
    let mut doc = invoice();
    doc.buyer.name = word.clone();
    doc.seller.name = word.clone();
    doc.payment_reference = word.clone();
    doc.lines = (0..40).map(|_| line(&format!("{word} {word}"), 999_999_999, 922_337, 1800)).collect();
    // A row taller than a page, which continues on the next.
    doc.lines.push(line(&"A session day of its own.\n".repeat(120), 1, 100, 0));
    doc.notes = vec![word.clone(); 3];
    let fonts = Fonts::new().unwrap();
    let pages = compose(&doc, &fonts);
    let with_day =
        |page: &Vec<Op>| page.iter().any(|op| matches!(op, Op::Text { text, .. } if text.contains("session day")));
    assert!(pages.iter().filter(|page| with_day(page)).count() >= 2, "the tall row continues on another page");
    for op in pages.iter().flatten() {
        if let Op::Text { x, y, style, text } = op {
            let end = x + fonts.get(style.weight).width(text, style.size);
            assert!(*x >= MARGIN - 0.01 && end <= MARGIN + CONTENT_WIDTH + 0.01, "{text:?} runs from {x} to {end}");
            let bottom = if *style == FOOTER { FOOTER_Y } else { layout::BOTTOM };
            assert!(*y >= bottom - 0.01 && *y <= PAGE_HEIGHT - 48.0, "{text:?} at height {y}");
        }
    }
}
