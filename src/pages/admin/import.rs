//! `/admin/import`: courses or dates from a CSV file, all of it or none.
//! A plain form with a file, so it works the same without JavaScript; a
//! refused file comes back as this page with every problem in a table
//! (row, column, problem), an imported one as this page with its count.

use super::AdminPage;
use crate::components::loaded::Loaded;
use crate::model::import::{ImportColumn, ImportKind, ImportRefusal, ImportView};
use crate::server_fns::import::get_import_page;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

#[component]
pub fn ImportPage() -> impl IntoView {
    let page = Resource::new(|| (), |_| get_import_page());
    view! {
        <AdminPage title="Import from CSV" section="/admin/courses">
            <Imported/>
            <Loaded data=page render=|page| view! { <ImportSections page/> }/>
        </AdminPage>
    }
}

/// The notice of a file just imported (`?imported=courses&count=12`).
#[component]
fn Imported() -> impl IntoView {
    let query = use_query_map();
    move || {
        let query = query.read();
        let kind = query.get("imported").and_then(|k| ImportKind::parse(&k))?;
        let count: u64 = query.get("count")?.parse().ok()?;
        let link = match kind {
            ImportKind::Courses => "/admin/courses?sort=updated",
            ImportKind::Sessions => "/admin/sessions",
        };
        Some(view! {
            <div class="form-notice" role="status">
                {format!("Imported {}. ", kind.count(count))}
                <a href=link>{format!("See the {}", if kind == ImportKind::Courses { "courses" } else { "rosters" })}</a>
            </div>
        })
    }
}

#[component]
fn ImportSections(page: ImportView) -> impl IntoView {
    let kinds: Vec<(&'static str, &'static str)> = ImportKind::ALL.iter().map(|k| (k.as_str(), k.label())).collect();
    view! {
        {page.refusal.map(|refusal| view! { <Refusal refusal/> })}
        <form method="post" action="/admin/import" enctype="multipart/form-data" class="stack-form import-form">
            <div class="field">
                <label for="f-kind">"The file holds"</label>
                <select id="f-kind" name="kind">
                    {kinds.into_iter().map(|(value, label)| view! { <option value=value>{label}</option> }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="f-file">"CSV file"</label>
                <input id="f-file" type="file" name="file" accept=".csv,text/csv" required="" aria-describedby="f-file-hint"/>
                <p class="field-hint" id="f-file-hint">
                    {format!(
                        "UTF-8 (\"CSV UTF-8\" in a spreadsheet's Save as), at most {} MiB and {} rows, the first row naming the columns in any order. Every row is checked first: if any is wrong, nothing is imported.",
                        page.max_mib, page.max_rows
                    )}
                </p>
            </div>
            <button type="submit">"Import"</button>
        </form>
        <p>
            "To start from what is there: "
            <a href="/admin/export/courses.csv" download="" rel="external">"courses (CSV)"</a>", "
            <a href="/admin/export/sessions.csv" download="" rel="external">"dates (CSV)"</a>
            ". A course whose address exists already is refused, never overwritten; other columns (id, state) are ignored."
        </p>
        <Columns heading="Columns of a courses file" columns=page.courses/>
        <Columns heading="Columns of a dates file" columns=page.sessions/>
    }
}

#[component]
fn Refusal(refusal: ImportRefusal) -> impl IntoView {
    match refusal {
        ImportRefusal::Unreadable { message } => view! {
            <div class="form-alert" role="alert">
                <p>"The file was not imported: nothing was stored."</p>
                <p>{message}</p>
            </div>
        }
        .into_any(),
        ImportRefusal::Rows { kind, rows, problems, more } => {
            let summary = format!(
                "The file was not imported: nothing was stored. Of its {rows} rows, these need correcting ({} problem{}):",
                problems.len() as u64 + more,
                if problems.len() as u64 + more == 1 { "" } else { "s" }
            );
            view! {
                <div class="form-alert" role="alert">
                    <p>{summary}</p>
                </div>
                <div class="table-wrap">
                    <table class="admin-table import-problems">
                        <caption>{format!("Problems in the {} file", kind.as_str())}</caption>
                        <thead>
                            <tr>
                                <th scope="col">"Row"</th>
                                <th scope="col">"Column"</th>
                                <th scope="col">"Problem"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {problems
                                .into_iter()
                                .map(|p| view! {
                                    <tr>
                                        <td data-label="Row">{p.row}</td>
                                        <td data-label="Column">{p.column}</td>
                                        <td data-label="Problem">{p.message}</td>
                                    </tr>
                                })
                                .collect_view()}
                        </tbody>
                    </table>
                </div>
                {(more > 0).then(|| view! { <p class="muted">{format!("And {more} more.")}</p> })}
            }
            .into_any()
        }
    }
}

#[component]
fn Columns(heading: &'static str, columns: Vec<ImportColumn>) -> impl IntoView {
    view! {
        <h2>{heading}</h2>
        <dl class="import-columns">
            {columns
                .into_iter()
                .map(|c| view! {
                    <dt><code>{c.heading}</code>{c.required.then_some(" (required)")}</dt>
                    <dd>{c.help}</dd>
                })
                .collect_view()}
        </dl>
    }
}
