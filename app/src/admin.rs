//! The team's tools: server functions for admins only. Each one checks the session on the
//! server first ([`crate::request::require_admin`]); anyone else gets "We can't find that
//! page" (404), as for an address that does not exist. Every change is audited by the store in
//! the same transaction.

// A server function takes one argument per form field (a product has eight), and the macro's
// generated client code does not carry an item-level `allow`.
#![allow(clippy::too_many_arguments)]

use domain::{AuditEntry, CatalogueLine, KpiDay, QueuedProduct};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// What the tools' home shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overview {
    /// The last [`domain::tools::KPI_DAYS`] days, oldest first.
    pub days: Vec<KpiDay>,
    /// How many products wait in the not-found queue (up to 100).
    pub waiting: usize,
}

/// The day-by-day counts and the queue's length.
#[server(prefix = "/api", endpoint = "admin/overview")]
pub async fn admin_overview() -> Result<Overview, AppError> {
    use crate::request::{answer, now, require_admin, services};
    answer(async move {
        require_admin()?;
        let services = services()?;
        let today = domain::Kpi::day(now());
        let days = services.tools.kpis(today, domain::tools::KPI_DAYS).await?;
        let waiting = services
            .tools
            .queue(domain::QueueState::Waiting, 100)
            .await?;
        Ok(Overview {
            days,
            waiting: waiting.len(),
        })
    })
    .await
}

/// The not-found queue: products waiting for an admin, the latest added first.
#[server(prefix = "/api", endpoint = "admin/queue")]
pub async fn admin_queue() -> Result<Vec<QueuedProduct>, AppError> {
    use crate::request::{answer, require_admin, services};
    answer(async move {
        require_admin()?;
        Ok(services()?
            .tools
            .queue(domain::QueueState::Waiting, 100)
            .await?)
    })
    .await
}

/// Puts a queued product in the catalogue with the admin's corrections; owners who paste its
/// link afterwards get the curated product.
#[server(prefix = "/api", endpoint = "admin/promote")]
pub async fn promote_product(
    queued: String,
    title: String,
    shop: Option<String>,
    url: String,
    image_url: Option<String>,
    price: Option<String>,
    currency: Option<String>,
    retailer: Option<String>,
) -> Result<(), AppError> {
    use crate::request::{answer, now, require_admin, services};
    answer(async move {
        let admin = require_admin()?;
        let fields = ProductFields {
            title,
            shop,
            url: Some(url),
            image_url,
            price,
            currency,
            retailer,
        };
        let (product, retailer) = fields.parse()?;
        let Some(link) = &product.url else {
            return Err(AppError::invalid("url", "Please enter the product's link."));
        };
        let services = services()?;
        let normalised = domain::normalise_product_url(link);
        // A product the catalogue has under the same link is updated, not doubled.
        let id = match services.store.catalogue_product_by_url(&normalised).await? {
            Some(existing) => existing.id,
            None => domain::CatalogueProductId::generate(),
        };
        let product = domain::CatalogueProduct {
            id,
            product,
            retailer,
        };
        services
            .tools
            .promote(&admin.email, queued.trim(), &product, now())
            .await
            .map_err(not_there)
    })
    .await
}

/// Takes a product out of the queue for good.
#[server(prefix = "/api", endpoint = "admin/dismiss")]
pub async fn dismiss_product(queued: String) -> Result<(), AppError> {
    use crate::request::{answer, now, require_admin, services};
    answer(async move {
        let admin = require_admin()?;
        services()?
            .tools
            .dismiss(&admin.email, queued.trim(), now())
            .await
            .map_err(not_there)
    })
    .await
}

/// Catalogue products whose title, brand, link or shop contains `q` (all when empty).
#[server(prefix = "/api", endpoint = "admin/catalogue")]
pub async fn search_catalogue(q: String) -> Result<Vec<CatalogueLine>, AppError> {
    use crate::request::{answer, require_admin, services};
    answer(async move {
        require_admin()?;
        let query: String = q.chars().take(200).collect();
        Ok(services()?.tools.search_catalogue(&query, 200).await?)
    })
    .await
}

/// One catalogue product, for its edit form.
#[server(prefix = "/api", endpoint = "admin/product")]
pub async fn catalogue_product(id: String) -> Result<CatalogueLine, AppError> {
    use crate::request::{answer, require_admin, services};
    answer(async move {
        require_admin()?;
        let id = domain::CatalogueProductId::parse(id.trim()).map_err(|_| AppError::NoSuchPage)?;
        services()?
            .tools
            .catalogue_line(&id)
            .await?
            .ok_or(AppError::NoSuchPage)
    })
    .await
}

/// Saves an admin's edit of a catalogue product; `id` is `new` for a new product.
#[server(prefix = "/api", endpoint = "admin/save-product")]
pub async fn save_catalogue_product(
    id: String,
    title: String,
    shop: Option<String>,
    url: Option<String>,
    image_url: Option<String>,
    price: Option<String>,
    currency: Option<String>,
    retailer: Option<String>,
) -> Result<(), AppError> {
    use crate::request::{answer, now, require_admin, services};
    answer(async move {
        let admin = require_admin()?;
        let (product, retailer) = ProductFields {
            title,
            shop,
            url,
            image_url,
            price,
            currency,
            retailer,
        }
        .parse()?;
        let services = services()?;
        let id = match id.trim() {
            "new" => domain::CatalogueProductId::generate(),
            text => {
                let id =
                    domain::CatalogueProductId::parse(text).map_err(|_| AppError::NoSuchPage)?;
                services
                    .tools
                    .catalogue_line(&id)
                    .await?
                    .ok_or(AppError::NoSuchPage)?;
                id
            }
        };
        // Two catalogue products never share a link: the lookup would find only one.
        if let Some(link) = &product.url {
            let normalised = domain::normalise_product_url(link);
            if let Some(other) = services.store.catalogue_product_by_url(&normalised).await? {
                if other.id != id {
                    return Err(AppError::invalid(
                        "url",
                        "Another catalogue product has this link. Please edit that one instead.",
                    ));
                }
            }
        }
        let product = domain::CatalogueProduct {
            id,
            product,
            retailer,
        };
        services
            .tools
            .save_product(&admin.email, &product, now())
            .await?;
        leptos_axum::redirect(&crate::routes::admin_product(&product.id));
        Ok(())
    })
    .await
}

/// Retires a catalogue product (`retire` = `true`) or brings it back (`false`).
#[server(prefix = "/api", endpoint = "admin/retire")]
pub async fn retire_catalogue_product(id: String, retire: String) -> Result<(), AppError> {
    use crate::request::{answer, now, require_admin, services};
    answer(async move {
        let admin = require_admin()?;
        let id = domain::CatalogueProductId::parse(id.trim()).map_err(|_| AppError::NoSuchPage)?;
        let retire = match retire.trim() {
            "true" => true,
            "false" => false,
            _ => return Err(AppError::BadRequest),
        };
        services()?
            .tools
            .set_retired(&admin.email, &id, retire, now())
            .await
            .map_err(not_there)
    })
    .await
}

/// The latest changes admins made.
#[server(prefix = "/api", endpoint = "admin/audit")]
pub async fn audit_log() -> Result<Vec<AuditEntry>, AppError> {
    use crate::request::{answer, now, require_admin, services};
    answer(async move {
        require_admin()?;
        Ok(services()?.tools.audit_log(now(), 200).await?)
    })
    .await
}

/// What the last catalogue file this admin loaded from the editor came to (this month or the
/// last), from its audit entry.
#[server(prefix = "/api", endpoint = "admin/last-import")]
pub async fn last_import() -> Result<Option<domain::tools::ImportOutcome>, AppError> {
    use crate::request::{answer, now, require_admin, services};
    answer(async move {
        let admin = require_admin()?;
        let entries = services()?.tools.audit_log(now(), 200).await?;
        Ok(entries
            .into_iter()
            .find(|e| e.action == domain::AuditAction::Import && e.who == admin.email.as_str())
            .and_then(|e| serde_json::from_str(e.after.as_deref()?).ok()))
    })
    .await
}

/// A store's "not found" for the tools: the product is not (or no longer) there.
#[cfg(feature = "ssr")]
fn not_there(err: crate::ports::StoreError) -> AppError {
    match err {
        crate::ports::StoreError::NotFound => AppError::NoSuchPage,
        other => other.into(),
    }
}

/// A catalogue product's form fields, as typed.
#[cfg(feature = "ssr")]
struct ProductFields {
    title: String,
    shop: Option<String>,
    url: Option<String>,
    image_url: Option<String>,
    price: Option<String>,
    currency: Option<String>,
    retailer: Option<String>,
}

#[cfg(feature = "ssr")]
impl ProductFields {
    /// Through the domain's parsers, as a catalogue file's row is; an error names its field.
    fn parse(self) -> Result<(domain::ProductSnapshot, Option<domain::ShopName>), AppError> {
        use crate::owner::fields::{optional_text, optional_url, price};
        use domain::{ProductTitle, ShopName};
        let shop = |field: &str, text: Option<String>| {
            optional_text(text)
                .map(|s| ShopName::parse(&s).map_err(|e| AppError::invalid(field, e)))
                .transpose()
        };
        let product = domain::ProductSnapshot {
            title: ProductTitle::parse(&self.title).map_err(|e| AppError::invalid("title", e))?,
            brand: shop("shop", self.shop)?,
            url: optional_url("url", self.url)?,
            image_url: optional_url("image_url", self.image_url)?,
            price: price(self.price, self.currency)?,
        };
        Ok((product, shop("retailer", self.retailer)?))
    }
}
