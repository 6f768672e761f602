//! Guests' server functions: the public list, reserving, and the reservation page's actions.
//! No account is needed; the reservation token (sent by email, kept in a signed cookie) is the
//! capability for one reservation.
//!
//! Every function re-checks its input and the core's rules (through the store), is rate
//! limited per client address (and reserving also per list and email), and never shows one
//! guest's name or email to another.

use domain::{GiftId, ListId, Occasion, ProductSnapshot, ReservationState, ReservationToken};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use time::Date;

use crate::account::Viewer;
use crate::error::AppError;

/// A gift on the public page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicGift {
    pub id: GiftId,
    pub product: ProductSnapshot,
    pub notes: Option<String>,
    pub wanted: u32,
    /// What can still be reserved.
    pub remaining: u32,
    pub bought: u32,
    /// How many this browser's guest holds (from their remembered reservations).
    pub mine: u32,
}

/// The public page of a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicListView {
    pub id: ListId,
    pub title: String,
    pub occasion: Occasion,
    pub event_date: Option<Date>,
    pub message: Option<String>,
    pub open: bool,
    pub gifts: Vec<PublicGift>,
    /// The signed-in person, whose name and email prefill (and fix) the reserve form.
    pub viewer: Option<Viewer>,
}

/// What the reservation page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReservationView {
    pub token: ReservationToken,
    pub guest_name: String,
    pub quantity: u32,
    pub state: ReservationState,
    /// `None` when the owner removed the gift.
    pub gift: Option<ProductSnapshot>,
    /// The most this reservation may grow to (its quantity plus what is still free).
    pub max_quantity: u32,
    pub list_id: ListId,
    /// `None` when the list was deleted.
    pub list_title: Option<String>,
    pub list_open: bool,
}

/// What reserving did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReserveAnswer {
    /// A new reservation: its page (also where the browser is sent).
    Created { manage_path: String, emailed: bool },
    /// This email already held a reservation of the gift: it grew, and its new private link
    /// went to that mailbox only.
    Increased { emailed: bool },
}

#[server(prefix = "/api", endpoint = "public_list")]
pub async fn public_list(list_id: String) -> Result<PublicListView, AppError> {
    use crate::request::{answer, headers, services, signed_in_user};

    answer(async move {
        let id = shared::list_id(&list_id)?;
        let services = services()?;
        let page = services
            .store
            .list_page(&id)
            .await?
            .ok_or(AppError::NotFound)?;
        // What this browser's guest holds on this list (its tokens name the list).
        let mut mine: Vec<(GiftId, u32)> = Vec::new();
        for token in services
            .remembered
            .read(&headers())
            .into_iter()
            .filter(|t| t.list_id() == id)
        {
            if let Ok(Some(details)) = services.store.reservation(&token).await {
                if details.reservation.state != ReservationState::Cancelled {
                    mine.push((
                        details.reservation.gift_id,
                        details.reservation.quantity.get(),
                    ));
                }
            }
        }
        let viewer = signed_in_user().as_ref().map(Viewer::from);
        let list = page.list;
        Ok(PublicListView {
            id: list.id,
            title: list.details.title.to_string(),
            occasion: list.details.occasion,
            event_date: list.details.event_date,
            message: list.details.message.as_ref().map(|m| m.to_string()),
            open: list.is_open(),
            gifts: page
                .gifts
                .into_iter()
                .map(|gift| PublicGift {
                    id: gift.id,
                    notes: gift.notes.as_ref().map(|n| n.to_string()),
                    wanted: gift.wanted.get(),
                    remaining: gift.remaining(),
                    bought: gift.bought,
                    mine: mine
                        .iter()
                        .filter(|(g, _)| *g == gift.id)
                        .map(|(_, q)| q)
                        .sum(),
                    product: gift.product,
                })
                .collect(),
            viewer,
        })
    })
    .await
}

/// Reserves some of a gift. `website` is a field people never see (bots fill it in).
#[server(prefix = "/api", endpoint = "reserve")]
pub async fn reserve(
    list_id: String,
    gift_id: String,
    name: String,
    email: String,
    quantity: String,
    website: Option<String>,
) -> Result<ReserveAnswer, AppError> {
    use crate::ports::{GuestAction, Mail, Reserved};
    use crate::request::{answer, client_address, now, services, signed_in_user};
    use domain::{Email, PersonName, Quantity, ReserveRequest};

    answer(async move {
        let services = services()?;
        shared::limit(&services, GuestAction::Reserve, &[&client_address()])?;
        if website.is_some_and(|w| !w.trim().is_empty()) {
            tracing::info!("reservation refused: the hidden field was filled in");
            return Err(AppError::BadRequest);
        }
        let id = shared::list_id(&list_id)?;
        let gift_id = GiftId::parse(gift_id.trim()).map_err(|_| AppError::GiftNotFound)?;
        // A signed-in guest reserves as themselves.
        let user = signed_in_user();
        let (guest_name, email) = match &user {
            Some(user) => (user.display_name.clone(), user.email.clone()),
            None => (
                PersonName::parse(&name).map_err(|e| AppError::invalid("name", e))?,
                Email::parse(&email).map_err(|e| AppError::invalid("email", e))?,
            ),
        };
        let quantity = Quantity::parse(&quantity).map_err(|e| AppError::invalid("quantity", e))?;
        shared::limit(
            &services,
            GuestAction::Reserve,
            &[&format!("{id}|{}", email.mailbox_key())],
        )?;
        let request = ReserveRequest {
            guest_name: guest_name.clone(),
            email: email.clone(),
            quantity,
            user_id: user.map(|u| u.id),
        };
        let reserved = services
            .store
            .reserve(&id, &gift_id, request, now())
            .await
            .map_err(AppError::reserving)?;
        let list = services
            .store
            .get_list(&id)
            .await?
            .ok_or(AppError::NotFound)?;
        let token = reserved.token().clone();
        let manage_path = crate::routes::reservation(&token);
        let gift = reserved.gift();
        let mail = Mail::ReservationConfirmed {
            to: email,
            guest_name,
            gift: gift.product.title.clone(),
            quantity: reserved.reservation().quantity,
            shop_url: gift.product.url.clone(),
            list_title: list.details.title.clone(),
            list_url: shared::link(&services, &crate::routes::public_list(&id)),
            manage_url: shared::link(&services, &manage_path),
        };
        let emailed = shared::send(&services, mail).await;
        match reserved {
            Reserved::Created { .. } => {
                shared::remember(&services, token);
                leptos_axum::redirect(&format!(
                    "{manage_path}{}",
                    if emailed { "" } else { "?mail=failed" }
                ));
                Ok(ReserveAnswer::Created {
                    manage_path,
                    emailed,
                })
            }
            // The new link goes to the mailbox only: not to this browser, which may not be
            // that mailbox's owner.
            Reserved::Increased { .. } => Ok(ReserveAnswer::Increased { emailed }),
        }
    })
    .await
}

#[server(prefix = "/api", endpoint = "reservation")]
pub async fn reservation(token: String) -> Result<ReservationView, AppError> {
    use crate::ports::GuestAction;
    use crate::request::{answer, client_address, services};
    use domain::Quantity;

    answer(async move {
        let services = services()?;
        shared::limit(&services, GuestAction::Reservation, &[&client_address()])?;
        let token = shared::token(&token)?;
        let details = services
            .store
            .reservation(&token)
            .await?
            .ok_or(AppError::ReservationNotFound)?;
        let r = &details.reservation;
        let free = details.gift.as_ref().map_or(0, |g| g.remaining());
        Ok(ReservationView {
            list_id: token.list_id(),
            token,
            guest_name: r.guest_name.to_string(),
            quantity: r.quantity.get(),
            state: r.state,
            max_quantity: (r.quantity.get() + free).min(Quantity::MAX),
            gift: details.gift.map(|g| g.product),
            list_title: details.list.as_ref().map(|l| l.details.title.to_string()),
            list_open: details.list.as_ref().is_some_and(|l| l.is_open()),
        })
    })
    .await
}

#[server(prefix = "/api", endpoint = "confirm_purchase")]
pub async fn confirm_purchase(token: String) -> Result<(), AppError> {
    use crate::ports::{GuestAction, Mail};
    use crate::request::{answer, client_address, now, services};
    use domain::OwnerVisibility;

    answer(async move {
        let services = services()?;
        shared::limit(&services, GuestAction::Reservation, &[&client_address()])?;
        let token = shared::token(&token)?;
        let (gift, reservation) = services
            .store
            .confirm_purchase(&token, now())
            .await
            .map_err(AppError::reserving)?;
        let Some(list) = services.store.get_list(&token.list_id()).await? else {
            return Ok(());
        };
        let list_url = shared::link(&services, &crate::routes::public_list(&list.id));
        shared::send(
            &services,
            Mail::PurchaseConfirmed {
                to: reservation.email.clone(),
                guest_name: reservation.guest_name.clone(),
                gift: gift.product.title.clone(),
                quantity: reservation.quantity,
                list_title: list.details.title.clone(),
                list_url,
            },
        )
        .await;
        // The owner's notice follows the surprise setting.
        let visibility = list.owner_visibility(now().date());
        if visibility != OwnerVisibility::Nothing {
            if let Ok(Some(owner)) = services.directory.user(&list.owner).await {
                shared::send(
                    &services,
                    Mail::GiftBought {
                        to: owner.email,
                        owner_name: owner.display_name,
                        gift: gift.product.title,
                        quantity: reservation.quantity,
                        guest_name: (visibility == OwnerVisibility::Names)
                            .then_some(reservation.guest_name),
                        list_title: list.details.title,
                        list_url: shared::link(&services, &crate::routes::list_editor(&list.id)),
                    },
                )
                .await;
            }
        }
        Ok(())
    })
    .await
}

#[server(prefix = "/api", endpoint = "change_reservation")]
pub async fn change_reservation(token: String, quantity: String) -> Result<(), AppError> {
    use crate::ports::GuestAction;
    use crate::request::{answer, client_address, now, services};
    use domain::Quantity;

    answer(async move {
        let services = services()?;
        shared::limit(&services, GuestAction::Reservation, &[&client_address()])?;
        let token = shared::token(&token)?;
        let quantity = Quantity::parse(&quantity).map_err(|e| AppError::invalid("quantity", e))?;
        services
            .store
            .change_reservation(&token, quantity, now())
            .await
            .map_err(AppError::reserving)?;
        Ok(())
    })
    .await
}

#[server(prefix = "/api", endpoint = "cancel_reservation")]
pub async fn cancel_reservation(token: String) -> Result<(), AppError> {
    use crate::ports::GuestAction;
    use crate::request::{answer, client_address, now, services};

    answer(async move {
        let services = services()?;
        shared::limit(&services, GuestAction::Reservation, &[&client_address()])?;
        let token = shared::token(&token)?;
        services
            .store
            .cancel_reservation(&token, now())
            .await
            .map_err(AppError::reserving)?;
        Ok(())
    })
    .await
}

/// What the guests' server functions share: reading ids and tokens, rate limits, links, mail,
/// and the remembered-reservations cookie.
#[cfg(feature = "ssr")]
mod shared {
    use std::time::Duration;

    use domain::{ListId, ReservationToken};
    use leptos::prelude::*;

    use crate::error::AppError;
    use crate::ports::{GuestAction, Mail, MailError, Services};
    use crate::request::headers;

    pub fn list_id(text: &str) -> Result<ListId, AppError> {
        ListId::parse(text.trim()).map_err(|_| AppError::NotFound)
    }

    pub fn token(text: &str) -> Result<ReservationToken, AppError> {
        ReservationToken::parse(text).map_err(|_| AppError::ReservationNotFound)
    }

    pub fn limit(services: &Services, action: GuestAction, keys: &[&str]) -> Result<(), AppError> {
        if services.limits.allow(action, keys) {
            Ok(())
        } else {
            Err(AppError::TooManyRequests)
        }
    }

    /// The absolute address of `path` on this site.
    pub fn link(services: &Services, path: &str) -> String {
        format!("{}{path}", services.site_url)
    }

    /// Sends a mail, trying again twice with a pause; a failure is logged, never undoes
    /// anything, and the caller tells the guest.
    pub async fn send(services: &Services, mail: Mail) -> bool {
        for attempt in 0..3u64 {
            match services.mailer.send(&mail).await {
                Ok(()) => return true,
                Err(MailError::Rejected) => break,
                Err(_) => tokio::time::sleep(Duration::from_millis(200 * (attempt + 1))).await,
            }
        }
        tracing::warn!("a guest's email could not be sent; the reservation stands");
        false
    }

    /// Adds `token` to the browser's remembered reservations.
    pub fn remember(services: &Services, token: ReservationToken) {
        let mut tokens = services.remembered.read(&headers());
        tokens.retain(|t| *t != token);
        tokens.push(token);
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.append_header(http::header::SET_COOKIE, services.remembered.write(&tokens));
        }
    }
}
