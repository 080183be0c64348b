//! The back office's CSV import as the page shows it: what can be
//! imported, which columns each file has, and what became of a file.

use serde::{Deserialize, Serialize};

/// What a file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ImportKind {
    Courses,
    Sessions,
}

impl ImportKind {
    pub const ALL: [ImportKind; 2] = [ImportKind::Courses, ImportKind::Sessions];

    pub fn as_str(self) -> &'static str {
        match self {
            ImportKind::Courses => "courses",
            ImportKind::Sessions => "sessions",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == text.trim())
    }

    pub fn label(self) -> &'static str {
        match self {
            ImportKind::Courses => "Courses",
            ImportKind::Sessions => "Dates (sessions)",
        }
    }

    /// "1 course", "12 sessions".
    pub fn count(self, n: u64) -> String {
        let (one, many) = match self {
            ImportKind::Courses => ("course", "courses"),
            ImportKind::Sessions => ("session", "sessions"),
        };
        if n == 1 { format!("1 {one}") } else { format!("{n} {many}") }
    }
}

/// Something wrong with one cell (or a whole row, or the headings, row 1).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowProblem {
    /// As a spreadsheet numbers it: the headings are row 1.
    pub row: u64,
    /// The column's heading.
    pub column: String,
    pub message: String,
}

/// What became of a file that was not imported. Nothing of it was stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ImportRefusal {
    /// The file cannot be read at all (its encoding, its quoting).
    Unreadable { message: String },
    /// Some rows are wrong: the first problems, and how many more there are.
    Rows { kind: ImportKind, rows: u64, problems: Vec<RowProblem>, more: u64 },
}

impl ImportRefusal {
    /// The HTTP status of the page that shows it.
    pub fn status(&self) -> u16 {
        match self {
            ImportRefusal::Unreadable { .. } => 400,
            ImportRefusal::Rows { .. } => 422,
        }
    }
}

/// A column of a file: its heading, whether every row must fill it, and
/// what it holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportColumn {
    pub heading: String,
    pub required: bool,
    pub help: String,
}

/// The import page: the columns of each kind of file, and the refusal of
/// the file just sent, if it was refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportView {
    pub courses: Vec<ImportColumn>,
    pub sessions: Vec<ImportColumn>,
    pub refusal: Option<ImportRefusal>,
    /// The largest file accepted, in MiB.
    pub max_mib: u64,
    pub max_rows: u64,
}
