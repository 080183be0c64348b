//! Account pages: the way in, and the signed-in user's own pages.

pub mod booking;
pub mod dashboard;
pub mod entry;
pub mod mine;
pub mod orders;
pub mod second_factor;
pub mod tokens;
