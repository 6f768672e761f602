//! Reads a product's details from a shop's page, without any I/O.
//!
//! Shops describe their products for link previews and search engines in three ways, and this
//! reads all three, in this order of trust:
//!
//! 1. Open Graph `<meta property="og:…">` tags: the title, the picture, the shop's name, and
//!    sometimes the price (`product:price:*` or `og:price:*`).
//! 2. JSON-LD (`<script type="application/ld+json">`) holding a schema.org `Product`, at the
//!    top, in a list or in an `@graph`: its name, image, offers (`Offer`, `AggregateOffer` or a
//!    list of them) and brand. Its price wins over Open Graph's: it is what search engines check.
//! 3. Twitter card tags and the page's `<title>`, when nothing better is there.
//!
//! Every value is cleaned to fit the domain's types (whitespace collapsed, cut to the longest
//! allowed text) and dropped when it still does not fit: a page gives what it gives, and the
//! owner checks the details before adding the gift.

use std::collections::HashMap;

use app::ports::PageProduct;
use domain::{HttpUrl, Price, ProductTitle, ShopName};
use scraper::{ElementRef, Html};
use serde_json::{Map, Value};
use url::Url;

const HTML_NAMESPACE: &str = "http://www.w3.org/1999/xhtml";

/// How deep JSON-LD is searched for a product, and for its offers.
const MAX_DEPTH: usize = 6;

/// Reads what a shop's page says about its product. `page_url` is where the page was found
/// (after redirects): relative picture links are resolved against it.
pub fn read_product(html: &str, page_url: &Url) -> PageProduct {
    let page = Page::parse(html);
    let product = page.json_ld.iter().find_map(|v| find_product(v, 0));

    let site_name = page
        .meta("og:site_name")
        .into_iter()
        .chain(product.map(seller_or_brand).unwrap_or_default())
        .find_map(|text| bounded::<ShopName>(&text));

    let title = [page.meta("og:title")]
        .into_iter()
        .chain([
            product.and_then(|p| p.get("name")).and_then(text),
            page.meta("twitter:title"),
            page.title
                .as_deref()
                .map(|t| without_site_name(t, site_name.as_ref())),
        ])
        .flatten()
        .find_map(|text| bounded::<ProductTitle>(&text));

    let image_url = [
        page.meta("og:image:secure_url"),
        page.meta("og:image"),
        page.meta("og:image:url"),
    ]
    .into_iter()
    .flatten()
    .chain(
        product
            .and_then(|p| p.get("image"))
            .map(images)
            .unwrap_or_default(),
    )
    .chain(
        [page.meta("twitter:image"), page.meta("twitter:image:src")]
            .into_iter()
            .flatten(),
    )
    .find_map(|link| image_url(&link, page_url));

    let price = product
        .and_then(|p| p.get("offers"))
        .and_then(|offers| offer_price(offers, None, 0))
        .or_else(|| page.meta_price("product:price"))
        .or_else(|| page.meta_price("og:price"));

    PageProduct {
        title,
        image_url,
        price,
        site_name,
    }
}

/// What was read from the page's markup.
struct Page {
    /// `<meta>` contents by `property` or `name`, lower-cased; the first of each name wins.
    meta: HashMap<String, String>,
    /// Every JSON-LD block that parsed.
    json_ld: Vec<Value>,
    /// The document's `<title>`.
    title: Option<String>,
}

impl Page {
    fn parse(html: &str) -> Self {
        let document = Html::parse_document(html);
        let mut page = Page {
            meta: HashMap::new(),
            json_ld: Vec::new(),
            title: None,
        };
        let html_elements = document
            .root_element()
            .descendent_elements()
            .filter(|e| &*e.value().name.ns == HTML_NAMESPACE);
        for element in html_elements {
            match element.value().name() {
                "meta" => page.add_meta(element),
                "script" if is_json_ld(element) => {
                    let json: String = element.text().collect();
                    if let Ok(value) = serde_json::from_str(json.trim()) {
                        page.json_ld.push(value);
                    }
                }
                "title" if page.title.is_none() => {
                    page.title = Some(element.text().collect());
                }
                _ => {}
            }
        }
        page
    }

    fn add_meta(&mut self, element: ElementRef<'_>) {
        let Some(content) = element.attr("content") else {
            return;
        };
        for key in [element.attr("property"), element.attr("name")]
            .into_iter()
            .flatten()
        {
            self.meta
                .entry(key.trim().to_ascii_lowercase())
                .or_insert_with(|| content.to_owned());
        }
    }

    fn meta(&self, key: &str) -> Option<String> {
        self.meta.get(key).filter(|v| !v.trim().is_empty()).cloned()
    }

    /// `<prefix>:amount` with `<prefix>:currency`.
    fn meta_price(&self, prefix: &str) -> Option<Price> {
        price(
            &self.meta(&format!("{prefix}:amount"))?,
            &self.meta(&format!("{prefix}:currency"))?,
        )
    }
}

fn is_json_ld(script: ElementRef<'_>) -> bool {
    script.attr("type").is_some_and(|t| {
        t.split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .eq_ignore_ascii_case("application/ld+json")
    })
}

/// The first schema.org product in a JSON-LD value: the value itself, an item of a list, or an
/// entry of `@graph` (or a page's `mainEntity`).
fn find_product(value: &Value, depth: usize) -> Option<&Map<String, Value>> {
    if depth > MAX_DEPTH {
        return None;
    }
    match value {
        Value::Array(items) => items.iter().find_map(|item| find_product(item, depth + 1)),
        Value::Object(object) if is_product(object) => Some(object),
        Value::Object(object) => ["@graph", "mainEntity"]
            .into_iter()
            .filter_map(|key| object.get(key))
            .find_map(|inner| find_product(inner, depth + 1)),
        _ => None,
    }
}

fn is_product(object: &Map<String, Value>) -> bool {
    let is_product_type = |t: &Value| {
        t.as_str().is_some_and(|t| {
            // "Product", "schema:Product" or "https://schema.org/Product".
            let name = t.rsplit(['/', ':', '#']).next().unwrap_or(t);
            matches!(name, "Product" | "ProductGroup" | "IndividualProduct")
        })
    };
    match object.get("@type") {
        Some(Value::Array(types)) => types.iter().any(is_product_type),
        Some(t) => is_product_type(t),
        None => false,
    }
}

/// A JSON-LD text value: a string (with any HTML entities decoded, which some shops leave in),
/// a number, the first of a list, or a `{"@value": …}`.
fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(decode_entities(s)),
        Value::Number(n) => Some(n.to_string()),
        Value::Array(items) => items.first().and_then(text),
        Value::Object(object) => object.get("@value").and_then(text),
        _ => None,
    }
}

/// A name: text, or an object (`Brand`, `Organization`) with a `name`.
fn name(value: &Value) -> Option<String> {
    match value {
        Value::Object(object) => object.get("name").and_then(text),
        Value::Array(items) => items.first().and_then(name),
        other => text(other),
    }
}

/// The seller named in the first offer, then the brand.
fn seller_or_brand(product: &Map<String, Value>) -> Vec<String> {
    let offer = match product.get("offers") {
        Some(Value::Array(offers)) => offers.first(),
        other => other,
    };
    [
        offer.and_then(|o| o.get("seller")).and_then(name),
        product.get("brand").and_then(name),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// Picture links: a string, a list, or `ImageObject`s with a `url` or `contentUrl`.
fn images(value: &Value) -> Vec<String> {
    match value {
        Value::String(link) => vec![decode_entities(link)],
        Value::Array(items) => items.iter().flat_map(images).collect(),
        Value::Object(object) => ["url", "contentUrl"]
            .into_iter()
            .filter_map(|key| object.get(key))
            .flat_map(images)
            .collect(),
        _ => Vec::new(),
    }
}

/// The price of the first offer that has one: `price`, then `lowPrice` (an `AggregateOffer`),
/// then its `priceSpecification`, then its own `offers`. A currency given by an outer offer
/// applies to the inner ones that have none.
fn offer_price(offers: &Value, currency: Option<&str>, depth: usize) -> Option<Price> {
    if depth > MAX_DEPTH {
        return None;
    }
    match offers {
        Value::Array(items) => items
            .iter()
            .find_map(|item| offer_price(item, currency, depth + 1)),
        Value::Object(offer) => {
            let own = offer.get("priceCurrency").and_then(text);
            let currency = own.as_deref().or(currency);
            ["price", "lowPrice"]
                .into_iter()
                .filter_map(|key| offer.get(key).and_then(text))
                .find_map(|amount| price(&amount, currency?))
                .or_else(|| {
                    ["priceSpecification", "offers"]
                        .into_iter()
                        .filter_map(|key| offer.get(key))
                        .find_map(|inner| offer_price(inner, currency, depth + 1))
                })
        }
        _ => None,
    }
}

/// A price from a shop's amount text (`"89.99"`, `"£89.99"`, `"89,99"`, `"89.990"`) and a
/// currency code. A zero price is dropped: shops use it for "price on request".
fn price(amount: &str, currency: &str) -> Option<Price> {
    // From the first digit to the last: drops symbols and codes around the number.
    let start = amount.find(|c: char| c.is_ascii_digit())?;
    let end = amount.rfind(|c: char| c.is_ascii_digit())? + 1;
    let mut amount = amount[start..end].to_owned();
    // A decimal comma ("89,99"), as opposed to thousands ("1,299").
    if let Some((whole, cents)) = amount.split_once(',') {
        if !amount.contains('.') && (1..=2).contains(&cents.len()) && !cents.contains(',') {
            amount = format!("{whole}.{cents}");
        }
    }
    // Zeros past the pennies ("89.990").
    if let Some((whole, fraction)) = amount.split_once('.') {
        // Only digits: anything else between the first and the last digit ("1.€00") is not a
        // price, and must not be sliced as if every character were one byte.
        if fraction.len() > 2
            && fraction.bytes().all(|b| b.is_ascii_digit())
            && fraction[2..].bytes().all(|b| b == b'0')
        {
            amount = format!("{whole}.{}", &fraction[..2]);
        }
    }
    Price::parse(&amount, currency)
        .ok()
        .filter(|p| p.minor_units() > 0)
}

/// An absolute http(s) picture link, resolved against the page; anything else (`data:`,
/// `javascript:`, too long, with credentials) is dropped.
fn image_url(link: &str, page_url: &Url) -> Option<HttpUrl> {
    let link = link.trim();
    if link.is_empty() {
        return None;
    }
    let url = page_url.join(link).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    HttpUrl::parse(url.as_str()).ok()
}

/// Text that fits one of the domain's bounded text types: whitespace collapsed, control
/// characters dropped, cut to the longest allowed length.
trait Bounded: Sized {
    const MAX_CHARS: usize;
    fn parse(text: &str) -> Option<Self>;
}

impl Bounded for ProductTitle {
    const MAX_CHARS: usize = ProductTitle::MAX_CHARS;
    fn parse(text: &str) -> Option<Self> {
        ProductTitle::parse(text).ok()
    }
}

impl Bounded for ShopName {
    const MAX_CHARS: usize = ShopName::MAX_CHARS;
    fn parse(text: &str) -> Option<Self> {
        ShopName::parse(text).ok()
    }
}

fn bounded<T: Bounded>(raw: &str) -> Option<T> {
    let collapsed = raw
        .split_whitespace()
        .map(|word| word.chars().filter(|c| !c.is_control()).collect::<String>())
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let cut: String = collapsed.chars().take(T::MAX_CHARS).collect();
    T::parse(cut.trim_end())
}

/// A page title without the shop's name tacked on: "Travel cot | Little Shop" → "Travel cot".
fn without_site_name(title: &str, site_name: Option<&ShopName>) -> String {
    let title = title.trim();
    let Some(site) = site_name else {
        return title.to_owned();
    };
    for separator in [" | ", " - ", " – ", " — ", " · ", ": "] {
        if let Some((rest, suffix)) = title.rsplit_once(separator) {
            if suffix.trim().eq_ignore_ascii_case(site.as_str()) && !rest.trim().is_empty() {
                return rest.trim().to_owned();
            }
        }
    }
    title.to_owned()
}

/// Decodes the HTML entities that shops leave in JSON-LD text: `&amp;`, `&#39;`, `&#x2019;`
/// and the common named ones. Anything else is kept as written.
fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        // Entities are short: look for the `;` among the next few bytes only.
        let decoded = rest
            .bytes()
            .take(12)
            .position(|b| b == b';')
            .and_then(|end| Some((entity(&rest[1..end])?, end)));
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn entity(name: &str) -> Option<char> {
    if let Some(number) = name.strip_prefix('#') {
        let code = match number.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => number.parse().ok()?,
        };
        return char::from_u32(code).filter(|c| *c != '\0');
    }
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => '\u{a0}',
        "pound" => '£',
        "euro" => '€',
        "ndash" => '–',
        "mdash" => '—',
        "lsquo" => '‘',
        "rsquo" => '’',
        "ldquo" => '“',
        "rdquo" => '”',
        "hellip" => '…',
        "laquo" => '«',
        "raquo" => '»',
        "trade" => '™',
        "reg" => '®',
        "copy" => '©',
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::Currency;
    use proptest::prelude::*;

    fn shop() -> Url {
        Url::parse("https://shop.example/p/1").unwrap()
    }

    #[test]
    fn a_price_with_other_characters_in_its_fraction_is_no_price() {
        // Slicing "€00" two bytes in would split the euro sign.
        assert_eq!(price("1.€00", "GBP"), None);
        assert_eq!(price("1.0€0", "GBP"), None);
        assert_eq!(price("89.990", "GBP").map(|p| p.minor_units()), Some(8999));
    }

    proptest! {
        #[test]
        fn any_amount_text_is_read_without_panicking(amount in "\\PC{0,24}", currency in "[A-Za-z€£$]{0,4}") {
            let _ = price(&amount, &currency);
        }

        #[test]
        fn any_text_is_read_as_a_page_without_panicking(html in "\\PC{0,400}") {
            let _ = read_product(&html, &shop());
        }

        #[test]
        fn any_values_in_a_product_page_are_read_without_panicking(value in "\\PC{0,60}", n in any::<f64>()) {
            let html = format!(
                r#"<html><head><title>{value}</title>
                <meta property="og:title" content="{value}">
                <meta property="og:image" content="{value}">
                <meta property="product:price:amount" content="{value}">
                <meta property="product:price:currency" content="{value}">
                <script type="application/ld+json">{{"@type":"Product","name":"{value}",
                "image":"{value}","brand":{{"name":"{value}"}},
                "offers":[{{"price":{n},"priceCurrency":"GBP"}},{{"price":"{value}","priceCurrency":"{value}"}}]}}</script>
                </head><body>&{value};&#{value};</body></html>"#
            );
            let _ = read_product(&html, &shop());
        }
    }

    const OG_ONLY: &str = include_str!("../../tests/fixtures/pages/og-only.html");
    const JSON_LD_GRAPH: &str = include_str!("../../tests/fixtures/pages/json-ld-graph.html");
    const TITLE_AND_IMAGE: &str = include_str!("../../tests/fixtures/pages/title-and-image.html");
    const AGGREGATE_OFFER: &str = include_str!("../../tests/fixtures/pages/aggregate-offer.html");
    const BROKEN: &str = include_str!("../../tests/fixtures/pages/broken.html");
    const NO_PRODUCT: &str = include_str!("../../tests/fixtures/pages/no-product.html");

    const ALL: [&str; 6] = [
        OG_ONLY,
        JSON_LD_GRAPH,
        TITLE_AND_IMAGE,
        AGGREGATE_OFFER,
        BROKEN,
        NO_PRODUCT,
    ];

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    fn read(html: &str, page: &str) -> PageProduct {
        read_product(html, &url(page))
    }

    fn title(p: &PageProduct) -> Option<&str> {
        p.title.as_ref().map(ProductTitle::as_str)
    }

    fn site(p: &PageProduct) -> Option<&str> {
        p.site_name.as_ref().map(ShopName::as_str)
    }

    fn image(p: &PageProduct) -> Option<&str> {
        p.image_url.as_ref().map(HttpUrl::as_str)
    }

    fn gbp(minor_units: u64) -> Option<Price> {
        Some(Price::new(minor_units, Currency::GBP).unwrap())
    }

    #[test]
    fn an_open_graph_shop() {
        let p = read(OG_ONLY, "https://brambleandbee.example/products/muslins");
        assert_eq!(title(&p), Some("Organic muslin squares & bibs (pack of 3)"));
        assert_eq!(site(&p), Some("Bramble & Bee"));
        assert_eq!(
            image(&p),
            Some("https://cdn.brambleandbee.example/img/muslins-1200.jpg")
        );
        assert_eq!(p.price, gbp(1250));
    }

    #[test]
    fn a_json_ld_product_in_a_graph_wins_on_price() {
        let p = read(
            JSON_LD_GRAPH,
            "https://www.nurserywarehouse.example/p/oak-cot-bed",
        );
        assert_eq!(title(&p), Some("Hartley Oak Cot Bed"));
        assert_eq!(site(&p), Some("Nursery Warehouse"));
        // Open Graph's price is the old one; JSON-LD's offer is the current one.
        assert_eq!(p.price, gbp(24900));
        assert_eq!(
            image(&p),
            Some("https://www.nurserywarehouse.example/media/oak-cot-bed-main.jpg")
        );
    }

    #[test]
    fn a_page_with_only_a_title_and_a_picture() {
        let p = read(
            TITLE_AND_IMAGE,
            "https://www.bigmarket.example/dp/B0EXAMPLE1",
        );
        assert_eq!(
            title(&p),
            Some("BigMarket.example: Wooden Activity Cube – 5-in-1 Toddler Toy : Toys & Games")
        );
        assert_eq!(
            image(&p),
            Some("https://images.bigmarket.example/I/71cube-activity._SL1500_.jpg")
        );
        assert_eq!(p.price, None);
        assert_eq!(site(&p), None);
    }

    #[test]
    fn an_aggregate_offer_and_a_relative_picture() {
        let p = read(
            AGGREGATE_OFFER,
            "https://www.petitours.example/fr/peluches/ours-brun.html?ref=list",
        );
        assert_eq!(title(&p), Some("Ours en peluche « Bruno » – 30 cm"));
        assert_eq!(p.price, Some(Price::new(1850, Currency::EUR).unwrap()));
        assert_eq!(
            image(&p),
            Some("https://www.petitours.example/media/catalog/ours-brun-30.jpg")
        );
        // No og:site_name: the seller named in the offer.
        assert_eq!(site(&p), Some("Petit Ours"));
    }

    #[test]
    fn broken_html_still_gives_what_it_can() {
        let p = read(BROKEN, "http://rockinghorses.example/shop/dapple");
        assert_eq!(title(&p), Some("Dapple grey rocking horse"));
        // The JSON-LD block does not parse, so the price comes from Open Graph.
        assert_eq!(p.price, gbp(32000));
        // The data: picture is skipped for the Twitter card's.
        assert_eq!(
            image(&p),
            Some("http://rockinghorses.example/pictures/dapple.png")
        );
        assert_eq!(site(&p), Some("Rocking Horse Workshop"));
    }

    #[test]
    fn a_page_without_product_details() {
        let p = read(NO_PRODUCT, "https://blog.example/2026/05/nursery-ideas");
        assert_eq!(p, PageProduct::default());
    }

    #[test]
    fn truncated_and_mangled_pages_never_panic() {
        let page = url("https://shop.example/p/1");
        for html in ALL {
            let cuts = (0..html.len()).step_by(11).chain([html.len()]);
            for cut in cuts.filter(|&i| html.is_char_boundary(i)) {
                read_product(&html[..cut], &page);
                read_product(&html[cut..], &page);
            }
        }
        let nasty = [
            String::new(),
            "<".into(),
            "<meta".into(),
            "<meta property=og:title content=".into(),
            "<script type=application/ld+json>{\"@type\":\"Product\",\"offers\":".into(),
            format!(
                "<script type=application/ld+json>{}{}</script>",
                "[".repeat(5000),
                "]".repeat(5000)
            ),
            format!(
                "<script type=application/ld+json>{}</script>",
                "{\"@graph\":".repeat(100) + "{\"@type\":\"Product\"}" + &"}".repeat(100)
            ),
            "<div>".repeat(20_000),
            "&#xFFFFFFFF; &#0; &; &#;".into(),
        ];
        for html in &nasty {
            read_product(html, &page);
        }
    }

    #[test]
    fn json_ld_shapes() {
        let page = |json: &str| {
            read(
                &format!(r#"<script type="application/ld+json">{json}</script>"#),
                "https://shop.example/p/1",
            )
        };
        let p = page(
            r#"{"@context": "https://schema.org", "@type": ["Product", "Thing"],
                "name": "Sam &amp; Sally&#39;s tea set",
                "image": {"@type": "ImageObject", "contentUrl": "//cdn.shop.example/tea.jpg"},
                "offers": [{"@type": "Offer",
                            "priceSpecification": {"price": "24,99", "priceCurrency": "EUR"}}],
                "brand": "Teatime"}"#,
        );
        assert_eq!(title(&p), Some("Sam & Sally's tea set"));
        assert_eq!(image(&p), Some("https://cdn.shop.example/tea.jpg"));
        assert_eq!(p.price, Some(Price::new(2499, Currency::EUR).unwrap()));
        assert_eq!(site(&p), Some("Teatime"));

        let p = page(
            r#"{"@type": "WebPage",
                "mainEntity": {"@type": "http://schema.org/Product", "name": "Sleep bag",
                               "offers": {"@type": "AggregateOffer", "priceCurrency": "GBP",
                                          "offers": [{"price": 0}, {"price": "£35.000"}]}}}"#,
        );
        assert_eq!(title(&p), Some("Sleep bag"));
        assert_eq!(p.price, gbp(3500), "zero prices are skipped");

        // A price without a currency is no price.
        let p = page(r#"{"@type":"Product","name":"Rattle","offers":{"price":"5.00"}}"#);
        assert_eq!(p.price, None);
        // A product that is not a product.
        let p = page(r#"{"@type":"Organization","name":"Little Shop"}"#);
        assert_eq!(p, PageProduct::default());
    }

    #[test]
    fn texts_are_cleaned_to_fit() {
        let long = "abcdefghij ".repeat(40);
        let html = format!(
            "<title>\n  {long}\n</title>\
             <meta property='og:site_name' content='  Little\t\tShop  '>"
        );
        let p = read(&html, "https://shop.example/");
        let cut = title(&p).unwrap();
        assert_eq!(cut.chars().count(), ProductTitle::MAX_CHARS);
        assert!(cut.starts_with("abcdefghij abcdefghij ab"));
        assert_eq!(site(&p), Some("Little Shop"));

        // The shop's name is taken off the page title.
        let p = read(
            "<title>Travel cot | Little Shop</title>\
             <meta property=og:site_name content='Little Shop'>",
            "https://shop.example/",
        );
        assert_eq!(title(&p), Some("Travel cot"));
    }

    #[test]
    fn only_web_pictures_are_kept() {
        let with_image = |link: &str| {
            read(
                &format!(r#"<meta property="og:image" content="{link}">"#),
                "https://shop.example/a/b.html",
            )
        };
        assert_eq!(
            image(&with_image("../img/x.jpg")),
            Some("https://shop.example/img/x.jpg")
        );
        assert_eq!(image(&with_image("data:image/png;base64,AAAA")), None);
        assert_eq!(image(&with_image("javascript:alert(1)")), None);
        assert_eq!(image(&with_image("ftp://shop.example/x.jpg")), None);
        assert_eq!(image(&with_image("https://u:p@shop.example/x.jpg")), None);
        assert_eq!(
            image(&with_image("https://shop.example/x.jpg?a=1&amp;b=2")),
            Some("https://shop.example/x.jpg?a=1&b=2")
        );
    }

    #[test]
    fn amounts_as_shops_write_them() {
        assert_eq!(price("89.99", "GBP"), gbp(8999));
        assert_eq!(price("£89.99", "gbp"), gbp(8999));
        assert_eq!(price("89", "GBP"), gbp(8900));
        assert_eq!(price("1,299.00", "GBP"), gbp(129_900));
        assert_eq!(price("1,299", "GBP"), gbp(129_900));
        assert_eq!(price("89,99", "GBP"), gbp(8999));
        assert_eq!(price("89.990", "GBP"), gbp(8999));
        assert_eq!(price("89.999", "GBP"), None);
        assert_eq!(price("0.00", "GBP"), None);
        assert_eq!(price("free", "GBP"), None);
        assert_eq!(price("89.99", "pounds"), None);
    }
}
