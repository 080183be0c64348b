//! Server functions: the browser's way into the server. Each one checks who
//! is calling (where it matters), calls the domain under `server/`, and maps
//! its error once, through `From<server::error::Error> for AppError`.

pub mod account;
pub mod admin;
pub mod api;
pub mod catalogue;
pub mod certificates;
pub mod courses;
pub mod dev;
pub mod enquiries;
pub mod enrolment;
pub mod import;
pub mod orders;
pub mod passkeys;
pub mod roster_messages;
pub mod second_factor;
pub mod sessions;
pub mod settings;
pub mod taxonomy;
pub mod tokens;
pub mod users;
pub mod webhooks;
