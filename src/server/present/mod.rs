//! What pages show of the domain's values: times in the academy's zone,
//! prices, places, lines. The server functions that feed pages call
//! it; the domain never formats anything, so the back office and the API
//! can read the same values as they are. One module per area: the
//! catalogue (course pages, search, the home page, JSON-LD), enrolments
//! (the dashboard, rosters), the account pages and the enquiries' inbox.

pub mod account;
pub mod admin;
mod catalogue;
mod enquiry;
mod enrolment;
mod taxonomy;
mod users;

use super::catalogue::data::Money;
use crate::model::catalogue::format_price;
use crate::model::query::Mode;
use chrono::{DateTime, Datelike, Utc};
use chrono_tz::Tz;

/// What a page needs to know to present anything: where it is shown.
#[derive(Clone, Copy)]
pub struct Presenter<'a> {
    /// The academy's zone, in which times are shown.
    pub tz: Tz,
    /// The site's absolute base URL, for canonical links.
    pub public_url: &'a str,
    /// Whether prices include VAT, which every price says.
    pub prices_include_vat: bool,
}

impl<'a> Presenter<'a> {
    /// As the academy's settings say.
    pub fn of(config: &'a super::config::Config) -> Self {
        Self { tz: config.timezone, public_url: &config.public_url, prices_include_vat: config.prices_include_vat }
    }
}

impl Presenter<'_> {
    /// "€1,495 incl. VAT": a price always says whether tax is in it.
    pub fn price(&self, money: &Money) -> String {
        format!("{} {}", price(money), self.vat())
    }

    fn vat(&self) -> &'static str {
        if self.prices_include_vat { "incl. VAT" } else { "excl. VAT" }
    }
}

/// "Tue 8 Dec 2026, 09:00–16:00", or "Mon 7 Dec – Wed 9 Dec 2026, 09:00–16:00"
/// for a session over several days.
pub fn when(starts_at: DateTime<Utc>, ends_at: DateTime<Utc>, tz: Tz) -> String {
    let starts = starts_at.with_timezone(&tz);
    let ends = ends_at.with_timezone(&tz);
    let hours = format!("{}–{}", starts.format("%H:%M"), ends.format("%H:%M"));
    if starts.date_naive() == ends.date_naive() {
        format!("{}, {hours}", starts.format("%a %-d %b %Y"))
    } else if starts.year() == ends.year() {
        format!("{} – {}, {hours}", starts.format("%a %-d %b"), ends.format("%a %-d %b %Y"))
    } else {
        format!("{} – {}, {hours}", starts.format("%a %-d %b %Y"), ends.format("%a %-d %b %Y"))
    }
}

/// The days and hours of a session in full, naming the zone's abbreviation
/// as it is on those days: "Thursday 11 March 2027, 09:00–17:00 (CET)", or
/// "Monday 7 June – Wednesday 9 June 2027, 09:00–16:00 each day (CEST)".
pub fn when_in_full(starts_at: DateTime<Utc>, ends_at: DateTime<Utc>, tz: Tz) -> String {
    let starts = starts_at.with_timezone(&tz);
    let ends = ends_at.with_timezone(&tz);
    let (first, last) = (starts.format("%Z").to_string(), ends.format("%Z").to_string());
    let zone = if first == last { first } else { format!("{first}, then {last}") };
    let hours = format!("{}–{}", starts.format("%H:%M"), ends.format("%H:%M"));
    if starts.date_naive() == ends.date_naive() {
        format!("{}, {hours} ({zone})", starts.format("%A %-d %B %Y"))
    } else if starts.year() == ends.year() {
        format!("{} – {}, {hours} each day ({zone})", starts.format("%A %-d %B"), ends.format("%A %-d %B %Y"))
    } else {
        format!("{} – {}, {hours} each day ({zone})", starts.format("%A %-d %B %Y"), ends.format("%A %-d %B %Y"))
    }
}

/// A moment in full, naming the zone's abbreviation then: "Tuesday 9
/// March 2027, 09:00 (CET)".
pub fn moment_in_full(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz).format("%A %-d %B %Y, %H:%M (%Z)").to_string()
}

/// A day in full: "Friday 5 March 2027".
pub fn day_in_full(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz).format("%A %-d %B %Y").to_string()
}

/// Where a session happens, in full: its campus and the campus's street
/// address (and town, when the address does not say it), or how it is held.
pub fn place_in_full(place: Option<&crate::server::enrolment::data::Place>, mode: Mode) -> String {
    let Some(place) = place else { return mode.label().to_string() };
    let mut parts = vec![place.name.as_str()];
    let address = place.address.trim();
    let city = place.city.trim();
    if !address.is_empty() {
        parts.push(address);
    }
    if !city.is_empty() && !address.contains(city) {
        parts.push(city);
    }
    parts.join(", ")
}

/// "Malta time" for Europe/Malta, "New York time" for America/New_York.
pub fn zone_label(tz: Tz) -> String {
    let place = tz.name().rsplit('/').next().unwrap_or(tz.name()).replace('_', " ");
    format!("{place} time")
}

/// Where a session happens, for people: its campus, or how it is held.
pub fn place(location: Option<String>, mode: Mode) -> String {
    location.unwrap_or_else(|| mode.label().to_string())
}

pub fn price(money: &Money) -> String {
    format_price(money.cents, &money.currency)
}

pub fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn times_are_shown_in_the_academy_zone() {
        let tz = chrono_tz::Europe::Malta;
        // 08:00 UTC in December is 09:00 in Malta (CET).
        let starts = Utc.with_ymd_and_hms(2026, 12, 8, 8, 0, 0).unwrap();
        let ends = Utc.with_ymd_and_hms(2026, 12, 8, 15, 0, 0).unwrap();
        assert_eq!(when(starts, ends, tz), "Tue 8 Dec 2026, 09:00–16:00");
        // Summer time: 07:00 UTC is 09:00 CEST.
        let starts = Utc.with_ymd_and_hms(2027, 6, 7, 7, 0, 0).unwrap();
        let ends = Utc.with_ymd_and_hms(2027, 6, 9, 14, 0, 0).unwrap();
        assert_eq!(when(starts, ends, tz), "Mon 7 Jun – Wed 9 Jun 2027, 09:00–16:00");
    }

    #[test]
    fn times_in_full_name_the_day_the_month_and_the_zone_then() {
        let tz = chrono_tz::Europe::Malta;
        let starts = Utc.with_ymd_and_hms(2027, 3, 11, 8, 0, 0).unwrap();
        let ends = Utc.with_ymd_and_hms(2027, 3, 11, 16, 0, 0).unwrap();
        assert_eq!(when_in_full(starts, ends, tz), "Thursday 11 March 2027, 09:00–17:00 (CET)");
        let cutoff = Utc.with_ymd_and_hms(2027, 3, 9, 8, 0, 0).unwrap();
        assert_eq!(moment_in_full(cutoff, tz), "Tuesday 9 March 2027, 09:00 (CET)");
        assert_eq!(day_in_full(cutoff, tz), "Tuesday 9 March 2027");
        let starts = Utc.with_ymd_and_hms(2027, 6, 7, 7, 0, 0).unwrap();
        let ends = Utc.with_ymd_and_hms(2027, 6, 9, 14, 0, 0).unwrap();
        assert_eq!(
            when_in_full(starts, ends, tz),
            "Monday 7 June – Wednesday 9 June 2027, 09:00–16:00 each day (CEST)"
        );
        // Over the change to summer time, both zones are said.
        let starts = Utc.with_ymd_and_hms(2027, 3, 26, 8, 0, 0).unwrap();
        let ends = Utc.with_ymd_and_hms(2027, 3, 29, 14, 0, 0).unwrap();
        assert_eq!(
            when_in_full(starts, ends, tz),
            "Friday 26 March – Monday 29 March 2027, 09:00–16:00 each day (CET, then CEST)"
        );
    }

    #[test]
    fn a_place_in_full_is_the_campus_and_its_address_or_how_it_is_held() {
        use crate::server::enrolment::data::Place;
        let sliema = Place {
            name: "Sliema campus".into(),
            address: "118 Tower Road, Sliema SLM 1605".into(),
            city: "Sliema".into(),
        };
        assert_eq!(place_in_full(Some(&sliema), Mode::InPerson), "Sliema campus, 118 Tower Road, Sliema SLM 1605");
        let bare = Place { address: "Triq il-Kbira".into(), city: "Mosta".into(), ..sliema.clone() };
        assert_eq!(place_in_full(Some(&bare), Mode::InPerson), "Sliema campus, Triq il-Kbira, Mosta");
        let nameless = Place { address: String::new(), city: String::new(), ..sliema };
        assert_eq!(place_in_full(Some(&nameless), Mode::InPerson), "Sliema campus");
        assert_eq!(place_in_full(None, Mode::Online), "Online");
    }

    #[test]
    fn zones_are_named_for_people() {
        assert_eq!(zone_label(chrono_tz::Europe::Malta), "Malta time");
        assert_eq!(zone_label(chrono_tz::America::New_York), "New York time");
        assert_eq!(zone_label(chrono_tz::UTC), "UTC time");
    }

    #[test]
    fn lines_drop_blanks() {
        assert_eq!(lines(" a \n\n b"), ["a", "b"]);
    }
}
