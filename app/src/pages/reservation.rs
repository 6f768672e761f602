//! `/reservations/:token`: a guest's reservation, opened from the link in their email (the
//! token is the capability; no email address in any URL). Buy it, confirm it, change how
//! many, or cancel, with or without the page's script.

use crate::components::meta::PageMeta;
use domain::ReservationState;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::components::ui::{SubmitButton, CARD, DANGER, INPUT, LABEL, PRIMARY, SECONDARY};
use crate::error::AppError;
use crate::forms::{form_error, ErrorMessage};
use crate::guest::{
    reservation, CancelReservation, ChangeReservation, ConfirmPurchase, ReservationView,
};

#[component]
pub fn ReservationPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let token = move || params.with(|p| p.get("token").unwrap_or_default());
    let confirm = ServerAction::<ConfirmPurchase>::new();
    let change = ServerAction::<ChangeReservation>::new();
    let cancel = ServerAction::<CancelReservation>::new();
    let details = Resource::new(token, reservation);
    // Just reserved (the reserve form's redirect), and nothing done on this page since.
    let new = move || {
        query.with(|q| q.get("new").as_deref() == Some("1") && q.get(crate::forms::DONE).is_none())
    };

    view! {
        <PageMeta title="Your reservation" description="Your reservation on an Ewelists gift list: confirm you bought it, change it or cancel it." noindex=true />
        // The link is a capability. The site's Referrer-Policy (strict-origin-when-cross-origin)
        // already keeps it from shops: they see only the origin. `no-referrer` would also make
        // the browser send `Origin: null` on this page's plain form posts, which the origin
        // check refuses.
        <section class="mx-auto max-w-xl px-4 py-8">
            <h1 class="text-2xl font-bold">"Your reservation"</h1>
            {move || new().then(|| view! {
                <p role="status" class="mt-4 rounded-lg bg-green-50 px-4 py-3 text-green-900 ring-1 ring-green-200" data-testid="reserved-new">
                    "Reserved. We're emailing you a link to this page. Keep it (or bookmark this page): it is your private link to change or cancel this reservation, and to say when you've bought the gift."
                </p>
            })}
            <Transition fallback=|| view! { <p class="mt-4 text-stone-600">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match details.await {
                        Ok(view) => view! { <Details view confirm change cancel /> }.into_any(),
                        Err(err @ AppError::TooManyRequests) => view! {
                            <p role="alert" class="mt-4 text-stone-800" data-testid="too-many">{err.to_string()}</p>
                        }.into_any(),
                        Err(err) => view! { <p role="alert" class="mt-4 text-stone-800">{err.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn Details(
    view: ReservationView,
    confirm: ServerAction<ConfirmPurchase>,
    change: ServerAction<ChangeReservation>,
    cancel: ServerAction<CancelReservation>,
) -> impl IntoView {
    let confirm_error = form_error(confirm.value(), ConfirmPurchase::PATH);
    let change_error = form_error(change.value(), ChangeReservation::PATH);
    let cancel_error = form_error(cancel.value(), CancelReservation::PATH);
    let list_link = crate::routes::public_list(&view.list_id);
    let title = view.gift.as_ref().map(|g| g.title.to_string());
    let shop_url = view.gift.as_ref().and_then(|g| g.url.clone());
    let image = view.gift.as_ref().and_then(|g| g.image_url.clone());
    let active = view.state == ReservationState::Reserved
        && view.gift.is_some()
        && view.list_title.is_some();
    let can_act = active && view.list_open;
    let state_words = match (
        view.state,
        view.list_title.is_some(),
        view.gift.is_some(),
        view.list_open,
    ) {
        (_, false, _, _) => {
            "The list this reservation was on has been deleted by its owner.".to_owned()
        }
        (_, _, false, _) => "The owner has removed this gift from the list.".to_owned(),
        (ReservationState::Bought, ..) => format!("You bought {}. Thank you!", view.quantity),
        (ReservationState::Cancelled, ..) => "You cancelled this reservation.".to_owned(),
        (ReservationState::Reserved, _, _, false) => format!(
            "You reserved {}. The list is now closed, so it can't be changed.",
            view.quantity
        ),
        (ReservationState::Reserved, ..) => format!(
            "You reserved {}. Buy it in the shop, then tell us here.",
            view.quantity
        ),
    };
    let token = view.token.to_string();
    let (t1, t2, t3) = (token.clone(), token.clone(), token);

    view! {
        <div class=format!("{CARD} mt-4")>
            <div class="flex gap-3">
                {image.map(|src| view! { <img src=src.as_str().to_owned() alt="" width="80" height="80" class="h-20 w-20 shrink-0 rounded-lg object-contain ring-1 ring-stone-200" /> })}
                <div class="min-w-0">
                    <h2 class="text-lg font-semibold" data-testid="reservation-gift">{title.clone().unwrap_or_else(|| "A gift".to_owned())}</h2>
                    {view.list_title.clone().map(|t| view! {
                        <p class="text-sm text-stone-600">"From the list " <a href=list_link.clone() class="font-semibold text-rose-800 underline">{t}</a></p>
                    })}
                    <p class="mt-2 font-medium" data-testid="reservation-state">{state_words}</p>
                </div>
            </div>
            {(can_act).then(|| shop_url.map(|url| view! {
                <a href=url.as_str().to_owned() target="_blank" rel="noopener noreferrer" class=format!("{PRIMARY} mt-4 w-full sm:w-auto")>"Buy it in the shop"</a>
            }))}
        </div>
        {can_act.then(move || view! {
            <div class="mt-4 grid gap-4">
                <ActionForm action=confirm attr:class=format!("{CARD} grid gap-2")>
                    <input type="hidden" name="token" value=t1 />
                    <p class="text-stone-700">"Bought it? Tell us, so nobody else buys it."</p>
                    <ErrorMessage error=confirm_error />
                    <div><SubmitButton label="I've bought it" busy="Saving…" /></div>
                </ActionForm>
                <ActionForm action=change attr:class=format!("{CARD} grid gap-2")>
                    <input type="hidden" name="token" value=t2 />
                    <label for="new-quantity" class=LABEL>"Change how many"</label>
                    <div class="flex gap-2">
                        <select id="new-quantity" name="quantity" class=format!("{INPUT} mt-0 max-w-32")>
                            {(1..=view.max_quantity).map(|n| view! { <option value=n.to_string() selected=n == view.quantity>{n}</option> }).collect_view()}
                        </select>
                        <SubmitButton label="Change" busy="Changing…" class=SECONDARY />
                    </div>
                    <ErrorMessage error=change_error />
                    {crate::forms::form_done(ChangeReservation::PATH).then(|| view! {
                        <p role="status" class="text-sm text-green-800" data-testid="changed">
                            {format!("Changed: you now hold {}.", view.quantity)}
                        </p>
                    })}
                </ActionForm>
                <ActionForm action=cancel attr:class=format!("{CARD} grid gap-2")>
                    <input type="hidden" name="token" value=t3 />
                    <p class="text-stone-700">"Changed your mind? The gift goes back on the list for others."</p>
                    <ErrorMessage error=cancel_error />
                    <div><SubmitButton label="Cancel my reservation" busy="Cancelling…" class=DANGER /></div>
                </ActionForm>
            </div>
        })}
        <p class="mt-6 text-sm text-stone-600">"This page's link is private: anyone who has it can change this reservation. Don't forward it."</p>
    }
}
