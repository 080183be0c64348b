//! An [`InvoiceDocument`] as the PDF the buyer receives: A4, one font
//! (DejaVu Sans, embedded as a subset, so any European name prints and
//! copies out exactly), wrapped and paginated by measuring the font.
//!
//! Rendering is a pure function of the document, CPU only (the caller runs
//! it on a blocking thread), and deterministic: no dates or random ids go
//! into the file, so the same document always gives the same bytes.
//!
//! Every text of the document is treated as hostile: it reaches the file
//! only as glyph ids in strings `pdf-writer` writes (and escapes), or as
//! the Info title it escapes likewise; controls and bidi marks are dropped
//! (`layout::clean`), and words too long for a column are broken.

mod font;
use super::format;
mod layout;
#[cfg(test)]
mod tests;

use super::document::{DocumentKind, InvoiceDocument, Party};
use font::{Fonts, Weight, compress};
use layout::{Align, CONTENT_WIDTH, Cell, FOOTER_Y, Flow, MARGIN, Op, PAGE_HEIGHT, PAGE_WIDTH, Row, Style, clean};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

/// Why a document could not be rendered. Its content never is the reason:
/// any text renders. Only the font bundled in the binary failing to parse
/// or subset (a defect of the build) is.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("the invoice font could not be embedded: {0}")]
    Font(String),
}

/// The PDF of `doc`: the same bytes for the same document. Fails only as
/// [`PdfError`] says, never because of what the document contains.
pub fn render(doc: &InvoiceDocument) -> Result<Vec<u8>, PdfError> {
    let mut fonts = Fonts::new()?;
    let pages = compose(doc, &fonts);
    write(doc, &pages, &mut fonts)
}

const fn style(weight: Weight, size: f32, gray: f32) -> Style {
    Style { weight, size, gray }
}

const TITLE: Style = style(Weight::Bold, 20.0, 0.0);
const NUMBER: Style = style(Weight::Regular, 12.0, 0.3);
const NAME: Style = style(Weight::Bold, 10.0, 0.0);
const BODY: Style = style(Weight::Regular, 9.0, 0.0);
const LABEL: Style = style(Weight::Bold, 7.5, 0.45);
const TABLE: Style = style(Weight::Regular, 8.5, 0.0);
const TOTAL: Style = style(Weight::Bold, 10.0, 0.0);
const FOOTER: Style = style(Weight::Regular, 7.5, 0.45);

/// Between two columns of text.
const GUTTER: f32 = 12.0;
/// Text inset from the edges of a table's columns.
const INSET: f32 = 4.0;
/// The table's columns after the description, their widths; the
/// description takes the rest.
const QTY: f32 = 32.0;
const UNIT: f32 = 74.0;
const RATE: f32 = 44.0;
const VAT: f32 = 70.0;
const GROSS: f32 = 80.0;

/// The pages of `doc`, top to bottom: heading and seller, buyer, dates and
/// references, the lines, the totals, the notes, how to pay, and a footer.
fn compose(doc: &InvoiceDocument, fonts: &Fonts) -> Vec<Vec<Op>> {
    let currency = clean(&doc.currency, false);
    let money = |cents: i64| format::money(cents, &currency);
    let mut flow = Flow::new();
    heading(&mut flow, doc, fonts);
    table(&mut flow, doc, fonts, &money);
    notes(&mut flow, doc, fonts);
    payment(&mut flow, doc, fonts, &money);

    let name = format!("{} {}", doc.kind.title(), clean(&doc.number, false));
    let footer = |page: usize, pages: usize| {
        let regular = fonts.get(Weight::Regular);
        let width = |s: &str| regular.width(s, FOOTER.size);
        let count = format!("Page {page} of {pages}");
        let left =
            fit(&clean(&format!("{} · {name}", doc.seller.name), false), CONTENT_WIDTH - width(&count) - GUTTER, width);
        vec![
            Op::Rule { x: MARGIN, y: FOOTER_Y + 12.0, gray: 0.85 },
            Op::Text { x: MARGIN, y: FOOTER_Y, style: FOOTER, text: left },
            Op::Text { x: MARGIN + CONTENT_WIDTH - width(&count), y: FOOTER_Y, style: FOOTER, text: count },
        ]
    };
    flow.finish(footer)
}

/// The title and number beside the seller's letterhead, the buyer, then
/// the dates and references in a row of labelled fields.
fn heading(flow: &mut Flow, doc: &InvoiceDocument, fonts: &Fonts) {
    let invoice = doc.kind == DocumentKind::Invoice;
    let half = (CONTENT_WIDTH - GUTTER) / 2.0;
    let mut title =
        Cell::new(MARGIN, half, Align::Left).line(fonts, doc.kind.title(), TITLE).line(fonts, &doc.number, NUMBER);
    if let (DocumentKind::CreditNote, Some(credited)) = (doc.kind, &doc.credits) {
        title = title.line(fonts, &format!("Credits invoice {credited}"), BODY);
    }
    let seller = party(Cell::new(MARGIN + half + GUTTER, half, Align::Right), fonts, &doc.seller);
    flow.row(&Row::new(vec![title, seller]));
    flow.gap(24.0);

    let buyer =
        Cell::new(MARGIN, half, Align::Left).line(fonts, if invoice { "Bill to" } else { "Credited to" }, LABEL);
    flow.row(&Row::new(vec![party(buyer, fonts, &doc.buyer)]));
    flow.gap(16.0);

    let mut fields = vec![("Issue date", format::date(doc.issued_on))];
    if let (true, Some(due)) = (invoice, doc.due_on) {
        fields.push(("Due date", format::date(due)));
    }
    fields.push(("Order", doc.order_reference.clone()));
    fields.push(("Payment reference", doc.payment_reference.clone()));
    if let Some(po) = doc.purchase_order.as_deref().filter(|po| !clean(po, false).is_empty()) {
        fields.push(("Purchase order", po.to_string()));
    }
    // Five slots whatever the number of fields, so they line up from one
    // document to the next.
    let width = (CONTENT_WIDTH - 4.0 * GUTTER) / 5.0;
    let slots = (0..5).map(|i| (MARGIN + i as f32 * (width + GUTTER), width));
    flow.row(&fields_row(fonts, slots.zip(fields)));
    flow.gap(20.0);
}

/// The lines, their heading repeated on every page they continue on, and
/// the totals below.
fn table(flow: &mut Flow, doc: &InvoiceDocument, fonts: &Fonts, money: &dyn Fn(i64) -> String) {
    let columns = Columns::new();
    let heading =
        columns.row(fonts, ["Description", "Qty", "Unit price\nexcl. VAT", "VAT\nrate", "VAT", "Total"], LABEL);
    let rows: Vec<Row> = doc
        .lines
        .iter()
        .map(|line| {
            let cells = [
                line.description.clone(),
                line.quantity.to_string(),
                money(line.unit_net_cents),
                format::rate(line.vat_rate_bp),
                money(line.vat_cents),
                money(line.gross_cents),
            ];
            columns.row(fonts, cells, TABLE).pad(5.0).rule(0.85)
        })
        .collect();
    flow.start_table(heading.pad(5.0).fill(0.93), rows.first());
    for row in &rows {
        flow.row(row);
    }
    flow.end_table();
    flow.gap(6.0);

    // Labels right of the quantities, amounts under the VAT and the total,
    // which leaves room for the largest sums.
    let (label_x, amount_x) = (columns.x[2], columns.x[4]);
    let total =
        |label: &str, cents: i64, style: Style| {
            let label =
                Cell::new(label_x + INSET, amount_x - label_x - 2.0 * INSET, Align::Right).line(fonts, label, style);
            let amount = Cell::new(amount_x + INSET, MARGIN + CONTENT_WIDTH - amount_x - 2.0 * INSET, Align::Right)
                .line(fonts, &money(cents), style);
            Row::new(vec![label, amount]).pad(2.5)
        };
    let gross = if doc.kind == DocumentKind::Invoice { "Total" } else { "Total credited" };
    let totals = [
        total("Net", doc.totals.net_cents, TABLE),
        total("VAT", doc.totals.vat_cents, TABLE).rule_from(0.3, label_x),
        total(gross, doc.totals.gross_cents, TOTAL),
    ];
    flow.keep_together(&totals.iter().collect::<Vec<_>>());
    for row in &totals {
        flow.row(row);
    }
}

fn notes(flow: &mut Flow, doc: &InvoiceDocument, fonts: &Fonts) {
    let notes: Vec<Row> = doc
        .notes
        .iter()
        .map(|note| Row::new(vec![Cell::new(MARGIN, CONTENT_WIDTH, Align::Left).text(fonts, note, BODY)]).pad(1.5))
        .collect();
    let Some(first) = notes.first() else { return };
    flow.gap(18.0);
    let label = Row::new(vec![Cell::new(MARGIN, CONTENT_WIDTH, Align::Left).line(fonts, "Notes", LABEL)]);
    flow.keep_together(&[&label, first]);
    flow.row(&label);
    for row in &notes {
        flow.row(row);
    }
}

/// How to pay an invoice by transfer; nothing on a credit note.
fn payment(flow: &mut Flow, doc: &InvoiceDocument, fonts: &Fonts, money: &dyn Fn(i64) -> String) {
    let (DocumentKind::Invoice, Some(bank)) = (doc.kind, &doc.bank) else { return };
    flow.gap(18.0);
    let by = doc.due_on.map(|due| format!(" by {}", format::date(due))).unwrap_or_default();
    let ask = format!(
        "Please pay {}{by} by bank transfer, quoting the payment reference {}.",
        money(doc.totals.gross_cents),
        doc.payment_reference
    );
    let ask = Cell::new(MARGIN, CONTENT_WIDTH, Align::Left).line(fonts, "Payment", LABEL).line(fonts, &ask, BODY);
    // The IBAN has the widest slot: up to 34 characters, printed in groups.
    let (holder, iban) = (160.0, 220.0);
    let bic_x = MARGIN + holder + iban + 2.0 * GUTTER;
    let account = [
        ((MARGIN, holder), ("Account holder", bank.account_holder.clone())),
        ((MARGIN + holder + GUTTER, iban), ("IBAN", format::iban(&bank.iban))),
        ((bic_x, MARGIN + CONTENT_WIDTH - bic_x), ("BIC", bank.bic.clone())),
    ];
    let (ask, account) = (Row::new(vec![ask]).pad(2.0), fields_row(fonts, account));
    flow.keep_together(&[&ask, &account]);
    flow.row(&ask);
    flow.row(&account);
}

/// A party's name, "Attn." contact, address and VAT number, under what
/// `cell` already holds.
fn party(cell: Cell, fonts: &Fonts, party: &Party) -> Cell {
    let present = |text: &Option<String>| text.clone().filter(|text| !clean(text, false).is_empty());
    let mut cell = cell.line(fonts, &party.name, NAME);
    if let Some(contact) = present(&party.contact) {
        cell = cell.line(fonts, &format!("Attn. {contact}"), BODY);
    }
    for line in &party.address {
        cell = cell.line(fonts, line, BODY);
    }
    if let Some(vat) = present(&party.vat_number) {
        cell = cell.line(fonts, &format!("VAT no. {vat}"), BODY);
    }
    cell
}

/// Labelled values side by side, each label above its value, in the given
/// (x, width) slots.
fn fields_row<'a>(fonts: &Fonts, fields: impl IntoIterator<Item = ((f32, f32), (&'a str, String))>) -> Row {
    let cells = fields
        .into_iter()
        .map(|((x, width), (label, value))| {
            Cell::new(x, width, Align::Left).line(fonts, label, LABEL).line(fonts, &value, BODY)
        })
        .collect();
    Row::new(cells)
}

/// Where the table's six columns start.
struct Columns {
    x: [f32; 6],
}

impl Columns {
    fn new() -> Self {
        let description = CONTENT_WIDTH - QTY - UNIT - RATE - VAT - GROSS;
        let mut x = [MARGIN; 6];
        for (i, width) in [description, QTY, UNIT, RATE, VAT].into_iter().enumerate() {
            x[i + 1] = x[i] + width;
        }
        Self { x }
    }

    /// A row of the table: the description left, the figures right.
    fn row(&self, fonts: &Fonts, texts: [impl AsRef<str>; 6], style: Style) -> Row {
        let right = MARGIN + CONTENT_WIDTH;
        let cells = texts
            .iter()
            .enumerate()
            .map(|(i, text)| {
                let end = self.x.get(i + 1).copied().unwrap_or(right);
                let align = if i == 0 { Align::Left } else { Align::Right };
                // A description may have paragraphs (who attends, the dates).
                Cell::new(self.x[i] + INSET, end - self.x[i] - 2.0 * INSET, align).text(fonts, text.as_ref(), style)
            })
            .collect();
        Row::new(cells)
    }
}

/// `text` shortened with "…" to fit `max`; for the footer's single line.
fn fit(text: &str, max: f32, width: impl Fn(&str) -> f32) -> String {
    if width(text) <= max {
        return text.to_string();
    }
    let mut out = String::new();
    for c in text.chars() {
        out.push(c);
        if width(&out) + width("…") > max {
            out.pop();
            break;
        }
    }
    out.push('…');
    out
}

/// The PDF's objects: catalog, info, page tree, each page with its content,
/// then the two fonts (written last, once every page has drawn its glyphs).
fn write(doc: &InvoiceDocument, pages: &[Vec<Op>], fonts: &mut Fonts) -> Result<Vec<u8>, PdfError> {
    let mut pdf = Pdf::new();
    let (catalog, tree, info) = (Ref::new(1), Ref::new(2), Ref::new(3));
    // A font takes six objects: see `Font::write`.
    let (regular, bold) = (Ref::new(4), Ref::new(10));
    let mut next = Ref::new(16);
    let mut kids = Vec::with_capacity(pages.len());
    for ops in pages {
        let (page, contents) = (next.bump(), next.bump());
        let stream = compress(&content(ops, fonts));
        pdf.stream(contents, &stream).filter(Filter::FlateDecode);
        let mut writer = pdf.page(page);
        writer.media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT)).parent(tree).contents(contents);
        writer.resources().fonts().pair(font_name(Weight::Regular), regular).pair(font_name(Weight::Bold), bold);
        writer.finish();
        kids.push(page);
    }
    pdf.pages(tree).count(kids.len() as i32).kids(kids);
    fonts.get(Weight::Regular).write(&mut pdf, regular)?;
    fonts.get(Weight::Bold).write(&mut pdf, bold)?;
    let title = format!("{} {}", doc.kind.title(), clean(&doc.number, false));
    pdf.document_info(info).title(TextStr(&title)).producer(TextStr("Lyceum"));
    pdf.catalog(catalog).pages(tree).lang(TextStr("en"));
    Ok(pdf.finish())
}

fn font_name(weight: Weight) -> Name<'static> {
    match weight {
        Weight::Regular => Name(b"R"),
        Weight::Bold => Name(b"B"),
    }
}

fn content(ops: &[Op], fonts: &mut Fonts) -> Vec<u8> {
    let mut content = Content::new();
    for op in ops {
        match op {
            Op::Fill { x, y, width, height, gray } => {
                content.set_fill_gray(*gray).rect(*x, *y, *width, *height).fill_nonzero();
            }
            Op::Rule { x, y, gray } => {
                content.set_stroke_gray(*gray).set_line_width(0.5);
                content.move_to(*x, *y).line_to(MARGIN + CONTENT_WIDTH, *y).stroke();
            }
            Op::Text { x, y, style, text } => {
                let glyphs = fonts.get_mut(style.weight).encode(text);
                content.set_fill_gray(style.gray).begin_text();
                content.set_font(font_name(style.weight), style.size).set_text_matrix([1.0, 0.0, 0.0, 1.0, *x, *y]);
                content.show(Str(&glyphs)).end_text();
            }
        }
    }
    content.finish().into_vec()
}
