//! CSV files as staff exchange them with spreadsheets: written and read by
//! the `csv` crate (never quoted by hand), in UTF-8.
//!
//! What Lyceum writes opens safely in a spreadsheet: a cell that begins
//! with `=`, `+`, `-`, `@`, a tab or a carriage return would be read as a
//! formula (`=HYPERLINK(…)` in a learner's name is the classic attack), so
//! it is written with a `'` in front, as OWASP's guidance on CSV injection
//! says, and every cell is quoted. The file starts with a byte order mark,
//! without which spreadsheets take UTF-8 for the local code page and
//! garble accents. Reading undoes both: the mark is skipped, and a `'`
//! in front of one of those characters is dropped, so an exported file
//! comes back as it was.

/// Where the import form is sent (kept here, below the request checks that
/// treat its upload apart, rather than with its handler, which renders pages).
pub const IMPORT_PATH: &str = "/admin/import";
/// The largest file the import takes (10,000 courses with a paragraph of
/// description each are about 3 MiB).
pub const IMPORT_MAX_BYTES: usize = 5 * 1024 * 1024;

/// The byte order mark spreadsheets look for to read UTF-8.
pub const BOM: &str = "\u{feff}";

/// The characters a spreadsheet reads as the start of a formula.
fn starts_a_formula(text: &str) -> bool {
    text.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

/// `cell` as a spreadsheet can open it without running it.
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    if starts_a_formula(cell) { format!("'{cell}").into() } else { cell.into() }
}

/// `cell` as it was before [`neutralise`].
pub fn restore(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if starts_a_formula(rest) => rest,
        _ => cell,
    }
}

/// A CSV file being written: a heading row, then one row per record.
pub struct Table {
    writer: csv::Writer<Vec<u8>>,
}

impl Table {
    pub fn new(headings: &[&str]) -> Self {
        let mut buffer = Vec::with_capacity(64 * 1024);
        buffer.extend_from_slice(BOM.as_bytes());
        let writer = csv::WriterBuilder::new().quote_style(csv::QuoteStyle::Always).from_writer(buffer);
        let mut table = Self { writer };
        table.row(headings.iter().copied());
        table
    }

    /// One row; every cell neutralised.
    pub fn row<'a>(&mut self, cells: impl IntoIterator<Item = &'a str>) {
        // Writing to a Vec cannot fail, and a row's length is ours to keep.
        let _ = self.writer.write_record(cells.into_iter().map(|cell| neutralise(cell).into_owned()));
    }

    /// The file's bytes.
    pub fn finish(self) -> Vec<u8> {
        self.writer.into_inner().unwrap_or_default()
    }
}

/// `text` as a file name safe in a `Content-Disposition` header and on any
/// disk: lowercase letters, digits, `-` and `.`, nothing else.
pub fn file_name(text: &str) -> String {
    let mut name = String::new();
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() || c == '.' {
            name.push(c);
        } else if !name.ends_with('-') {
            name.push('-');
        }
    }
    let name = name.trim_matches(['-', '.']).chars().take(100).collect::<String>();
    if name.is_empty() { "export.csv".into() } else { name }
}

/// Why a file cannot be read at all (as opposed to a row that is wrong).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unreadable {
    /// Not UTF-8: (the row where the first bad byte is).
    NotUtf8 { row: u64 },
    /// A NUL character: no spreadsheet writes one.
    Nul { row: u64 },
    /// Broken CSV: a quote left open, a quote in the middle of a bare
    /// cell, a row with a different number of cells.
    Malformed { row: u64, why: &'static str },
    /// No heading row.
    Empty,
}

impl Unreadable {
    pub fn message(&self) -> String {
        match self {
            Unreadable::NotUtf8 { row } => format!(
                "The file is not in UTF-8 (row {row} has a character in another encoding). \
                 Save it as \"CSV UTF-8\" and send it again."
            ),
            Unreadable::Nul { row } => format!("Row {row} holds a NUL character, which no cell can hold."),
            Unreadable::Malformed { row, why } => format!("Row {row} cannot be read as CSV: {why}."),
            Unreadable::Empty => "The file is empty: the first row must name the columns.".into(),
        }
    }
}

/// A CSV file read: its headings, lowercased and trimmed, and its rows,
/// each with its row number as a spreadsheet shows it (the headings are
/// row 1), every cell restored (see [`restore`]).
#[derive(Debug)]
pub struct Sheet {
    pub headings: Vec<String>,
    pub rows: Vec<(u64, Vec<String>)>,
}

impl Sheet {
    /// The column named `heading`, if the file has it.
    pub fn column(&self, heading: &str) -> Option<usize> {
        self.headings.iter().position(|h| h == heading)
    }
}

/// The row (as a spreadsheet counts them) that holds byte `offset`.
fn row_at(bytes: &[u8], offset: usize) -> u64 {
    // A quoted cell may hold line breaks; close enough for pointing at a
    // row in a file that is not even text.
    1 + bytes[..offset.min(bytes.len())].iter().filter(|b| **b == b'\n').count() as u64
}

/// Reads a whole file: UTF-8 (a byte order mark is accepted), headings by
/// name. Runs on a blocking thread for a large file.
pub fn read(bytes: &[u8]) -> Result<Sheet, Unreadable> {
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(error) => return Err(Unreadable::NotUtf8 { row: row_at(bytes, error.valid_up_to()) }),
    };
    if let Some(at) = text.find('\0') {
        return Err(Unreadable::Nul { row: row_at(bytes, at) });
    }
    let text = text.strip_prefix(BOM).unwrap_or(text);
    // The csv crate reads a quote left open as a cell that runs to the end
    // of the file; no spreadsheet writes one, and what follows it is lost.
    let (open, opened) = quote_state(text);
    if open {
        return Err(Unreadable::Malformed { row: row_at(text.as_bytes(), opened), why: "a quote is never closed" });
    }
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(false).from_reader(text.as_bytes());
    let mut records = reader.records();
    let first = match records.next() {
        None => return Err(Unreadable::Empty),
        Some(Ok(first)) => first,
        Some(Err(error)) => return Err(malformed(&error)),
    };
    let headings: Vec<String> = first.iter().map(|h| restore(h.trim()).trim().to_lowercase()).collect();
    if headings.iter().all(String::is_empty) {
        return Err(Unreadable::Empty);
    }
    let mut rows = Vec::new();
    // A spreadsheet's row is a record (a blank line too, which the reader
    // skips): the line a record starts on, less the line breaks inside the
    // cells before it.
    let breaks = |record: &csv::StringRecord| record.iter().map(|cell| cell.matches('\n').count() as u64).sum::<u64>();
    let mut inside_cells = breaks(&first);
    for record in records {
        let record = record.map_err(|error| malformed(&error))?;
        // The reader places a record after blank lines at the first of them.
        let (line, byte) = record.position().map_or((0, 0), |p| (p.line(), p.byte() as usize));
        let blank = text.as_bytes()[byte.min(text.len())..]
            .iter()
            .take_while(|b| matches!(b, b'\n' | b'\r'))
            .filter(|b| **b == b'\n')
            .count() as u64;
        let row = line + blank - inside_cells;
        inside_cells += breaks(&record);
        // A row left blank in a spreadsheet is no record.
        if record.iter().all(|cell| cell.trim().is_empty()) {
            continue;
        }
        rows.push((row, record.iter().map(|cell| restore(cell).to_string()).collect()));
    }
    Ok(Sheet { headings, rows })
}

/// (inside a quoted cell at the end, where the last quoted cell opened),
/// following RFC 4180: a quote opens a cell only at its start, and `""`
/// inside one is a quote.
fn quote_state(text: &str) -> (bool, usize) {
    let bytes = text.as_bytes();
    let (mut inside, mut opened, mut at_start) = (false, 0, true);
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if inside {
            if b == b'"' {
                if bytes.get(i + 1) == Some(&b'"') {
                    i += 1;
                } else {
                    inside = false;
                }
            }
        } else if b == b'"' && at_start {
            inside = true;
            opened = i;
        }
        at_start = matches!(b, b',' | b'\n' | b'\r') && !inside;
        i += 1;
    }
    (inside, opened)
}

fn malformed(error: &csv::Error) -> Unreadable {
    let row = error.position().map_or(0, |p| p.record() + 1);
    let why = match error.kind() {
        csv::ErrorKind::UnequalLengths { .. } => "it has a different number of cells from the first row",
        csv::ErrorKind::Utf8 { .. } => "it is not UTF-8",
        _ => "its quotes do not pair up",
    };
    Unreadable::Malformed { row, why }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_restored() {
        for cell in ["=HYPERLINK(\"http://x\")", "+cmd", "-2+3", "@SUM(A1)", "\tx", "\rx"] {
            let safe = neutralise(cell);
            assert!(safe.starts_with('\''), "{cell:?}");
            assert_eq!(restore(&safe), cell);
        }
        for cell in ["Python", "", "'quoted", "a=b", "1,5"] {
            assert_eq!(neutralise(cell), cell);
            assert_eq!(restore(cell), cell, "a leading quote before ordinary text is kept");
        }
    }

    #[test]
    fn a_table_round_trips_through_the_reader() {
        let mut table = Table::new(&["title", "note"]);
        table.row(["=1+1", "a \"quote\", a comma\nand a line"]);
        table.row(["Ünïcode", ""]);
        let bytes = table.finish();
        assert!(bytes.starts_with(BOM.as_bytes()));
        let sheet = read(&bytes).unwrap();
        assert_eq!(sheet.headings, ["title", "note"]);
        assert_eq!(sheet.rows[0], (2, vec!["=1+1".to_string(), "a \"quote\", a comma\nand a line".to_string()]));
        assert_eq!(sheet.rows[1].0, 3, "row numbers count records, not lines");
    }

    #[test]
    fn unreadable_files_say_why() {
        assert_eq!(read(b"title\n\xe9t\xe9\n").unwrap_err(), Unreadable::NotUtf8 { row: 2 });
        assert!(matches!(read(b"title,slug\n\"open,x\nmore\n").unwrap_err(), Unreadable::Malformed { row: 2, .. }));
        assert!(matches!(read(b"title,slug\na,b,c\n").unwrap_err(), Unreadable::Malformed { .. }));
        assert_eq!(read(b"").unwrap_err(), Unreadable::Empty);
        assert_eq!(read(b"a\nx\0\n").unwrap_err(), Unreadable::Nul { row: 2 });
        let sheet = read("\u{feff} Title ,SLUG\n\n,\nx,y\n".as_bytes()).unwrap();
        assert_eq!(sheet.headings, ["title", "slug"]);
        assert_eq!(sheet.rows, vec![(4, vec!["x".to_string(), "y".to_string()])], "blank rows are skipped");
    }

    #[test]
    fn file_names_are_plain() {
        assert_eq!(file_name("roster-12-Python for analysts.csv"), "roster-12-python-for-analysts.csv");
        assert_eq!(file_name("\"; evil\r\n.csv"), "evil-.csv");
        assert_eq!(file_name("../../etc"), "etc");
        assert_eq!(file_name("…"), "export.csv");
    }
}
