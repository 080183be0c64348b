//! One module per route (or group of routes).

pub mod about;
pub mod account;
pub mod admin;
pub mod api_docs;
pub mod book;
pub mod catalogue;
pub mod certificate;
pub mod course;
pub mod dev_mailbox;
pub mod home;
