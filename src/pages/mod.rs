//! One module per route (or group of routes).

pub mod catalogue;
pub mod course;
pub mod home;
