//! `/privacy`: what Ewelists keeps about people, why, and for how long, in plain words. The
//! periods are the domain's own ([`domain::retention`]), so the page cannot drift from what the
//! sweep does.

use crate::components::meta::PageMeta;
use leptos::prelude::*;

use crate::routes;

/// Days, for the page's sentences.
fn days(duration: time::Duration) -> i64 {
    duration.whole_days()
}

#[component]
pub fn PrivacyPage() -> impl IntoView {
    let after_occasion = days(domain::retention::KEPT_AFTER_OCCASION);
    let without_occasion = days(domain::retention::KEPT_WITHOUT_OCCASION);
    let item = "mt-2 text-stone-800";
    view! {
        <PageMeta
            title="Privacy: what we keep and for how long"
            description="What Ewelists keeps about list owners and guests, why, and when it is deleted."
        />
        <article class="mx-auto max-w-2xl px-4 py-10" data-testid="privacy">
            <h1 class="text-3xl font-bold">"Privacy"</h1>
            <p class="mt-4 text-stone-700">
                "Ewelists keeps only what a gift list needs, uses it only for that, and deletes it when it is no longer needed. We don't sell or share it, and we don't use advertising or tracking cookies."
            </p>

            <h2 class="mt-8 text-xl font-semibold">"If you make lists"</h2>
            <ul class="mt-2 list-disc pl-5">
                <li class=item>"Your name and email address (from the sign-in you chose), and your lists and gifts."</li>
                <li class=item>"A sign-in cookie, so that you stay signed in on this device. It ends after 30 days without use, or when you sign out."</li>
                <li class=item>
                    "You can download everything we keep about your account, and delete your account with all your lists, gifts and their reservations, from "
                    <a href=routes::ACCOUNT.path() class="font-semibold text-rose-700 underline">"your account page"</a>
                    ". Deleting also removes your sign-in (your user name and password with us). Backups of the database keep a copy for 35 days, then it is gone there too."
                </li>
            </ul>

            <h2 class="mt-8 text-xl font-semibold">"If you reserve a gift"</h2>
            <ul class="mt-2 list-disc pl-5">
                <li class=item>"The name and email address you give, with what you reserved. Your email is used only to send you the link to your reservation and the notes about it; the list's owner never sees it."</li>
                <li class=item>"Whether the owner sees your name follows the list's surprise setting."</li>
                <li class=item>{format!(
                    "Your name and email are deleted {after_occasion} days after the list's occasion (its event date, or when the owner closes it), or {after_occasion} days after your last change if that is later. On a list without a date that stays open, they are deleted {without_occasion} days after your last change."
                )}</li>
                <li class=item>"When it is deleted, the list still counts the gift as reserved or bought, without anyone's name. Deleting a list deletes its reservations at once."</li>
                <li class=item>"A cookie on this device remembers the reservations you made here, so the list can show them to you. It holds no name or email."</li>
            </ul>

            <h2 class="mt-8 text-xl font-semibold">"If you write to us"</h2>
            <p class=item>{format!(
                "The name, email address and message you send from the contact page, to answer you. We keep them for {} days, then they are deleted. A copy of your message goes to the address you give.",
                days(domain::contact::KEPT_FOR)
            )}</p>

            <h2 class="mt-8 text-xl font-semibold">"Emails"</h2>
            <p class=item>"We send an email only because of something done on the site: your reservation's link, a purchase confirmation, an owner's notice. If an address bounces or its owner marks our mail as spam, we stop writing to it."</p>

            <h2 class="mt-8 text-xl font-semibold">"Keeping the site safe"</h2>
            <p class=item>"To stop abuse we count attempts per network address for a few minutes to an hour (the address is kept only as a one-way hash, and the count expires with its period). Our logs never hold emails or reservation links, and are kept for a limited time."</p>
        </article>
    }
}
