//! One gift in the owner's list: what it is, the counts the surprise setting allows, and an
//! edit sheet (how many, notes, remove) whose forms post.

use domain::{OwnerReservationView, OwnerVisibility, ReservationState};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use super::ui::{FieldError, SubmitButton, DANGER, INPUT, LABEL, SECONDARY};
use crate::forms::{form_error_for, ErrorMessage};
use crate::owner::{OwnerGift, RemoveGift, UpdateGift};

/// The counts line, as far as the owner may see.
pub fn counts_line(gift: &OwnerGift) -> String {
    let counts = &gift.counts;
    match (counts.reserved, counts.bought) {
        (Some(reserved), Some(bought)) => {
            format!(
                "Wanted {} · Reserved {reserved} · Bought {bought}",
                counts.wanted
            )
        }
        _ => format!("Wanted {}", counts.wanted),
    }
}

#[component]
pub fn GiftCard(
    list_id: String,
    gift: OwnerGift,
    visibility: OwnerVisibility,
    /// Names of who reserved or bought it (only when the owner may see names).
    names: Vec<OwnerReservationView>,
    open: bool,
) -> impl IntoView {
    let update = ServerAction::<UpdateGift>::new();
    let remove = ServerAction::<RemoveGift>::new();
    let update_error = form_error_for(update.value(), UpdateGift::PATH, gift.id.to_string());
    let remove_error = form_error_for(remove.value(), RemoveGift::PATH, gift.id.to_string());
    // Its forms came back with an error: the sheet is open to show it.
    let has_error =
        update_error.get_untracked().is_some() || remove_error.get_untracked().is_some();
    let gift_id = gift.id;
    let id = gift_id.to_string();
    let product = gift.product.clone();
    let title = product.title.to_string();
    let counts = counts_line(&gift);
    let notes = gift
        .notes
        .as_ref()
        .map(|n| n.to_string())
        .unwrap_or_default();
    let wanted = gift.counts.wanted.to_string();
    let field_id = move |name: &str| format!("{name}-{gift_id}");
    let (list_for_update, list_for_remove) = (list_id.clone(), list_id);
    let price = product.price.map(|p| p.display());
    let shop = product.brand.as_ref().map(|b| b.to_string());
    let hidden_counts = visibility == OwnerVisibility::Nothing;

    view! {
        <li class="rounded-2xl bg-white p-4 shadow-sm ring-1 ring-stone-200" data-testid="gift" data-gift-id=id>
            <div class="flex gap-3">
                {product.image_url.as_ref().map(|src| view! {
                    <img src=src.as_str().to_owned() alt="" width="72" height="72" loading="lazy" class="h-18 w-18 shrink-0 rounded-lg object-contain ring-1 ring-stone-200" />
                })}
                <div class="min-w-0 flex-1">
                    <h3 class="font-semibold" data-testid="gift-title">
                        {match product.url.as_ref() {
                            Some(url) => view! { <a href=url.as_str().to_owned() class="hover:underline" target="_blank" rel="noopener noreferrer">{title.clone()}</a> }.into_any(),
                            None => view! { <span>{title.clone()}</span> }.into_any(),
                        }}
                    </h3>
                    <p class="text-sm text-stone-600">
                        {shop}
                        {price.map(|p| format!(" · {p}"))}
                    </p>
                    <p class="mt-1 text-sm font-medium text-stone-800" data-testid="gift-counts">{counts}</p>
                    {hidden_counts.then(|| view! { <p class="text-xs text-stone-500">"Reservations are hidden to keep the surprise."</p> })}
                    {(!notes.is_empty()).then(|| view! { <p class="mt-1 whitespace-pre-line text-sm text-stone-700" data-testid="gift-notes">{notes.clone()}</p> })}
                    {(!names.is_empty()).then(|| view! {
                        <ul class="mt-2 text-sm text-stone-700" aria-label="Who reserved it">
                            {names.iter().map(|reservation| {
                                let what = if reservation.state == ReservationState::Bought { "bought" } else { "reserved" };
                                view! { <li>{format!("{} {what} {}", reservation.guest_name, reservation.quantity.get())}</li> }
                            }).collect_view()}
                        </ul>
                    })}
                </div>
            </div>
            {open.then(move || view! {
                <details class="mt-3 border-t border-stone-100 pt-2" data-testid="gift-edit" open=has_error>
                    <summary class="flex min-h-11 cursor-pointer items-center text-sm font-semibold text-rose-800">"Edit"</summary>
                    <ActionForm action=update attr:class="mt-2 grid gap-3">
                        <input type="hidden" name="list_id" value=list_for_update />
                        <input type="hidden" name="gift_id" value=gift_id.to_string() />
                        <div>
                            <label for=field_id("wanted") class=LABEL>"How many?"</label>
                            <input id=field_id("wanted") name="wanted" type="number" inputmode="numeric" min="1" max="99" value=wanted.clone()
                                class=format!("{INPUT} max-w-32") aria-describedby=field_id("wanted-error") />
                            <FieldError error=update_error field="wanted" id=field_id("wanted-error") />
                        </div>
                        <div>
                            <label for=field_id("notes") class=LABEL>"Notes"</label>
                            <textarea id=field_id("notes") name="notes" rows="2" class=INPUT aria-describedby=field_id("notes-error")>{notes.clone()}</textarea>
                            <FieldError error=update_error field="notes" id=field_id("notes-error") />
                        </div>
                        <ErrorMessage error=Signal::derive(move || update_error.get().filter(|e| !matches!(e, crate::error::AppError::Invalid { .. }))) />
                        <div>
                            <SubmitButton label="Save" busy="Saving…" class=SECONDARY />
                        </div>
                    </ActionForm>
                    <ActionForm action=remove attr:class="mt-3 grid gap-2">
                        <input type="hidden" name="list_id" value=list_for_remove />
                        <input type="hidden" name="gift_id" value=gift_id.to_string() />
                        <ErrorMessage error=remove_error />
                        <div>
                            <SubmitButton label="Remove this gift" busy="Removing…" class=DANGER />
                        </div>
                    </ActionForm>
                </details>
            })}
        </li>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::{GiftId, OwnerGiftCounts, ProductSnapshot, ProductTitle};

    fn gift(reserved: Option<u32>, bought: Option<u32>) -> OwnerGift {
        OwnerGift {
            id: GiftId::generate(),
            product: ProductSnapshot {
                title: ProductTitle::parse("Cot").unwrap(),
                brand: None,
                url: None,
                image_url: None,
                price: None,
            },
            notes: None,
            counts: OwnerGiftCounts {
                wanted: 3,
                reserved,
                bought,
            },
        }
    }

    #[test]
    fn counts_show_only_what_the_surprise_allows() {
        assert_eq!(
            counts_line(&gift(Some(1), Some(0))),
            "Wanted 3 · Reserved 1 · Bought 0"
        );
        assert_eq!(counts_line(&gift(None, None)), "Wanted 3");
    }
}
