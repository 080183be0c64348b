//! The CSV import page's data. The file itself is posted to a plain
//! handler (`server::exchange::import`), which renders this page again with
//! the file's refusal when it has one.

use crate::error::AppError;
use crate::model::import::ImportView;
use leptos::prelude::*;

/// The columns of each kind of file, and the refusal of the file just
/// sent, if the page is its answer.
#[server(prefix = "/rpc", endpoint = "admin/import/page")]
pub async fn get_import_page() -> Result<ImportView, AppError> {
    use crate::model::account::Role;
    use crate::model::import::ImportRefusal;
    use crate::server::catalogue::import::{MAX_ROWS, course_columns, session_columns};
    use crate::server::{auth, csv_files::IMPORT_MAX_BYTES};
    auth::require(Role::Staff).await?;
    Ok(ImportView {
        courses: course_columns(),
        sessions: session_columns(),
        refusal: use_context::<ImportRefusal>(),
        max_mib: (IMPORT_MAX_BYTES / (1024 * 1024)) as u64,
        max_rows: MAX_ROWS as u64,
    })
}
