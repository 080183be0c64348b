//! The back office.

pub mod roster;
