//! The shared product catalogue: products anyone can add to a list.

use serde::{Deserialize, Serialize};

use crate::ids::CatalogueProductId;
use crate::product::ProductSnapshot;
use crate::text::ShopName;

/// A product anyone can add to a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogueProduct {
    pub id: CatalogueProductId,
    /// The product; catalogue entries always have a link in practice.
    pub product: ProductSnapshot,
    /// Where it is sold, when that differs from the brand.
    pub retailer: Option<ShopName>,
}

/// A catalogue product as the team's editor lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogueLine {
    pub product: CatalogueProduct,
    /// Retired products stay in the catalogue but are no longer found by their link.
    pub retired: bool,
}
