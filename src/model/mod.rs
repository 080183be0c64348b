//! Plain data and pure rules shared by the server and the browser.

pub mod account;
pub mod admin;
pub mod api_reference;
pub mod billing;
pub mod catalogue;
pub mod certificate;
pub mod date;
pub mod enquiry;
pub mod enrolment;
pub mod form;
pub mod import;
pub mod mail;
pub mod order;
pub mod query;
pub mod returned;
pub mod taxonomy;
pub mod token;
pub mod url;
pub mod users;
pub mod webhook;
