//! A calendar date as typed in a URL (`2026-12-01`), checked without pulling a
//! date library into the browser bundle.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Date {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

impl Date {
    /// Parses exactly `YYYY-MM-DD` with a real month and day (leap years included).
    pub fn parse(input: &str) -> Option<Self> {
        let bytes = input.as_bytes();
        if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
            return None;
        }
        let digits = |range: std::ops::Range<usize>| -> Option<u32> {
            let part = &input[range];
            if part.bytes().all(|b| b.is_ascii_digit()) { part.parse().ok() } else { None }
        };
        let year = digits(0..4)? as i32;
        let month = digits(5..7)?;
        let day = digits(8..10)?;
        if !(1970..=9999).contains(&year) || !(1..=12).contains(&month) {
            return None;
        }
        if day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(Self { year, month, day })
    }
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

impl Date {
    /// "1 Dec 2026", for people.
    pub fn human(&self) -> String {
        const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
        let month = MONTHS.get(self.month.wrapping_sub(1) as usize).unwrap_or(&"?");
        format!("{} {month} {}", self.day, self.year)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

#[cfg(test)]
mod tests {
    use super::Date;

    #[test]
    fn parses_real_dates_and_round_trips() {
        let date = Date::parse("2028-02-29").expect("leap day");
        assert_eq!((date.year, date.month, date.day), (2028, 2, 29));
        assert_eq!(date.to_string(), "2028-02-29");
    }

    #[test]
    fn refuses_impossible_or_malformed_dates() {
        for bad in [
            "2027-02-29",
            "2026-13-01",
            "2026-04-31",
            "2026-00-10",
            "2026-1-1",
            "yesterday",
            "",
            "2026-12-01T00:00",
            "+202-12-01",
            "2026/12/01",
            "١٢٣٤-01-01",
        ] {
            assert_eq!(Date::parse(bad), None, "{bad:?} should be refused");
        }
    }

    #[test]
    fn orders_by_calendar() {
        assert!(Date::parse("2026-12-31") < Date::parse("2027-01-01"));
    }
}
