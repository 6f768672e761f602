//! `/account`: who is signed in, and signing out.

use leptos::prelude::*;
use leptos_meta::{Meta, Title};

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
        <Title text="Your account" />
        <Meta name="robots" content="noindex" />
        <section class="mx-auto max-w-xl px-4 py-10">
            <h1 class="text-2xl font-bold">"Your account"</h1>
            <Suspense fallback=|| view! { <p class="mt-6 text-stone-600">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match account.await {
                        Ok(person) => view! {
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
                        }
                        .into_any(),
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
