//! `/admin/users` (administrators only): people found by name or address
//! and role, a page at a time; one account's page, where its role is
//! changed, its instructor profile linked or unlinked, and the account
//! deactivated (asked first, with or without JavaScript, and whether to
//! hand its seats on) or made active again.

use super::AdminPage;
use crate::components::form::{FormAlert, LastError, Select, last_error};
use crate::components::loaded::Loaded;
use crate::components::pagination::PageLinks;
use crate::model::account::Role;
use crate::model::form::Field;
use crate::model::users::{USERS_PATH, UserListView, UserView};
use crate::server_fns::admin::SetUserRole;
use crate::server_fns::users::{DeactivateUser, LinkInstructor, ReactivateUser, UnlinkInstructor, get_user, get_users};
use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_params_map, use_query_map};

#[component]
pub fn UsersPage() -> impl IntoView {
    let location = use_location();
    let list = Resource::new(move || location.search.get(), get_users);
    view! {
        <AdminPage title="Users" section=USERS_PATH>
            <Loaded data=list keep_previous=true render=|list| view! { <UserList list/> }/>
        </AdminPage>
    }
}

fn role_choices() -> Vec<(String, String)> {
    Role::ALL.into_iter().map(|r| (r.as_str().to_string(), r.label().to_string())).collect()
}

#[component]
fn UserList(list: UserListView) -> impl IntoView {
    let query = list.query.clone();
    let pages = list.pages();
    let role_now = query.role.map(Role::as_str).unwrap_or_default();
    let count = match list.total {
        1 => "1 account".to_string(),
        n => format!("{n} accounts"),
    };
    let link_query = query.clone();
    view! {
        <form method="get" action=USERS_PATH class="admin-filter" role="search">
            <div class="field">
                <label for="f-q">"Name or e-mail address"</label>
                <input id="f-q" type="search" name="q" value=query.q.clone() maxlength="100"/>
            </div>
            <div class="field">
                <label for="f-role">"Role"</label>
                <select id="f-role" name="role">
                    <option value="" selected=role_now.is_empty()>"Any role"</option>
                    {role_choices()
                        .into_iter()
                        .map(|(value, label)| {
                            let selected = value == role_now;
                            view! { <option value=value selected=selected>{label}</option> }
                        })
                        .collect_view()}
                </select>
            </div>
            <button type="submit">"Find"</button>
        </form>
        <p class="muted" role="status">{count}</p>
        <div class="table-wrap">
            <table class="admin-table">
                <caption class="visually-hidden">"Accounts"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"E-mail address"</th>
                        <th scope="col">"Role"</th>
                        <th scope="col">"State"</th>
                    </tr>
                </thead>
                <tbody>
                    {list
                        .lines
                        .into_iter()
                        .map(|line| view! {
                            <tr>
                                <th scope="row"><a href=format!("{USERS_PATH}/{}", line.id)>{line.name}</a></th>
                                <td data-label="E-mail address">{line.email}</td>
                                <td data-label="Role">{line.role.label()}</td>
                                <td data-label="State">{if line.deactivated { "Deactivated" } else { "Active" }}</td>
                            </tr>
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
        <PageLinks current=query.page pages link=move |page| link_query.href(page)/>
    }
}

/// The forms of an account's page. The page loads the account again
/// after each answer, so what it shows (and the profile versions its
/// forms send) is what was saved.
#[derive(Clone, Copy)]
struct UserActions {
    role: ServerAction<SetUserRole>,
    link: ServerAction<LinkInstructor>,
    unlink: ServerAction<UnlinkInstructor>,
    deactivate: ServerAction<DeactivateUser>,
    reactivate: ServerAction<ReactivateUser>,
}

impl UserActions {
    fn new() -> Self {
        Self {
            role: ServerAction::new(),
            link: ServerAction::new(),
            unlink: ServerAction::new(),
            deactivate: ServerAction::new(),
            reactivate: ServerAction::new(),
        }
    }

    fn answered(self) -> usize {
        self.role.version().get()
            + self.link.version().get()
            + self.unlink.version().get()
            + self.deactivate.version().get()
            + self.reactivate.version().get()
    }
}

#[component]
pub fn UserPage() -> impl IntoView {
    let params = use_params_map();
    let actions = UserActions::new();
    let user = Resource::new(
        move || {
            let id = params.read().get("id").and_then(|id| id.parse::<i64>().ok()).unwrap_or(0);
            (id, actions.answered())
        },
        |(id, _)| get_user(id),
    );
    view! {
        <AdminPage title="Users" section=USERS_PATH>
            <p><a href=USERS_PATH>"All users"</a></p>
            <Loaded data=user keep_previous=true render=move |user| view! { <Account user actions/> }/>
        </AdminPage>
    }
}

#[component]
fn Account(user: UserView, actions: UserActions) -> impl IntoView {
    let state = match &user.deactivated {
        Some(when) => format!("Deactivated since {when}"),
        None => "Active".to_string(),
    };
    view! {
        <h2>{user.name.clone()}</h2>
        <dl class="enquiry-facts">
            <dt>"E-mail address"</dt>
            <dd>{user.email.clone()}{(!user.verified).then_some(" (not confirmed yet)")}</dd>
            <dt>"Role"</dt>
            <dd>{user.role.label()}</dd>
            <dt>"State"</dt>
            <dd>{state}</dd>
            <dt>"Joined"</dt>
            <dd>{user.joined.clone()}</dd>
            <dt>"Seats and waitlist places to come"</dt>
            <dd>{user.live_enrolments}</dd>
        </dl>
        <RoleForm user=user.clone() action=actions.role/>
        <InstructorLink user=user.clone() actions/>
        <Activity user actions/>
    }
}

#[component]
fn RoleForm(user: UserView, action: ServerAction<SetUserRole>) -> impl IntoView {
    let error = last_error(action);
    view! {
        <h2 id="role-heading">"Role"</h2>
        {match user.is_you {
            true => view! { <p class="muted">"This is your own account: another administrator changes its role."</p> }.into_any(),
            false => view! {
                <p class="field-hint">"A new role ends the person's sessions: they sign in again with it."</p>
                <FormAlert error/>
                <ActionForm action attr:class="stack-form" attr:novalidate="">
                    <input type="hidden" name="user_id" value=user.id/>
                    <Select field=Field::Role label="Role" choices=role_choices() value=user.role.as_str() error/>
                    <button type="submit">"Change role"</button>
                </ActionForm>
            }
            .into_any(),
        }}
    }
}

#[component]
fn InstructorLink(user: UserView, actions: UserActions) -> impl IntoView {
    let link_error = last_error(actions.link);
    let unlink_error = last_error(actions.unlink);
    let id = user.id;
    let body = match (user.instructor, user.free_profiles.is_empty()) {
        (Some(profile), _) => view! {
            <FormAlert error=unlink_error/>
            <p>
                "Signs in for the instructor profile "
                <a href=format!("/admin/instructors/{}", profile.id)>{profile.name.clone()}</a>
                ", to see its rosters and mark attendance."
            </p>
            <ActionForm action=actions.unlink attr:class="inline-form">
                <input type="hidden" name="user_id" value=id/>
                <input type="hidden" name="instructor" value=profile.value()/>
                <button type="submit" class="button-quiet">"Unlink the profile"</button>
            </ActionForm>
        }
        .into_any(),
        (None, true) => {
            view! { <p class="muted">"Every instructor profile is linked to an account already."</p> }.into_any()
        }
        (None, false) => {
            let choices = user.free_profiles.iter().map(|p| (p.value(), p.name.clone())).collect::<Vec<_>>();
            view! {
                <FormAlert error=link_error/>
                <ActionForm action=actions.link attr:class="stack-form" attr:novalidate="">
                    <input type="hidden" name="user_id" value=id/>
                    <Select field=Field::Instructor label="Instructor profile" any="Choose a profile" choices value="" error=link_error/>
                    <button type="submit">"Link the profile"</button>
                </ActionForm>
            }
            .into_any()
        }
    };
    view! {
        <h2>"Instructor profile"</h2>
        {body}
    }
}

/// Deactivate (asked first: the form leads to `?confirm=deactivate`,
/// carrying the choice about seats, and only the question's button sends
/// it), or reactivate.
#[component]
fn Activity(user: UserView, actions: UserActions) -> impl IntoView {
    let error: LastError = last_error(actions.deactivate);
    let reactivate_error = last_error(actions.reactivate);
    let query = use_query_map();
    let asked = move || query.read().get("confirm").as_deref() == Some("deactivate");
    let hand_on = move || query.read().get("hand_on").is_some_and(|v| v == "on");
    let here = format!("{USERS_PATH}/{}", user.id);
    if user.is_you {
        return view! {
            <h2>"Deactivate"</h2>
            <p class="muted">"This is your own account: another administrator deactivates it."</p>
        }
        .into_any();
    }
    if user.deactivated.is_some() {
        return view! {
            <h2>"Reactivate"</h2>
            <p>"The account cannot sign in. Made active again, it can; seats handed on stay with their new holders."</p>
            <FormAlert error=reactivate_error/>
            <ActionForm action=actions.reactivate attr:class="inline-form">
                <input type="hidden" name="user_id" value=user.id/>
                <button type="submit">"Reactivate the account"</button>
            </ActionForm>
        }
        .into_any();
    }
    let (id, name, seats) = (user.id, user.name.clone(), user.live_enrolments);
    view! {
        <h2 id="deactivate-heading">"Deactivate"</h2>
        <FormAlert error/>
        {move || match asked() {
            true => {
                let seats_text = match (hand_on(), seats) {
                    (_, 0) => "They hold no seat or waitlist place to come.".to_string(),
                    (true, n) => format!("Their {n} seat(s) and waitlist place(s) go to the waitlists, whose learners are told."),
                    (false, n) => format!("They keep their {n} seat(s) and waitlist place(s)."),
                };
                view! {
                    <div class="confirm" role="alertdialog" aria-labelledby="deactivate-question">
                        <p id="deactivate-question">
                            {format!("Deactivate the account of {name}? Their sessions end now and they can no longer sign in. ")}
                            {seats_text}
                        </p>
                        <ActionForm action=actions.deactivate attr:class="inline-form">
                            <input type="hidden" name="user_id" value=id/>
                            {hand_on().then(|| view! { <input type="hidden" name="hand_on" value="on"/> })}
                            <button type="submit" class="danger">"Yes, deactivate"</button>
                        </ActionForm>
                        <a href=here.clone()>"No, keep it active"</a>
                    </div>
                }
                .into_any()
            }
            false => view! {
                <form method="get" action=here.clone() class="stack-form">
                    <input type="hidden" name="confirm" value="deactivate"/>
                    <div class="check">
                        <input type="checkbox" id="f-hand_on" name="hand_on" value="on"/>
                        <label for="f-hand_on">"Hand on their seats and waitlist places to others"</label>
                    </div>
                    <button type="submit" class="button-danger">"Deactivate…"</button>
                </form>
            }
            .into_any(),
        }}
    }
    .into_any()
}
