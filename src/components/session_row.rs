//! One scheduled session: when, where, and how many seats are left.

use crate::model::catalogue::SessionView;
use leptos::prelude::*;

#[component]
pub fn SeatsLeft(session: SessionView) -> impl IntoView {
    let text = match (session.seats_left, session.waitlist) {
        (0, 0) => "Full: waitlist only".to_string(),
        (0, 1) => "Full: 1 on the waitlist".to_string(),
        (0, n) => format!("Full: {n} on the waitlist"),
        (1, _) => "1 seat left".to_string(),
        (n, _) => format!("{n} seats left"),
    };
    let class = if session.is_full() {
        "seats seats-full"
    } else if session.seats_left * 5 <= session.capacity {
        "seats seats-few"
    } else {
        "seats"
    };
    view! { <span class=class>{text}</span> }
}

#[component]
pub fn SessionWhen(session: SessionView) -> impl IntoView {
    view! { <time datetime=session.starts_at.clone()>{session.when.clone()}</time> }
}
