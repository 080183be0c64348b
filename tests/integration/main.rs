//! Integration tests: the real router over a real database. The backend is
//! SQLite unless `LYCEUM_TEST_DATABASE_URL` names a PostgreSQL server, in
//! which case every test gets a fresh database on it.

mod helpers;
mod visitor;

mod account_pages;
mod accounts;
mod api;
mod api_bookings;
mod api_catalogue;
mod api_document;
mod api_fuzz;
mod api_staff;
mod attendance;
mod auth;
mod back_office;
mod backup;
mod bookings;
mod calendars;
mod catalogue;
mod certificates;
mod csv;
mod demo_catalogue;
mod enquiries;
mod enrolment;
mod instances;
mod jobs;
mod load;
mod mail;
mod one_seat;
mod operator;
mod ops;
mod orders;
mod pages;
mod passkeys;
mod privacy;
mod races;
mod relevance;
mod roster_messages;
mod second_factor;
mod security;
mod shared_cache;
mod taxonomy;
mod users;
mod webhooks;
