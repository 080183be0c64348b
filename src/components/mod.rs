//! Reusable pieces of UI.

pub mod bundle;
pub mod contact;
pub mod course_card;
pub mod error_view;
pub mod form;
pub mod kept;
pub mod layout;
pub mod loaded;
pub mod order;
pub mod pagination;
pub mod passkey;
pub mod session_row;
pub mod status;
pub mod verbatim;
