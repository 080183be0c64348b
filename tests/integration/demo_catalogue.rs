//! The demo academy tells the truth about itself: what each demo course's
//! words say about its days and hours agrees with the sessions the seed
//! schedules for it.

use crate::helpers::TestApp;
use chrono::Timelike;

/// How a course's sessions run: days in a row, each from `start` to `end`
/// (minutes after midnight, in the academy's zone).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Days {
    days: i64,
    start: i64,
    end: i64,
}

impl Days {
    /// The teaching of one day: a day of six hours or more has an hour
    /// for lunch, as the course page says.
    fn teaching(self) -> i64 {
        let span = self.end - self.start;
        if span >= 6 * 60 { span - 60 } else { span }
    }
}

#[tokio::test]
async fn each_demo_course_says_what_its_sessions_do() {
    let app = TestApp::demo().await;
    let tz = app.state.config.timezone;
    let slugs: Vec<String> = lyceum::server::db::with_pool!(&app.state.db, |pool| {
        sqlx::query_scalar("SELECT slug FROM courses ORDER BY slug").fetch_all(pool).await.unwrap()
    });
    assert!(slugs.len() >= 40, "{} demo courses", slugs.len());
    let mut problems = Vec::new();
    for slug in slugs {
        let course = app.state.catalogue.course(&slug).await.unwrap().expect("a published demo course");
        let runs: Vec<Days> = course
            .sessions
            .iter()
            .map(|s| {
                let (first, last) = (s.starts_at.with_timezone(&tz), s.ends_at.with_timezone(&tz));
                Days {
                    days: (last.date_naive() - first.date_naive()).num_days() + 1,
                    start: i64::from(first.hour() * 60 + first.minute()),
                    end: i64::from(last.hour() * 60 + last.minute()),
                }
            })
            .collect();
        assert!(!runs.is_empty(), "{slug} has upcoming sessions");
        assert!(runs.iter().all(|run| *run == runs[0]), "{slug}: every session runs alike: {runs:?}");
        let text = [&course.title, &course.summary, &course.description, &course.outcomes, &course.prerequisites]
            .map(|part| part.as_str())
            .join("\n");
        problems
            .extend(disagreements(&text, course.duration_hours, runs[0]).into_iter().map(|p| format!("{slug}: {p}")));
    }
    assert!(problems.is_empty(), "demo courses that say otherwise than their sessions:\n{}", problems.join("\n"));
}

#[test]
fn the_words_of_a_timetable_are_read() {
    let two_days = Days { days: 2, start: 9 * 60, end: 17 * 60 };
    let right = "A two-day course. On the second afternoon, a test; 9:00 to 17:00.";
    assert_eq!(disagreements(right, 14, two_days), Vec::<String>::new());
    for wrong in [
        "Over three days you will learn.",
        "Delivered in four half-day sessions.",
        "The days are spread over three weeks.",
        "On day three you present.",
        "From 9:30 each day.",
        "All 16 hours of it.",
    ] {
        assert!(!disagreements(wrong, 14, two_days).is_empty(), "{wrong}");
    }
    assert_eq!(disagreements("The first day.", 16, two_days).len(), 1, "16 hours are not two days of seven");
    let morning = Days { days: 1, start: 9 * 60, end: 12 * 60 };
    assert_eq!(disagreements("The final afternoon is a test.", 3, morning).len(), 1);
    assert!(disagreements("A half-day workshop.", 3, morning).is_empty());
}

/// Where `text`, about a course of `hours` taught as `run`, says otherwise.
fn disagreements(text: &str, hours: i64, run: Days) -> Vec<String> {
    const NUMBERS: [&str; 12] =
        ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"];
    const ORDINALS: [&str; 6] = ["first", "second", "third", "fourth", "fifth", "sixth"];
    let number = |word: &str| -> Option<i64> {
        word.parse().ok().or_else(|| NUMBERS.iter().position(|n| *n == word).map(|i| i as i64 + 1))
    };
    let ordinal = |word: &str| ORDINALS.iter().position(|n| *n == word).map(|i| i as i64 + 1);
    let words: Vec<String> = text
        .to_lowercase()
        .replace(['-', '–', '/'], " ")
        .split_whitespace()
        .map(|word| word.trim_matches(|c: char| !c.is_alphanumeric()).to_string())
        .collect();
    let word = |i: usize| words.get(i).map(String::as_str).unwrap_or("");
    let mut found = Vec::new();
    let taught = run.days * run.teaching();
    if taught != hours * 60 {
        found.push(format!(
            "{hours} hours, but its sessions teach {} days of {} hours",
            run.days,
            run.teaching() as f64 / 60.0
        ));
    }
    for i in 0..words.len() {
        let (this, next) = (word(i), word(i + 1));
        let before = if i == 0 { "" } else { word(i - 1) };
        match (number(this), next) {
            // "two days", "a three-day course"; not "the first two days", a part of them.
            (Some(n), "day" | "days")
                if n != run.days && !matches!(before, "first" | "last" | "final" | "next" | "other") =>
            {
                found.push(format!("“{this} {next}”, but its sessions run {} days", run.days));
            }
            // "35 hours of teaching"; not "a six-hour assessment".
            (Some(n), "hours") if n != hours => found.push(format!("“{this} hours”, but it is {hours} hours")),
            // "four half-day sessions", "two sessions": a sitting a day.
            (Some(n), "sessions" | "half") if n != run.days && (next == "sessions" || word(i + 3) == "sessions") => {
                let claim = if next == "sessions" { 1 } else { 3 };
                found.push(format!("“{}”, but its sessions run {} days", words[i..=i + claim].join(" "), run.days));
            }
            _ => {}
        }
        // "day four", "the second afternoon": a day it has.
        let nth = if this == "day" {
            number(next)
        } else {
            ordinal(this).filter(|_| matches!(next, "day" | "morning" | "afternoon"))
        };
        if nth.is_some_and(|n| n > run.days) {
            found.push(format!("“{this} {next}”, but its sessions run {} days", run.days));
        }
        if this == "half" && matches!(next, "day" | "days") && run.teaching() > 4 * 60 {
            found.push(format!("“half {next}”, but its days teach {} hours", run.teaching() as f64 / 60.0));
        }
        // A session's days are one run, in one week.
        if this == "over" && number(next).is_some_and(|n| n > 1) && word(i + 2) == "weeks" {
            found.push(format!("“over {next} weeks”, but its sessions run {} days in a row", run.days));
        }
        if this == "afternoon" && run.end < 14 * 60 {
            found.push(format!("an afternoon, but its days end at {}:{:02}", run.end / 60, run.end % 60));
        }
        // A time of day: when its days begin or end.
        if let Some((h, m)) = this.split_once(':')
            && let (Ok(h), Ok(m)) = (h.parse::<i64>(), m.parse::<i64>())
            && m < 60
            && this.len() <= 5
            && ![run.start, run.end].contains(&(h * 60 + m))
        {
            found.push(format!(
                "“{this}”, but its days run {}:{:02}–{}:{:02}",
                run.start / 60,
                run.start % 60,
                run.end / 60,
                run.end % 60
            ));
        }
    }
    found
}
