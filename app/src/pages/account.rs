//! `/account`: who is signed in, signing out, downloading one's data and deleting the account.
//! Both of the latter are plain links and forms to the server's own addresses, so they work
//! without the page's script.

use crate::components::meta::PageMeta;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::account::my_account;
use crate::components::account::SignOutButton;
use crate::error::AppError;
use crate::routes::{self, sign_in_href};

/// The signed-in person's account. The server sends signed-out visitors to sign in first; if
/// the session ends while the page is open, it says so and offers to sign in again.
#[component]
pub fn AccountPage() -> impl IntoView {
    let account = Resource::new(|| (), |_| my_account());

    view! {
        <PageMeta title="Your account" description="Your Ewelists account: download your data or delete your account." noindex=true />
        <section class="mx-auto max-w-xl px-4 py-10">
            <h1 class="text-2xl font-bold">"Your account"</h1>
            <Suspense fallback=|| view! { <p class="mt-6 text-stone-600">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match account.await {
                        Ok(person) => {
                            let email = person.email.clone();
                            view! {
                            <dl class="mt-6 grid gap-4 rounded-2xl bg-white p-5 shadow-sm ring-1 ring-stone-200">
                                <div>
                                    <dt class="text-sm text-stone-600">"Name"</dt>
                                    <dd class="text-lg font-semibold" data-testid="account-name">{person.name}</dd>
                                </div>
                                <div>
                                    <dt class="text-sm text-stone-600">"Email"</dt>
                                    <dd class="break-all" data-testid="account-email">{person.email}</dd>
                                </div>
                            </dl>
                            <p class="mt-4 text-sm text-stone-600">
                                "You can sign in with any of your accounts that use this email address, and they all lead here."
                            </p>
                            <div class="mt-8">
                                <SignOutButton />
                            </div>
                            <YourData email />
                        }
                        .into_any()
                        }
                        Err(AppError::SignInRequired) => view! {
                            <p class="mt-6 text-stone-700">"You're signed out. Please sign in again to see your account."</p>
                            <a
                                href=sign_in_href(routes::ACCOUNT.path())
                                rel="external"
                                class="mt-6 inline-flex min-h-11 items-center rounded-lg bg-rose-700 px-5 font-semibold text-white hover:bg-rose-800"
                            >
                                "Sign in"
                            </a>
                        }
                        .into_any(),
                        Err(err) => view! {
                            <p role="alert" class="mt-6 text-red-800">{err.to_string()}</p>
                        }
                        .into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// What the account page says after a failed deletion (`?delete_error=…`, set by the server):
/// the site's own words for each code, nothing from the address itself.
pub fn deletion_problem(code: &str) -> Option<&'static str> {
    Some(match code {
        "confirm" => "To delete your account, please type your email address as shown above.",
        "busy" => "That's a lot of attempts in a short time. Please wait a while and try again.",
        "unavailable" => {
            "We couldn't finish deleting your account just now. Nothing is lost: please try again in a moment, and it will finish."
        }
        _ => return None,
    })
}

/// Downloading one's data, and deleting the account after typing one's email to confirm.
#[component]
fn YourData(email: String) -> impl IntoView {
    let query = use_query_map();
    let problem =
        move || query.with(|q| q.get("delete_error").as_deref().and_then(deletion_problem));
    view! {
        <section class="mt-10 rounded-2xl bg-white p-5 shadow-sm ring-1 ring-stone-200" aria-labelledby="your-data">
            <h2 id="your-data" class="text-lg font-semibold">"Your data"</h2>
            <p class="mt-2 text-sm text-stone-700">
                "Download everything we keep about your account: your lists, their gifts and what guests reserved, as far as each list's surprise setting lets you see. "
                <a href=routes::PRIVACY.path() class="text-rose-700 underline">"What we keep, and for how long"</a>
            </p>
            <a
                href=routes::ACCOUNT_DATA.path()
                rel="external"
                download="ewelists-data.json"
                data-testid="download-data"
                class="mt-4 inline-flex min-h-11 items-center rounded-lg border border-stone-300 bg-white px-5 font-semibold text-stone-800 hover:bg-stone-100"
            >
                "Download your data"
            </a>

            <h3 class="mt-8 font-semibold text-red-900">"Delete your account"</h3>
            <p class="mt-2 text-sm text-stone-700">
                "This deletes your account, your sign-in, and all your lists with their gifts and reservations, for good. Guests with a reservation on your lists will no longer be able to open it."
            </p>
            <form method="post" action=routes::ACCOUNT_DELETE.path() class="mt-4 grid gap-3">
                <label for="confirm-email" class="text-sm font-medium">{format!("Type your email address ({email}) to confirm")}</label>
                <input
                    id="confirm-email"
                    name="confirm"
                    type="email"
                    autocomplete="off"
                    required
                    class="min-h-11 rounded-lg border border-stone-300 px-3"
                    aria-describedby="delete-problem"
                />
                <p id="delete-problem" role="alert" class="text-sm text-red-800" data-testid="delete-problem">{problem}</p>
                <button
                    type="submit"
                    class="inline-flex min-h-11 w-fit items-center rounded-lg bg-red-800 px-5 font-semibold text-white hover:bg-red-900"
                >
                    "Delete my account"
                </button>
            </form>
        </section>
    }
}
