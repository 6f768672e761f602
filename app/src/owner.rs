//! The list owner's server functions: lists, gifts, and the link lookup, with the views the
//! owner's pages show.
//!
//! Every function re-checks who is asking (a list that isn't theirs is "not found", never
//! data) and parses every field into the domain's types; the store applies the rules.

// A server function takes one argument per form field (`add_gift` has ten), and the macro's
// generated client code does not carry an item-level `allow`.
#![allow(clippy::too_many_arguments)]

#[cfg(feature = "ssr")]
use domain::HttpUrl;
use domain::{
    GiftId, GiftList, ListId, Notes, Occasion, OwnerGiftCounts, OwnerReservationView,
    OwnerVisibility, ProductSnapshot,
};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use time::Date;

use crate::error::AppError;

/// A list on the owner's dashboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListSummary {
    pub id: ListId,
    pub title: String,
    pub occasion: Occasion,
    pub event_date: Option<Date>,
    pub open: bool,
}

/// A gift as its owner may see it: the counts only as far as the surprise setting allows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnerGift {
    pub id: GiftId,
    pub product: ProductSnapshot,
    pub notes: Option<Notes>,
    pub counts: OwnerGiftCounts,
}

/// Everything the list editor shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnerListView {
    pub list: GiftList,
    /// The public link guests open.
    pub share_url: String,
    pub visibility: OwnerVisibility,
    /// Oldest first.
    pub gifts: Vec<OwnerGift>,
    /// Only when the owner may see names.
    pub reservations: Vec<OwnerReservationView>,
}

impl OwnerListView {
    /// What the owner may see of their list on `today` (the surprise setting decides), with
    /// its public link on `site_url`.
    #[cfg(feature = "ssr")]
    pub fn of(data: crate::ports::OwnerListData, site_url: &str, today: time::Date) -> Self {
        let visibility = data.list.owner_visibility(today);
        let gifts = data
            .gifts
            .iter()
            .map(|gift| OwnerGift {
                id: gift.id,
                product: gift.product.clone(),
                notes: gift.notes.clone(),
                counts: gift.owner_view(visibility),
            })
            .collect();
        Self {
            share_url: format!("{site_url}{}", crate::routes::public_list(&data.list.id)),
            visibility,
            gifts,
            reservations: domain::owner_reservations(visibility, &data.reservations),
            list: data.list,
        }
    }
}

/// Where the details of a looked-up link come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Found {
    /// The catalogue knows the product.
    Catalogue,
    /// Read from the shop's page (any detail may be missing).
    Page,
    /// Nothing could be read: the owner types the details.
    Nothing,
}

/// What a pasted link turned out to be, as the details form starts: every detail as text, so
/// the page's island reads it without the domain's types (which would weigh on its wasm).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkLookup {
    pub found: Option<Found>,
    pub title: String,
    pub shop: String,
    pub url: String,
    pub image_url: String,
    /// The amount, as the price field shows it (`12.50`).
    pub price: String,
    pub currency: String,
    /// The catalogue product's id, when the catalogue knows it.
    pub catalogue_id: String,
    /// What the owner should know: where the details come from, or why there are none.
    pub note: Option<String>,
}

#[cfg(feature = "ssr")]
impl LinkLookup {
    fn catalogue(catalogue_id: String, product: ProductSnapshot) -> Self {
        Self {
            found: Some(Found::Catalogue),
            title: product.title.to_string(),
            shop: product.brand.map(|b| b.to_string()).unwrap_or_default(),
            url: product
                .url
                .map(|u| u.as_str().to_owned())
                .unwrap_or_default(),
            image_url: product
                .image_url
                .map(|u| u.as_str().to_owned())
                .unwrap_or_default(),
            price: product.price.map(|p| p.amount_string()).unwrap_or_default(),
            currency: product
                .price
                .map(|p| p.currency().as_str().to_owned())
                .unwrap_or_default(),
            catalogue_id,
            note: Some("We know this product: check the details and add it.".to_owned()),
        }
    }

    fn page(url: &HttpUrl, page: crate::ports::PageProduct) -> Self {
        Self {
            found: Some(Found::Page),
            title: page.title.map(|t| t.to_string()).unwrap_or_default(),
            shop: page.site_name.map(|s| s.to_string()).unwrap_or_default(),
            url: url.as_str().to_owned(),
            image_url: page
                .image_url
                .map(|u| u.as_str().to_owned())
                .unwrap_or_default(),
            price: page
                .price
                .as_ref()
                .map(domain::Price::amount_string)
                .unwrap_or_default(),
            currency: page
                .price
                .map(|p| p.currency().as_str().to_owned())
                .unwrap_or_default(),
            catalogue_id: String::new(),
            note: Some(
                "We read these details from the shop's page: check them before adding.".to_owned(),
            ),
        }
    }

    fn nothing(url: &HttpUrl, reason: String) -> Self {
        Self {
            found: Some(Found::Nothing),
            url: url.as_str().to_owned(),
            note: Some(reason),
            ..Self::default()
        }
    }
}

/// The owner's lists, newest first.
#[server(prefix = "/api", endpoint = "my_lists")]
pub async fn my_lists() -> Result<Vec<ListSummary>, AppError> {
    use crate::request::{answer, require_user, services};

    answer(async move {
        let user = require_user()?;
        let lists = services()?.store.lists_of_owner(&user.id).await?;
        Ok(lists
            .into_iter()
            .map(|list| ListSummary {
                id: list.id,
                title: list.details.title.to_string(),
                occasion: list.details.occasion,
                event_date: list.details.event_date,
                open: list.is_open(),
            })
            .collect())
    })
    .await
}

/// Creates a list, then goes to it. Fields as the form names them; `event_date` is
/// `YYYY-MM-DD` or empty.
#[server(prefix = "/api", endpoint = "create_list")]
pub async fn create_list(
    title: String,
    occasion: String,
    event_date: Option<String>,
    message: Option<String>,
) -> Result<ListId, AppError> {
    use crate::ports::LimitedAction;
    use crate::request::{answer, limit, now, require_user, services};

    answer(async move {
        let user = require_user()?;
        // Posted twice (a double press, a retry), the list is made once: its id comes from the
        // request, and the store takes the same list again as done.
        let once = crate::request::once(
            "create_list",
            &[
                &title,
                &occasion,
                event_date.as_deref().unwrap_or_default(),
                message.as_deref().unwrap_or_default(),
            ],
        );
        let details = fields::details(title, occasion, event_date, message)?;
        let id = once
            .as_ref()
            .map_or_else(ListId::generate, |once| once.list_id());
        let list = GiftList::new(id, user.id, details, now());
        let services = services()?;
        limit(&services, LimitedAction::CreateList, &[user.id.as_str()]).await?;
        match services.store.create_list(&list).await {
            // The id is taken: by this owner, it was this request, done before.
            Err(crate::ports::StoreError::Conflict) if once.is_some() => {
                let made = services.store.get_list(&list.id).await?;
                if !made.is_some_and(|made| made.is_owned_by(&user.id)) {
                    return Err(AppError::Conflict);
                }
            }
            other => other?,
        }
        leptos_axum::redirect(&crate::routes::list_editor(&list.id));
        Ok(list.id)
    })
    .await
}

/// One of the owner's lists, as the editor shows it.
#[server(prefix = "/api", endpoint = "owner_list")]
pub async fn owner_list(list_id: String) -> Result<OwnerListView, AppError> {
    use crate::request::{answer, now, require_user, services};

    answer(async move {
        let user = require_user()?;
        let id = fields::list_id(&list_id)?;
        let services = services()?;
        let data = services.store.owner_list(&user.id, &id).await?;
        Ok(OwnerListView::of(data, &services.site_url, now().date()))
    })
    .await
}

/// Changes a list's title, occasion, date and message.
#[server(prefix = "/api", endpoint = "update_list")]
pub async fn update_list(
    list_id: String,
    title: String,
    occasion: String,
    event_date: Option<String>,
    message: Option<String>,
) -> Result<(), AppError> {
    use crate::ports::ListEdit;
    use crate::request::{answer, now, require_user, services};

    answer(async move {
        let user = require_user()?;
        let id = fields::list_id(&list_id)?;
        let details = fields::details(title, occasion, event_date, message)?;
        services()?
            .store
            .edit_list(&user.id, &id, ListEdit::Details(details), now())
            .await?;
        Ok(())
    })
    .await
}

/// Changes what the owner sees of reservations. `reveal_after` is a checkbox ("on" or absent).
#[server(prefix = "/api", endpoint = "set_surprise")]
pub async fn set_surprise(
    list_id: String,
    mode: String,
    reveal_after: Option<String>,
) -> Result<(), AppError> {
    use crate::ports::ListEdit;
    use crate::request::{answer, now, require_user, services};
    use domain::SurprisePolicy;

    answer(async move {
        let user = require_user()?;
        let id = fields::list_id(&list_id)?;
        let policy = SurprisePolicy {
            mode: parse_mode(&mode)?,
            reveal_names_after_event: reveal_after.is_some_and(|v| !v.is_empty() && v != "false"),
        };
        services()?
            .store
            .edit_list(&user.id, &id, ListEdit::Surprise(policy), now())
            .await?;
        Ok(())
    })
    .await
}

/// Closes a list: guests see it closed and can no longer reserve. Final.
#[server(prefix = "/api", endpoint = "close_list")]
pub async fn close_list(list_id: String) -> Result<(), AppError> {
    use crate::ports::ListEdit;
    use crate::request::{answer, now, require_user, services};

    answer(async move {
        let user = require_user()?;
        let id = fields::list_id(&list_id)?;
        services()?
            .store
            .edit_list(&user.id, &id, ListEdit::Close, now())
            .await?;
        Ok(())
    })
    .await
}

/// Deletes a list with its gifts and reservations, once the owner typed `delete` to confirm;
/// then goes to the dashboard.
#[server(prefix = "/api", endpoint = "delete_list")]
pub async fn delete_list(list_id: String, confirm: String) -> Result<(), AppError> {
    use crate::request::{answer, require_user, services};

    answer(async move {
        let user = require_user()?;
        let id = fields::list_id(&list_id)?;
        if !confirm.trim().eq_ignore_ascii_case("delete") {
            return Err(AppError::invalid(
                "confirm",
                "To delete the list, type delete in the box.",
            ));
        }
        services()?.store.delete_list(&user.id, &id).await?;
        leptos_axum::redirect(crate::routes::DASHBOARD.path());
        Ok(())
    })
    .await
}

/// Looks up a pasted link (or text with a link in it): the catalogue first, then the shop's
/// page.
#[server(prefix = "/api", endpoint = "look_up_link")]
pub async fn look_up_link(list_id: String, text: String) -> Result<LinkLookup, AppError> {
    use crate::ports::LimitedAction;
    use crate::request::{answer, limit, require_user, services};

    answer(async move {
        let user = require_user()?;
        let id = fields::list_id(&list_id)?;
        let Some(url) = HttpUrl::find_in(&text) else {
            return Err(AppError::invalid(
                "link",
                "Please paste a link that starts with https:// or http://.",
            ));
        };
        let services = services()?;
        // The list must be the owner's, whatever the link.
        let list = services.store.get_list(&id).await?;
        if !list.is_some_and(|l| l.is_owned_by(&user.id)) {
            return Err(AppError::NotFound);
        }
        let normalised = domain::normalise_product_url(&url);
        if let Some(product) = services.store.catalogue_product_by_url(&normalised).await? {
            return Ok(LinkLookup::catalogue(
                product.id.to_string(),
                product.product,
            ));
        }
        // Only a look at the shop's own page counts (catalogue answers cost nothing).
        limit(&services, LimitedAction::Lookup, &[user.id.as_str()]).await?;
        Ok(match services.shop_pages.read(&url).await {
            Ok(page) => LinkLookup::page(&url, page),
            Err(err) => LinkLookup::nothing(&url, err.to_string()),
        })
    })
    .await
}

/// Adds a gift with the details as the owner checked or typed them.
#[server(prefix = "/api", endpoint = "add_gift")]
pub async fn add_gift(
    list_id: String,
    title: String,
    shop: Option<String>,
    url: Option<String>,
    image_url: Option<String>,
    price: Option<String>,
    currency: Option<String>,
    wanted: String,
    notes: Option<String>,
    catalogue_id: Option<String>,
) -> Result<GiftId, AppError> {
    use crate::ports::LimitedAction;
    use crate::request::{answer, limit, now, require_user, services};
    use domain::{CatalogueProductId, Gift, GiftSource, ProductTitle, ShopName};
    use fields::optional_text;

    answer(async move {
        let user = require_user()?;
        let id = fields::list_id(&list_id)?;
        // Posted twice, the gift is added once: its id comes from the request.
        let once = crate::request::once(
            "add_gift",
            &[
                id.as_str(),
                &title,
                shop.as_deref().unwrap_or_default(),
                url.as_deref().unwrap_or_default(),
                image_url.as_deref().unwrap_or_default(),
                price.as_deref().unwrap_or_default(),
                currency.as_deref().unwrap_or_default(),
                &wanted,
                notes.as_deref().unwrap_or_default(),
                catalogue_id.as_deref().unwrap_or_default(),
            ],
        );
        let product = ProductSnapshot {
            title: ProductTitle::parse(&title).map_err(|e| AppError::invalid("title", e))?,
            brand: optional_text(shop)
                .map(|s| ShopName::parse(&s).map_err(|e| AppError::invalid("shop", e)))
                .transpose()?,
            url: fields::optional_url("url", url)?,
            image_url: fields::optional_url("image_url", image_url)?,
            price: fields::price(price, currency)?,
        };
        let wanted = fields::quantity("wanted", &wanted)?;
        let notes = Notes::parse_optional(notes.as_deref().unwrap_or_default())
            .map_err(|e| AppError::invalid("notes", e))?;
        let source = match optional_text(catalogue_id) {
            Some(text) => {
                GiftSource::Catalogue(CatalogueProductId::parse(&text).map_err(|_| {
                    AppError::invalid(
                        "catalogue_id",
                        "That catalogue product is unknown. Please look the link up again.",
                    )
                })?)
            }
            None => GiftSource::Owner,
        };
        let gift = Gift::new(
            once.as_ref()
                .map_or_else(GiftId::generate, |once| once.gift_id()),
            id,
            product,
            source,
            wanted,
            notes,
            now(),
        );
        let services = services()?;
        limit(&services, LimitedAction::AddGift, &[user.id.as_str()]).await?;
        match services.store.add_gift(&user.id, &gift).await {
            // Its id comes from the request: this request, done before.
            Err(crate::ports::StoreError::Rule(domain::RuleError::GiftAlreadyOnList))
                if once.is_some() => {}
            other => other?,
        }
        // Back to the editor as it is now, without the link that was looked up.
        leptos_axum::redirect(&crate::forms::with_done(
            &crate::routes::list_editor(&id),
            <AddGift as leptos::server_fn::ServerFn>::PATH,
        ));
        Ok(gift.id)
    })
    .await
}

/// Changes how many of a gift are wanted and its notes, in one edit.
#[server(prefix = "/api", endpoint = "update_gift")]
pub async fn update_gift(
    list_id: String,
    gift_id: String,
    wanted: String,
    notes: Option<String>,
) -> Result<(), AppError> {
    use crate::request::{answer_for, now, require_user, services};
    use domain::GiftEdit;

    let subject = gift_id.clone();
    answer_for(Some(&subject), async move {
        let user = require_user()?;
        let id = fields::list_id(&list_id)?;
        let gift = fields::gift_id(&gift_id)?;
        let wanted = fields::quantity("wanted", &wanted)?;
        let notes = Notes::parse_optional(notes.as_deref().unwrap_or_default())
            .map_err(|e| AppError::invalid("notes", e))?;
        // One edit, one conditional write: the quantity and the notes change together or not
        // at all.
        let edit = GiftEdit { wanted, notes };
        services()?
            .store
            .edit_gift(&user.id, &id, &gift, edit, now())
            .await?;
        Ok(())
    })
    .await
}

/// Removes a gift nobody has reserved or bought.
#[server(prefix = "/api", endpoint = "remove_gift")]
pub async fn remove_gift(list_id: String, gift_id: String) -> Result<(), AppError> {
    use crate::request::{answer_for, now, require_user, services};

    let subject = gift_id.clone();
    answer_for(Some(&subject), async move {
        let user = require_user()?;
        let id = fields::list_id(&list_id)?;
        let gift = fields::gift_id(&gift_id)?;
        services()?
            .store
            .remove_gift(&user.id, &id, &gift, now())
            .await?;
        Ok(())
    })
    .await
}

/// The event date a form sent: `YYYY-MM-DD`, or nothing.
#[cfg(any(feature = "ssr", test))]
fn parse_date(text: Option<&str>) -> Result<Option<Date>, AppError> {
    let text = text.map(str::trim).unwrap_or_default();
    if text.is_empty() {
        return Ok(None);
    }
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(text, &format).map(Some).map_err(|_| {
        AppError::invalid(
            "event_date",
            "The date must be a real date, like 2026-06-21.",
        )
    })
}

/// The surprise setting a form sent.
#[cfg(any(feature = "ssr", test))]
fn parse_mode(text: &str) -> Result<domain::SurpriseMode, AppError> {
    domain::SurpriseMode::parse(text.trim())
        .map_err(|_| AppError::invalid("mode", "Please choose what you want to see."))
}

/// The owner's form fields, parsed into the domain's types (a field's error names the field).
#[cfg(feature = "ssr")]
pub(crate) mod fields {
    use domain::{
        Currency, GiftId, HttpUrl, ListDetails, ListId, Message, Occasion, Price, Quantity,
    };

    use super::parse_date;
    use crate::error::AppError;

    pub fn list_id(text: &str) -> Result<ListId, AppError> {
        // An id that can't be one is the same as a list that isn't there.
        ListId::parse(text.trim()).map_err(|_| AppError::NotFound)
    }

    pub fn gift_id(text: &str) -> Result<GiftId, AppError> {
        GiftId::parse(text.trim()).map_err(|_| AppError::GiftNotFound)
    }

    fn occasion(text: &str) -> Result<Occasion, AppError> {
        Occasion::parse(text.trim())
            .map_err(|_| AppError::invalid("occasion", "Please choose an occasion."))
    }

    pub fn optional_text(text: Option<String>) -> Option<String> {
        text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty())
    }

    pub fn details(
        title: String,
        occasion_text: String,
        event_date: Option<String>,
        message: Option<String>,
    ) -> Result<ListDetails, AppError> {
        Ok(ListDetails {
            title: domain::Title::parse(&title).map_err(|e| AppError::invalid("title", e))?,
            occasion: occasion(&occasion_text)?,
            event_date: parse_date(event_date.as_deref())?,
            message: Message::parse_optional(message.as_deref().unwrap_or_default())
                .map_err(|e| AppError::invalid("message", e))?,
        })
    }

    pub fn optional_url(field: &str, text: Option<String>) -> Result<Option<HttpUrl>, AppError> {
        optional_text(text)
            .map(|t| HttpUrl::parse(&t).map_err(|e| AppError::invalid(field, e)))
            .transpose()
    }

    pub fn quantity(field: &str, text: &str) -> Result<Quantity, AppError> {
        Quantity::parse(text).map_err(|e| AppError::invalid(field, e))
    }

    pub fn price(
        amount: Option<String>,
        currency: Option<String>,
    ) -> Result<Option<Price>, AppError> {
        let Some(amount) = optional_text(amount) else {
            return Ok(None);
        };
        let currency = optional_text(currency).unwrap_or_else(|| Currency::GBP.as_str().to_owned());
        Price::parse(&amount, &currency)
            .map(Some)
            .map_err(|e| AppError::invalid("price", e))
    }
}

#[cfg(test)]
mod tests {
    use domain::SurpriseMode;

    use super::*;

    #[test]
    fn dates_are_optional_and_real() {
        assert_eq!(parse_date(None).unwrap(), None);
        assert_eq!(parse_date(Some("  ")).unwrap(), None);
        assert_eq!(
            parse_date(Some("2026-06-21")).unwrap(),
            Some(time::macros::date!(2026 - 06 - 21))
        );
        for bad in ["2026-02-30", "21/06/2026", "tomorrow"] {
            assert!(
                matches!(parse_date(Some(bad)), Err(AppError::Invalid { field, .. }) if field == "event_date"),
                "{bad}"
            );
        }
    }

    #[test]
    fn surprise_modes_are_the_three_known() {
        assert_eq!(parse_mode("names").unwrap(), SurpriseMode::Names);
        assert!(parse_mode("everything").is_err());
    }
}
