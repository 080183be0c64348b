//! `/admin`: the academy at a glance. The chart of enrolments per week is
//! SVG drawn on the server (readable without JavaScript), with its figures
//! in a table beside it for screen readers and for anyone who wants them.

use super::AdminPage;
use crate::components::loaded::Loaded;
use crate::model::admin::{DashboardView, FillLine};
use crate::server_fns::courses::get_dashboard;
use leptos::prelude::*;

#[component]
pub fn DashboardPage() -> impl IntoView {
    let dashboard = Resource::new(|| (), |_| get_dashboard());
    view! {
        <AdminPage title="Dashboard" section="/admin">
            <Loaded data=dashboard render=|d| view! { <Figures d/> }/>
        </AdminPage>
    }
}

#[component]
fn Figures(d: DashboardView) -> impl IntoView {
    let trend = match d.this_week - d.last_week {
        0 => "the same as last week".to_string(),
        n if n > 0 => format!("{n} more than last week ({})", d.last_week),
        n => format!("{} fewer than last week ({})", -n, d.last_week),
    };
    let (full, under): (Vec<_>, Vec<_>) =
        d.sessions.iter().filter(|s| s.flag.is_some()).cloned().partition(|s| s.seats_taken >= s.capacity);
    view! {
        <ul class="stat-tiles">
            <li><span class="stat">{d.this_week}</span>" enrolments this week, "{trend}</li>
            <li><span class="stat">{format!("{}%", d.fill_percent)}</span>" of seats taken in the next 14 days"</li>
            <li><a href="/admin/enquiries"><span class="stat">{d.open_enquiries}</span>" open enquiries"</a></li>
            <li><span class="stat">{d.certificates_last_30_days}</span>" certificates issued in 30 days ("{d.certificates}" in all)"</li>
        </ul>
        <WeeklyChart weeks=d.weeks/>
        <h2 id="attention">"Needs attention in the next 14 days"</h2>
        <FillList lines=full heading="Full" id="full"/>
        <FillList lines=under heading="Under-filled" id="under"/>
        <h2 id="coming">"Every session in the next 14 days"</h2>
        <FillList lines=d.sessions heading="" id="all"/>
    }
}

#[component]
fn FillList(lines: Vec<FillLine>, heading: &'static str, id: &'static str) -> impl IntoView {
    let heading = (!heading.is_empty()).then(|| view! { <h3 id=format!("fill-{id}")>{heading}</h3> });
    if lines.is_empty() {
        return view! { {heading}<p class="muted">"None."</p> }.into_any();
    }
    view! {
        {heading}
        <ul class="roster-list">
            {lines
                .into_iter()
                .map(|s| {
                    let waiting = (s.waitlisted > 0).then(|| format!(", {} waiting", s.waitlisted));
                    view! {
                        <li class="roster-entry">
                            <a href=format!("/admin/sessions/{}", s.session_id)>{s.course_title}</a>
                            <br/>{s.when}
                            <span class="muted">{format!(" · {} of {} seats ({}%)", s.seats_taken, s.capacity, s.percent)}{waiting}</span>
                            {s.flag.map(|flag| view! { " "<span class="state">{flag}</span> })}
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
    .into_any()
}

/// Chart geometry, in the SVG's own units.
const WIDTH: i64 = 640;
const HEIGHT: i64 = 240;
const LEFT: i64 = 48;
const BOTTOM: i64 = 40;
const TOP: i64 = 16;

/// A rounded-up scale top with four even steps.
fn scale_top(max: i64) -> i64 {
    let max = max.max(4);
    let step = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10_000]
        .into_iter()
        .find(|step| step * 4 >= max)
        .unwrap_or((max + 3) / 4);
    step * 4
}

#[component]
fn WeeklyChart(weeks: Vec<(String, i64)>) -> impl IntoView {
    let top = scale_top(weeks.iter().map(|w| w.1).max().unwrap_or(0));
    let plot_height = HEIGHT - TOP - BOTTOM;
    let slot = (WIDTH - LEFT) / i64::try_from(weeks.len().max(1)).unwrap_or(1);
    let y = move |n: i64| TOP + plot_height - n * plot_height / top;
    let gridlines = (0..=4)
        .map(|i| {
            let value = top * i / 4;
            view! {
                <line x1=LEFT x2=WIDTH y1=y(value) y2=y(value) class="grid"/>
                <text x=LEFT - 8 y=y(value) + 4 text-anchor="end">{value}</text>
            }
        })
        .collect_view();
    let bars = weeks
        .iter()
        .enumerate()
        .map(|(i, (label, n))| {
            let x = LEFT + i64::try_from(i).unwrap_or(0) * slot + slot / 5;
            let width = slot * 3 / 5;
            view! {
                <rect x=x y=y(*n) width=width height=plot_height + TOP - y(*n) class="bar">
                    <title>{format!("Week of {label}: {n}")}</title>
                </rect>
                <text x=x + width / 2 y=HEIGHT - BOTTOM + 16 text-anchor="middle" class="tick">{label.clone()}</text>
            }
        })
        .collect_view();
    let rows =
        weeks.into_iter().map(|(label, n)| view! { <tr><th scope="row">{label}</th><td>{n}</td></tr> }).collect_view();
    view! {
        <figure class="chart">
            <figcaption id="weekly-title">"Enrolments per week, last 12 weeks"</figcaption>
            <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img" aria-labelledby="weekly-title" preserveAspectRatio="xMidYMid meet">
                {gridlines}
                {bars}
                <text x=LEFT + (WIDTH - LEFT) / 2 y=HEIGHT - 4 text-anchor="middle" class="axis-label">"Week starting (Monday)"</text>
                <text x="12" y=TOP + plot_height / 2 text-anchor="middle" class="axis-label" transform=format!("rotate(-90 12 {})", TOP + plot_height / 2)>"Enrolments"</text>
            </svg>
            <details>
                <summary>"The figures"</summary>
                <table class="admin-table">
                    <caption>"Enrolments per week"</caption>
                    <thead><tr><th scope="col">"Week starting"</th><th scope="col">"Enrolments"</th></tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </details>
        </figure>
    }
}

#[cfg(test)]
mod tests {
    use super::scale_top;

    #[test]
    fn the_scale_rounds_up_to_even_steps() {
        assert_eq!(scale_top(0), 4);
        assert_eq!(scale_top(7), 8);
        assert_eq!(scale_top(37), 40);
        assert_eq!(scale_top(101), 200);
    }
}
