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

/// What reserving did: always a new reservation, whatever the mailbox already held (the answer
/// says nothing about other reservations).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReserveAnswer {
    /// The new reservation's page (also where the browser is sent). Its link is on its way to
    /// the mailbox typed.
    pub manage_path: String,
}

#[server(prefix = "/api", endpoint = "public_list")]
pub async fn public_list(list_id: String) -> Result<PublicListView, AppError> {
    use crate::ports::LimitedAction;
    use crate::request::{answer, client_address, headers, services, signed_in_user};

    answer(async move {
        let id = shared::list_id(&list_id)?;
        let services = services()?;
        // What this browser's guest holds on this list (its tokens name the list). The rate
        // limit, the page and those reservations are read at once (one round trip).
        let tokens: Vec<ReservationToken> = services
            .remembered
            .read(&headers())
            .into_iter()
            .filter(|t| t.list_id() == id)
            .collect();
        let address = client_address();
        let keys = [address.as_str()];
        let (allowed, page, held) = tokio::join!(
            crate::request::limit(&services, LimitedAction::PublicList, &keys),
            services.store.list_page(&id),
            async {
                if tokens.is_empty() {
                    Ok(Vec::new())
                } else {
                    services.store.reservations(&tokens).await
                }
            }
        );
        allowed?;
        let page = page?.ok_or(AppError::NotFound)?;
        // Without them the page is still right, only without "You reserved".
        let mine: Vec<(GiftId, u32)> = held
            .unwrap_or_default()
            .into_iter()
            .filter(|r| r.state != ReservationState::Cancelled)
            .map(|r| (r.gift_id, r.quantity.get()))
            .collect();
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
    use crate::ports::{GuestNews, LimitedAction, Mail};
    use crate::request::{answer, client_address, now, services, signed_in_user};
    use domain::{Email, PersonName, Quantity, ReserveRequest};

    answer(async move {
        let services = services()?;
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
        // The same post again (a double press, a retry after a lost answer) gets the
        // reservation the first one made, and nothing else happens.
        let quantity_text = quantity.to_string();
        let once = crate::request::once(
            "reserve",
            &[
                id.as_str(),
                gift_id.as_str(),
                guest_name.as_str(),
                &email.mailbox_key(),
                &quantity_text,
            ],
        );
        let done_before = || async {
            match &once {
                Some(once) => services.store.reserved_before(&id, once, now()).await,
                None => Ok(None),
            }
        };
        let answer_with = |token: ReservationToken| {
            let manage_path = crate::routes::reservation(&token);
            shared::remember(&services, token);
            leptos_axum::redirect(&format!("{manage_path}?new=1"));
            ReserveAnswer { manage_path }
        };
        if let Some(token) = done_before().await? {
            return Ok(answer_with(token));
        }
        crate::request::limit(&services, LimitedAction::Reserve, &[&client_address()]).await?;
        // Only a real attempt (the gift is there, on an open list, with enough left) counts
        // against the quotas of the list and of the mailbox typed: a stranger's attempts that
        // go nowhere cannot use them up. A real one mails that mailbox, so it also counts
        // against the mail quotas (per recipient, per list): the site is no mail relay.
        if let Err(refused) = services.store.reservable(&id, &gift_id, quantity).await {
            // The first of two presses may have taken the last one meanwhile.
            if let Some(token) = done_before().await? {
                return Ok(answer_with(token));
            }
            return Err(AppError::reserving(refused));
        }
        let mailbox = email.mailbox_key();
        let (list_key, list_mailbox) = (id.to_string(), format!("{id}|{mailbox}"));
        let checks = [
            (LimitedAction::ReserveFor, list_mailbox.as_str()),
            (LimitedAction::MailTo, mailbox.as_str()),
            (LimitedAction::MailFromList, list_key.as_str()),
        ];
        if !services.limits.allow_all(&checks).await {
            return Err(AppError::TooManyRequests);
        }
        let request = ReserveRequest {
            guest_name,
            email,
            quantity,
            user_id: user.map(|u| u.id),
        };
        // The mail carries the site's links only: the shop's link (chosen by the list's owner)
        // is on the reservation page, not a button in a mail to an address anyone can type.
        let letters = |news: &GuestNews<'_>| {
            vec![Mail::ReservationConfirmed {
                to: news.reservation.email.clone(),
                guest_name: news.reservation.guest_name.clone(),
                gift: news.gift.product.title.clone(),
                quantity: news.reservation.quantity,
                list_title: news.list.details.title.clone(),
                list_url: shared::link(&services, &crate::routes::public_list(&news.list.id)),
                manage_url: shared::link(&services, &crate::routes::reservation(news.token)),
            }]
        };
        let done = services
            .store
            .reserve_once(&id, &gift_id, request, now(), &letters, once.as_ref())
            .await
            .map_err(AppError::reserving)?;
        Ok(answer_with(done.token().clone()))
    })
    .await
}

#[server(prefix = "/api", endpoint = "reservation")]
pub async fn reservation(token: String) -> Result<ReservationView, AppError> {
    use crate::ports::LimitedAction;
    use crate::request::{answer, client_address, services};
    use domain::Quantity;

    answer(async move {
        let services = services()?;
        crate::request::limit(&services, LimitedAction::Reservation, &[&client_address()]).await?;
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
    use crate::ports::{GuestNews, LimitedAction, Mail};
    use crate::request::{answer, client_address, now, services};
    use domain::OwnerVisibility;

    answer(async move {
        let services = services()?;
        crate::request::limit(&services, LimitedAction::Reservation, &[&client_address()]).await?;
        let token = shared::token(&token)?;
        let now = now();
        // The owner's address for their notice (a list's owner never changes), read only when
        // the surprise setting lets them be told.
        let owner = match services.store.get_list(&token.list_id()).await? {
            Some(list) if list.owner_visibility(now.date()) != OwnerVisibility::Nothing => {
                services.directory.user(&list.owner).await?
            }
            _ => None,
        };
        let letters = |news: &GuestNews<'_>| {
            let (list, gift, reservation) = (news.list, news.gift, news.reservation);
            let mut mails = vec![Mail::PurchaseConfirmed {
                to: reservation.email.clone(),
                guest_name: reservation.guest_name.clone(),
                gift: gift.product.title.clone(),
                quantity: reservation.quantity,
                list_title: list.details.title.clone(),
                list_url: shared::link(&services, &crate::routes::public_list(&list.id)),
            }];
            // The owner's notice follows the surprise setting.
            let visibility = list.owner_visibility(now.date());
            if let (Some(owner), true) = (&owner, visibility != OwnerVisibility::Nothing) {
                mails.push(Mail::GiftBought {
                    to: owner.email.clone(),
                    owner_name: owner.display_name.clone(),
                    gift: gift.product.title.clone(),
                    quantity: reservation.quantity,
                    guest_name: (visibility == OwnerVisibility::Names)
                        .then(|| reservation.guest_name.clone()),
                    list_title: list.details.title.clone(),
                    list_url: shared::link(&services, &crate::routes::list_editor(&list.id)),
                });
            }
            mails
        };
        services
            .store
            .confirm_purchase(&token, now, &letters)
            .await
            .map_err(AppError::reserving)?;
        Ok(())
    })
    .await
}

#[server(prefix = "/api", endpoint = "change_reservation")]
pub async fn change_reservation(token: String, quantity: String) -> Result<(), AppError> {
    use crate::ports::LimitedAction;
    use crate::request::{answer, client_address, now, services};
    use domain::Quantity;

    answer(async move {
        let services = services()?;
        crate::request::limit(&services, LimitedAction::Reservation, &[&client_address()]).await?;
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
    use crate::ports::LimitedAction;
    use crate::request::{answer, client_address, now, services};

    answer(async move {
        let services = services()?;
        crate::request::limit(&services, LimitedAction::Reservation, &[&client_address()]).await?;
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

/// What the guests' server functions share: reading ids and tokens, rate limits, links, and
/// the remembered-reservations cookie.
#[cfg(feature = "ssr")]
mod shared {
    use domain::{ListId, ReservationToken};
    use leptos::prelude::*;

    use crate::error::AppError;
    use crate::ports::Services;
    use crate::request::headers;

    pub fn list_id(text: &str) -> Result<ListId, AppError> {
        ListId::parse(text.trim()).map_err(|_| AppError::NotFound)
    }

    pub fn token(text: &str) -> Result<ReservationToken, AppError> {
        ReservationToken::parse(text).map_err(|_| AppError::ReservationNotFound)
    }

    /// The absolute address of `path` on this site.
    pub fn link(services: &Services, path: &str) -> String {
        format!("{}{path}", services.site_url)
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
