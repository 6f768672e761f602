//! A product as a gift shows it, and the link normalisation used to spot duplicate gifts.

use serde::{Deserialize, Serialize};

use crate::money::Price;
use crate::text::{ProductTitle, ShopName};
use crate::url::HttpUrl;

/// What a product looked like when it was added: later catalogue changes don't alter gifts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductSnapshot {
    pub title: ProductTitle,
    pub brand: Option<ShopName>,
    pub url: Option<HttpUrl>,
    pub image_url: Option<HttpUrl>,
    pub price: Option<Price>,
}

/// Amazon's shop domains after "amazon.".
const AMAZON_TLDS: &[&str] = &[
    "com", "co.uk", "de", "fr", "it", "es", "ca", "com.au", "co.jp", "jp", "in", "nl", "se", "pl",
    "com.be", "ie", "com.br", "com.mx", "ae", "sa", "sg", "com.tr", "eg", "cn",
];

/// A product link in one canonical form, so that two links to the same product compare equal.
///
/// The query and fragment are dropped, the host lower-cased, `http` becomes `https` and a
/// trailing `/` is dropped from the path (the root stays `/`). Amazon product links become
/// `https://www.amazon.<tld>/dp/<ASIN>`; Amazon links without a product code stay generic.
pub fn normalise_product_url(url: &HttpUrl) -> String {
    let host = url.host().to_ascii_lowercase();
    let url = url.inner();
    if let Some(tld) = amazon_tld(&host) {
        if let Some(asin) = url.path_segments().and_then(find_asin) {
            return format!("https://www.amazon.{tld}/dp/{asin}");
        }
    }
    let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
    let path = match url.path().trim_end_matches('/') {
        "" => "/",
        path => path,
    };
    format!("https://{host}{port}{path}")
}

/// The part after "amazon." of an Amazon shop host, e.g. "co.uk" for "www.amazon.co.uk".
fn amazon_tld(host: &str) -> Option<&str> {
    let host = ["www.", "smile.", "m."]
        .iter()
        .find_map(|prefix| host.strip_prefix(prefix))
        .unwrap_or(host);
    let tld = host.strip_prefix("amazon.")?;
    AMAZON_TLDS.contains(&tld).then_some(tld)
}

/// The product code from `/dp/<ASIN>`, `/<slug>/dp/<ASIN>`, `/gp/product/<ASIN>` or
/// `/gp/aw/d/<ASIN>`, upper-cased.
fn find_asin<'a>(segments: impl Iterator<Item = &'a str>) -> Option<String> {
    let segments: Vec<&str> = segments.collect();
    let candidate = (0..segments.len()).find_map(|i| {
        let at = |offset: usize| segments.get(i.saturating_add(offset)).copied();
        match (at(0), at(1), at(2)) {
            (Some("dp"), asin, _) => asin,
            (Some("gp"), Some("product"), asin) => asin,
            (Some("gp"), Some("aw"), Some("d")) => at(3),
            _ => None,
        }
        .filter(|asin| is_asin(asin))
    })?;
    Some(candidate.to_ascii_uppercase())
}

fn is_asin(s: &str) -> bool {
    s.len() == 10 && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn normalise(s: &str) -> String {
        normalise_product_url(&HttpUrl::parse(s).unwrap())
    }

    #[test]
    fn generic_links() {
        let cases = [
            ("https://example.com/", "https://example.com/"),
            ("http://example.com", "https://example.com/"),
            (
                "https://Shop.Example.COM/Item/42/",
                "https://shop.example.com/Item/42",
            ),
            (
                "https://example.com/item?colour=red#reviews",
                "https://example.com/item",
            ),
            ("https://example.com/a//", "https://example.com/a"),
            ("https://example.com:8443/x/", "https://example.com:8443/x"),
            ("http://example.com:80/x", "https://example.com/x"),
            (
                "https://www.johnlewis.com/john-lewis-cot/p5012345?sku=1",
                "https://www.johnlewis.com/john-lewis-cot/p5012345",
            ),
            (
                "https://www.etsy.com/uk/listing/123456789/knitted-blanket?ref=hp",
                "https://www.etsy.com/uk/listing/123456789/knitted-blanket",
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(normalise(input), expected, "{input}");
        }
    }

    #[test]
    fn amazon_product_links() {
        let cases = [
            (
                "https://www.amazon.co.uk/dp/B08N5WRWNW",
                "https://www.amazon.co.uk/dp/B08N5WRWNW",
            ),
            (
                "https://www.amazon.co.uk/Philips-Avent-Baby-Monitor/dp/B07XJ8C8F5/ref=sr_1_3?keywords=monitor&qid=1",
                "https://www.amazon.co.uk/dp/B07XJ8C8F5",
            ),
            (
                "http://amazon.com/gp/product/b00005n5pf/",
                "https://www.amazon.com/dp/B00005N5PF",
            ),
            (
                "https://smile.amazon.com/dp/B07FZ8S74R?th=1",
                "https://www.amazon.com/dp/B07FZ8S74R",
            ),
            (
                "https://m.amazon.de/gp/aw/d/3453435761/ref=mp_s_a_1_1",
                "https://www.amazon.de/dp/3453435761",
            ),
            (
                "https://www.amazon.fr/-/en/dp/B0BSHF7WHW#customerReviews",
                "https://www.amazon.fr/dp/B0BSHF7WHW",
            ),
            (
                "https://WWW.AMAZON.COM.AU/Some-Thing/dp/B09B8V1LZ3",
                "https://www.amazon.com.au/dp/B09B8V1LZ3",
            ),
            (
                "https://www.amazon.co.jp/dp/B0C1234567/",
                "https://www.amazon.co.jp/dp/B0C1234567",
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(normalise(input), expected, "{input}");
        }
    }

    #[test]
    fn amazon_links_without_a_product_stay_generic() {
        let cases = [
            ("https://www.amazon.co.uk/", "https://www.amazon.co.uk/"),
            (
                "https://www.amazon.co.uk/s?k=baby+monitor",
                "https://www.amazon.co.uk/s",
            ),
            (
                "https://www.amazon.com/dp/SHORT",
                "https://www.amazon.com/dp/SHORT",
            ),
            (
                "https://www.amazon.com/dp/B08N5WRWN!",
                "https://www.amazon.com/dp/B08N5WRWN!",
            ),
            (
                "https://www.amazon.com/gp/help/customer",
                "https://www.amazon.com/gp/help/customer",
            ),
            ("https://www.amazon.com/dp", "https://www.amazon.com/dp"),
        ];
        for (input, expected) in cases {
            assert_eq!(normalise(input), expected, "{input}");
        }
    }

    #[test]
    fn lookalike_hosts_are_not_amazon() {
        let cases = [
            (
                "https://amazon.example.com/dp/B08N5WRWNW",
                "https://amazon.example.com/dp/B08N5WRWNW",
            ),
            (
                "https://notamazon.com/dp/B08N5WRWNW",
                "https://notamazon.com/dp/B08N5WRWNW",
            ),
            (
                "https://www.amazon.evil.com/dp/B08N5WRWNW",
                "https://www.amazon.evil.com/dp/B08N5WRWNW",
            ),
            (
                "https://aws.amazon.com/dp/B08N5WRWNW",
                "https://aws.amazon.com/dp/B08N5WRWNW",
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(normalise(input), expected, "{input}");
        }
    }

    #[test]
    fn same_product_different_spellings_match() {
        let a = normalise("https://www.amazon.co.uk/Monitor/dp/B07XJ8C8F5/ref=x?tag=abc");
        let b = normalise("http://amazon.co.uk/gp/product/b07xj8c8f5");
        assert_eq!(a, b);
    }

    proptest! {
        #[test]
        fn idempotent(
            host in "(www\\.|m\\.)?(amazon|example)\\.(com|co\\.uk|de)",
            path in "(/[a-zA-Z0-9-]{0,10}){0,4}",
            query in "(\\?[a-z=&]{0,8})?",
        ) {
            let url = HttpUrl::parse(&format!("http://{host}{path}{query}")).unwrap();
            let once = normalise_product_url(&url);
            let twice = normalise_product_url(&HttpUrl::parse(&once).unwrap());
            prop_assert_eq!(once, twice);
        }
    }
}
