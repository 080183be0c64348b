//! iCalendar (RFC 5545) output, written with the `ics` crate.
//!
//! Times are given in the academy's zone (`DTSTART;TZID=Europe/Malta:...`)
//! with that zone described in the calendar as a VTIMEZONE, so a calendar
//! client shows the class at the hour the academy means whatever zone the
//! reader is in, across a change to or from summer time. The VTIMEZONE is
//! built from the IANA database (`chrono-tz`): one observance per
//! transition in the span the events cover, which holds for any zone
//! without encoding its rules as RRULEs.

use chrono::{DateTime, Duration, NaiveDateTime, Offset, TimeZone as _, Utc};
use chrono_tz::{OffsetComponents, OffsetName, Tz};
use ics::components::Property;
use ics::parameters::TzIDParam;
use ics::properties::{
    CalScale, Description, DtEnd, DtStart, Location, Method, RRule, Sequence, Status, Summary, TzName, URL,
};
use ics::{Daylight, Event, ICalendar, Standard, TimeZone, escape_text};

/// What a calendar client is told of its copy of an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventStatus {
    Confirmed,
    /// A waitlist place: the learner may yet get a seat.
    Tentative,
    Cancelled,
}

/// One session as an event.
#[derive(Clone, Debug)]
pub struct CalendarEvent {
    /// Stable across every copy and change of the event.
    pub uid: String,
    pub summary: String,
    pub description: String,
    pub location: Option<String>,
    pub url: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// A course over several days that meets each working day from the
    /// first day's start to its end time, rather than around the clock.
    pub working_days: bool,
    /// Raised on every change of the session.
    pub sequence: i64,
    pub status: EventStatus,
}

/// A whole calendar: `name` is shown by clients that subscribe to it.
pub fn calendar(name: &str, tz: Tz, events: &[CalendarEvent], now: DateTime<Utc>) -> String {
    let mut calendar = ICalendar::new("2.0", "-//Lyceum//Lyceum courses//EN");
    calendar.push(CalScale::new("GREGORIAN"));
    calendar.push(Method::new("PUBLISH"));
    calendar.push(Property::new("X-WR-CALNAME", escape_text(name).into_owned()));
    calendar.push(Property::new("X-WR-TIMEZONE", tz.name()));
    let start = events.iter().map(|e| e.starts_at).min().unwrap_or(now);
    let end = events.iter().map(|e| e.ends_at).max().unwrap_or(now);
    calendar.add_timezone(vtimezone(tz, start, end));
    let stamp = utc_stamp(now);
    for event in events {
        calendar.add_event(vevent(event, tz, &stamp));
    }
    refold(&calendar.to_string())
}

fn vevent<'a>(event: &'a CalendarEvent, tz: Tz, stamp: &str) -> Event<'a> {
    let mut vevent = Event::new(event.uid.as_str(), stamp.to_string());
    vevent.push(zoned(DtStart::new(local_stamp(event.starts_at, tz)), tz));
    if event.working_days {
        // The first day ends at the hour the last one does; the same hours
        // repeat each working day until the end.
        let starts = event.starts_at.with_timezone(&tz);
        let first_end = starts.date_naive().and_time(event.ends_at.with_timezone(&tz).time());
        vevent.push(zoned(DtEnd::new(first_end.format("%Y%m%dT%H%M%S").to_string()), tz));
        vevent.push(RRule::new(format!("FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR;UNTIL={}", utc_stamp(event.ends_at))));
    } else {
        vevent.push(zoned(DtEnd::new(local_stamp(event.ends_at, tz)), tz));
    }
    vevent.push(Summary::new(escape_text(event.summary.as_str())));
    vevent.push(Description::new(escape_text(event.description.as_str())));
    if let Some(location) = &event.location {
        vevent.push(Location::new(escape_text(location.as_str())));
    }
    vevent.push(URL::new(event.url.as_str()));
    vevent.push(Sequence::new(event.sequence.max(0).to_string()));
    vevent.push(match event.status {
        EventStatus::Confirmed => Status::confirmed(),
        EventStatus::Tentative => Status::tentative(),
        EventStatus::Cancelled => Status::cancelled(),
    });
    vevent
}

trait Zoned {
    fn add_tzid(&mut self, tz: Tz);
}

macro_rules! zoned_property {
    ($($type:ident),*) => {$(
        impl Zoned for $type<'_> {
            fn add_tzid(&mut self, tz: Tz) {
                self.add(TzIDParam::new(tz.name()));
            }
        }
    )*};
}
zoned_property!(DtStart, DtEnd);

fn zoned<P: Zoned>(mut property: P, tz: Tz) -> P {
    property.add_tzid(tz);
    property
}

fn utc_stamp(at: DateTime<Utc>) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

fn local_stamp(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz).format("%Y%m%dT%H%M%S").to_string()
}

/// `+0100`, `-0330`: a UTC offset as RFC 5545 writes it.
fn offset_text(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let minutes = seconds.unsigned_abs() / 60;
    format!("{sign}{:02}{:02}", minutes / 60, minutes % 60)
}

/// The zone's offset and its name at `at`, and whether it is summer time.
fn observance(tz: Tz, at: DateTime<Utc>) -> (i32, String, bool) {
    let offset = tz.offset_from_utc_datetime(&at.naive_utc());
    let name = offset.abbreviation().unwrap_or_default().to_string();
    (offset.fix().local_minus_utc(), name, !offset.dst_offset().is_zero())
}

/// The instants in `from..to` at which the zone's offset changes: the
/// offset is sampled daily (no zone changes twice in a day) and each change
/// narrowed to the second.
fn transitions(tz: Tz, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<DateTime<Utc>> {
    const DAY: i64 = 86_400;
    let instant = |seconds: i64| DateTime::from_timestamp(seconds, 0).unwrap_or(from);
    let offset_at = |seconds: i64| observance(tz, instant(seconds)).0;
    let mut found = Vec::new();
    let (mut at, end) = (from.timestamp(), to.timestamp());
    while at < end {
        let next = at + DAY;
        if offset_at(at) != offset_at(next) {
            // Whole seconds: the change is at `after`, the first second
            // with the new offset.
            let (mut before, mut after) = (at, next);
            while after - before > 1 {
                let middle = before + (after - before) / 2;
                if offset_at(middle) == offset_at(before) { before = middle } else { after = middle }
            }
            found.push(instant(after));
        }
        at = next;
    }
    found
}

/// The VTIMEZONE for `tz` over the span of the events, with a year's
/// margin either side: the observance in force at the start, then one per
/// transition, each starting at the local time it takes effect.
fn vtimezone(tz: Tz, start: DateTime<Utc>, end: DateTime<Utc>) -> TimeZone<'static> {
    let from = start - Duration::days(366);
    let to = end + Duration::days(366);
    let mut observances = vec![(from, observance(tz, from - Duration::seconds(1)), observance(tz, from))];
    for at in transitions(tz, from, to) {
        observances.push((at, observance(tz, at - Duration::seconds(1)), observance(tz, at)));
    }
    let mut zone: Option<TimeZone<'static>> = None;
    for (at, (before, _, _), (after, name, summer)) in observances {
        // DTSTART is the onset in the local time in force before it.
        let onset: NaiveDateTime = at.naive_utc() + Duration::seconds(i64::from(before));
        let onset = onset.format("%Y%m%dT%H%M%S").to_string();
        let (from_text, to_text) = (offset_text(before), offset_text(after));
        if summer {
            let mut daylight = Daylight::new(onset, from_text, to_text);
            if !name.is_empty() {
                daylight.push(TzName::new(name));
            }
            match zone.as_mut() {
                Some(zone) => zone.add_daylight(daylight),
                None => zone = Some(TimeZone::daylight(tz.name(), daylight)),
            }
        } else {
            let mut standard = Standard::new(onset, from_text, to_text);
            if !name.is_empty() {
                standard.push(TzName::new(name));
            }
            match zone.as_mut() {
                Some(zone) => zone.add_standard(standard),
                None => zone = Some(TimeZone::standard(tz.name(), standard)),
            }
        }
    }
    zone.expect("the first observance is always there")
}

/// Folds content lines at 75 octets, continuation lines included.
///
/// `ics` folds after 75 octets but starts each continuation line with a
/// space on top of them, giving 76-octet lines, which RFC 5545 (3.1) asks
/// writers not to produce. The crate's lines are unfolded and folded again,
/// never inside a UTF-8 character.
fn refold(text: &str) -> String {
    const LIMIT: usize = 75;
    let unfolded = text.replace("\r\n ", "");
    let mut out = String::with_capacity(unfolded.len() + unfolded.len() / 24);
    for line in unfolded.split_terminator("\r\n") {
        let mut rest = line;
        let mut room = LIMIT;
        loop {
            if rest.len() <= room {
                out.push_str(rest);
                out.push_str("\r\n");
                break;
            }
            let mut cut = room;
            while !rest.is_char_boundary(cut) {
                cut -= 1;
            }
            out.push_str(&rest[..cut]);
            out.push_str("\r\n ");
            rest = &rest[cut..];
            room = LIMIT - 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(summary: &str, starts_at: DateTime<Utc>) -> CalendarEvent {
        CalendarEvent {
            uid: "session-7@lyceum.example".into(),
            summary: summary.into(),
            description: "Bring a laptop; lunch, coffee\nand notes provided.".into(),
            location: Some("Valletta campus, 12 Merchants Street".into()),
            url: "https://lyceum.example/courses/x".into(),
            starts_at,
            ends_at: starts_at + Duration::hours(7),
            working_days: false,
            sequence: 2,
            status: EventStatus::Confirmed,
        }
    }

    #[test]
    fn malta_changes_to_summer_time_on_the_last_sunday_of_march_at_two() {
        let tz: Tz = "Europe/Malta".parse().unwrap();
        let from = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let to = Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap();
        let found = transitions(tz, from, to);
        assert_eq!(
            found,
            vec![
                Utc.with_ymd_and_hms(2026, 3, 29, 1, 0, 0).unwrap(),
                Utc.with_ymd_and_hms(2026, 10, 25, 1, 0, 0).unwrap()
            ]
        );
        let zone = vtimezone(tz, from, to).to_string();
        assert!(
            zone.contains(
                "BEGIN:DAYLIGHT\r\nDTSTART:20260329T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nTZNAME:CEST"
            ),
            "{zone}"
        );
        assert!(zone.contains("DTSTART:20261025T030000\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100"), "{zone}");
    }

    #[test]
    fn a_zone_without_summer_time_has_one_observance() {
        let tz: Tz = "Asia/Kolkata".parse().unwrap();
        let now = Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap();
        let zone = vtimezone(tz, now, now).to_string();
        assert_eq!(zone.matches("BEGIN:STANDARD").count(), 1, "{zone}");
        assert!(zone.contains("TZOFFSETTO:+0530"), "{zone}");
        assert!(!zone.contains("DAYLIGHT"));
    }

    #[test]
    fn text_is_escaped_and_lines_fold_at_75_octets_without_splitting_characters() {
        let tz: Tz = "Europe/Malta".parse().unwrap();
        let start = Utc.with_ymd_and_hms(2026, 12, 8, 8, 0, 0).unwrap();
        let title = "Ħaġar Qim; prehistory, temples\r\nEND:VEVENT and a title long enough to fold twice over ħħħħħħħħħ";
        let text = calendar("Lyceum, Malta", tz, &[event(title, start)], start);
        for line in text.split("\r\n") {
            assert!(line.len() <= 75, "{} octets: {line:?}", line.len());
        }
        assert!(!text.contains("\nEND:VEVENT and"), "a line break in a title must not end the event");
        let unfolded = text.replace("\r\n ", "");
        assert!(unfolded.contains("SUMMARY:Ħaġar Qim\\; prehistory\\, temples\\nEND:VEVENT and"), "{unfolded}");
        assert!(unfolded.contains("DTSTART;TZID=Europe/Malta:20261208T090000"), "{unfolded}");
        assert!(unfolded.contains("X-WR-CALNAME:Lyceum\\, Malta"));
        assert!(text.ends_with("END:VCALENDAR\r\n"));
    }
}
