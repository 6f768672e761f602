//! Catalogue files: the products that `server import-catalogue` and the local seed load.
//!
//! A catalogue file is JSON (an array of objects) or CSV (a header row, then one product a
//! line), told apart by its extension. Its fields are `title` (required), `brand`, `url`,
//! `image_url`, `price` (an amount such as `89.99`), `currency` (an ISO code such as `GBP`,
//! required with a price) and `retailer`. Every value goes through the domain's parser, and a
//! file with any bad row is refused whole, with every problem listed, so that nothing is
//! half-loaded. Loading matches products by their normalised link
//! ([`domain::normalise_product_url`]), so loading the same file again updates rather than
//! duplicates.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;

use app::ports::{Store, StoreError};
use domain::{
    normalise_product_url, CatalogueProduct, CatalogueProductId, Currency, HttpUrl, Price,
    PriceError, ProductSnapshot, ProductTitle, ShopName,
};

/// The fields of a catalogue file, in the order the documentation lists them.
pub const FIELDS: [&str; 7] = [
    "title",
    "brand",
    "url",
    "image_url",
    "price",
    "currency",
    "retailer",
];

/// One valid product of a catalogue file, not yet stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogueEntry {
    pub product: ProductSnapshot,
    pub retailer: Option<ShopName>,
}

impl CatalogueEntry {
    /// The link that identifies the product in the catalogue, if it has one.
    pub fn normalised_url(&self) -> Option<String> {
        self.product.url.as_ref().map(normalise_product_url)
    }
}

/// Where in a file a problem is: a JSON array's element, a CSV line, or the file as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// The n-th object of a JSON file, from 1.
    Row(usize),
    /// A line of a CSV file, from 1 (the header row); a quoted field may span several lines,
    /// and a record is named by its first.
    Line(usize),
    File,
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Place::Row(n) => write!(f, "row {n}"),
            Place::Line(n) => write!(f, "line {n}"),
            Place::File => f.write_str("file"),
        }
    }
}

/// One thing wrong with a catalogue file, e.g. "row 3, price: The price cannot be negative."
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub place: Place,
    /// The field or column at fault, when there is one.
    pub field: Option<String>,
    pub message: String,
}

impl Problem {
    fn new(place: Place, field: Option<&str>, message: impl fmt::Display) -> Self {
        Problem {
            place,
            field: field.map(str::to_owned),
            message: message.to_string(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(field) => write!(f, "{}, {field}: {}", self.place, self.message),
            None => write!(f, "{}: {}", self.place, self.message),
        }
    }
}

/// Why a catalogue file was refused. Nothing of it was loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogueFileError {
    #[error("{file}: a catalogue file must be .json or .csv")]
    UnknownFormat { file: String },
    #[error("{file}: cannot be read: {reason}")]
    Unreadable { file: String, reason: String },
    #[error("{file}: {} problem(s), nothing was loaded{}", problems.len(), listed(problems))]
    Invalid {
        file: String,
        problems: Vec<Problem>,
    },
}

impl CatalogueFileError {
    /// Every problem found in the file's content (none when the file could not be read or
    /// has an unknown extension).
    pub fn problems(&self) -> &[Problem] {
        match self {
            Self::Invalid { problems, .. } => problems,
            Self::UnknownFormat { .. } | Self::Unreadable { .. } => &[],
        }
    }
}

fn listed(problems: &[Problem]) -> String {
    problems.iter().map(|p| format!("\n  {p}")).collect()
}

/// What loading a catalogue did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LoadReport {
    /// Products that were not in the catalogue.
    pub created: usize,
    /// Products whose link was already in the catalogue: they keep their id.
    pub updated: usize,
}

impl fmt::Display for LoadReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} created, {} updated", self.created, self.updated)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Csv,
}

fn format_of(file_name: &str) -> Result<Format, CatalogueFileError> {
    let extension = Path::new(file_name)
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match extension.as_deref() {
        Some("json") => Ok(Format::Json),
        Some("csv") => Ok(Format::Csv),
        _ => Err(CatalogueFileError::UnknownFormat {
            file: file_name.to_owned(),
        }),
    }
}

/// Reads and parses the catalogue file at `path` (see [`parse_catalogue`]).
pub fn read_catalogue(path: &Path) -> Result<Vec<CatalogueEntry>, CatalogueFileError> {
    let file = path.display().to_string();
    format_of(&file)?;
    let text = std::fs::read_to_string(path).map_err(|e| CatalogueFileError::Unreadable {
        file: file.clone(),
        reason: e.to_string(),
    })?;
    parse_catalogue(&file, &text)
}

/// Parses a catalogue file's text, as JSON or CSV by `file_name`'s extension.
///
/// Every row is checked and every problem is returned, with its row (JSON) or line (CSV) and
/// field. Two rows whose links lead to the same product are a problem too.
pub fn parse_catalogue(
    file_name: &str,
    text: &str,
) -> Result<Vec<CatalogueEntry>, CatalogueFileError> {
    let format = format_of(file_name)?;
    // Spreadsheets often start UTF-8 files with a byte order mark.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut problems = Vec::new();
    let rows = match format {
        Format::Json => json_rows(text, &mut problems),
        Format::Csv => csv_rows(text, &mut problems),
    };
    let mut entries = Vec::with_capacity(rows.len());
    let mut links: HashMap<String, Place> = HashMap::new();
    for (place, row) in rows {
        if let Some(url) = row.get("url").and_then(|u| HttpUrl::parse(u).ok()) {
            let normalised = normalise_product_url(&url);
            if let Some(first) = links.get(&normalised) {
                let message = format!("the same product as {first} (both lead to {normalised})");
                problems.push(Problem::new(place, Some("url"), message));
            } else {
                links.insert(normalised, place);
            }
        }
        match entry(place, &row) {
            Ok(entry) => entries.push(entry),
            Err(row_problems) => problems.extend(row_problems),
        }
    }
    if problems.is_empty() {
        Ok(entries)
    } else {
        Err(CatalogueFileError::Invalid {
            file: file_name.to_owned(),
            problems,
        })
    }
}

/// A row's non-blank values by field name.
type Row = HashMap<&'static str, String>;

fn field_name(name: &str) -> Option<&'static str> {
    FIELDS.iter().copied().find(|field| *field == name)
}

fn unknown_field() -> String {
    format!("unknown field; the fields are {}", FIELDS.join(", "))
}

fn insert(row: &mut Row, field: &'static str, value: &str) {
    if !value.trim().is_empty() {
        row.insert(field, value.to_owned());
    }
}

/// The objects of a JSON array. Values are strings or null (absent); a price may also be a
/// JSON number, read by its decimal spelling.
fn json_rows(text: &str, problems: &mut Vec<Problem>) -> Vec<(Place, Row)> {
    let values: Vec<serde_json::Value> = match serde_json::from_str(text) {
        Ok(values) => values,
        Err(err) => {
            let message = format!("not a JSON array of products: {err}");
            problems.push(Problem::new(Place::File, None, message));
            return Vec::new();
        }
    };
    let mut rows = Vec::with_capacity(values.len());
    for (i, value) in values.into_iter().enumerate() {
        let place = Place::Row(i + 1);
        let serde_json::Value::Object(object) = value else {
            problems.push(Problem::new(place, None, "must be an object of fields"));
            continue;
        };
        let mut row = Row::new();
        for (name, value) in &object {
            let Some(field) = field_name(name) else {
                problems.push(Problem::new(place, Some(name), unknown_field()));
                continue;
            };
            match value {
                serde_json::Value::String(s) => insert(&mut row, field, s),
                serde_json::Value::Null => {}
                serde_json::Value::Number(n) if field == "price" => {
                    insert(&mut row, field, &n.to_string());
                }
                _ => problems.push(Problem::new(place, Some(field), "must be text")),
            }
        }
        rows.push((place, row));
    }
    rows
}

/// The records of a CSV file with a header row; quoted fields may hold commas, quotes and
/// line breaks. A header with problems is reported alone: the rows can't be read without it.
fn csv_rows(text: &str, problems: &mut Vec<Problem>) -> Vec<(Place, Row)> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(text.as_bytes());
    let header = match reader.headers() {
        Ok(header) => header.clone(),
        Err(err) => {
            problems.push(Problem::new(Place::Line(1), None, err));
            return Vec::new();
        }
    };
    let header_line = Place::Line(1);
    if header.iter().all(|name| name.trim().is_empty()) {
        problems.push(Problem::new(header_line, None, "the header row is missing"));
        return Vec::new();
    }
    let mut columns = Vec::with_capacity(header.len());
    for name in &header {
        let name = name.trim().to_ascii_lowercase();
        match field_name(&name) {
            Some(field) if columns.contains(&Some(field)) => {
                problems.push(Problem::new(header_line, Some(field), "repeated column"));
            }
            Some(field) => columns.push(Some(field)),
            None => {
                problems.push(Problem::new(header_line, Some(&name), unknown_field()));
                columns.push(None);
            }
        }
    }
    if !columns.contains(&Some("title")) {
        let message = "the header row has no title column";
        problems.push(Problem::new(header_line, None, message));
    }
    if !problems.is_empty() {
        return Vec::new();
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        match record {
            Ok(record) => {
                let line = record.position().map_or(0, |p| p.line());
                let place = Place::Line(usize::try_from(line).unwrap_or(usize::MAX));
                let mut row = Row::new();
                for (column, value) in columns.iter().zip(record.iter()) {
                    if let Some(field) = column {
                        insert(&mut row, field, value);
                    }
                }
                rows.push((place, row));
            }
            Err(err) => {
                let line = err.position().map_or(0, |p| p.line());
                let place = Place::Line(usize::try_from(line).unwrap_or(usize::MAX));
                let message = match err.kind() {
                    csv::ErrorKind::UnequalLengths {
                        expected_len, len, ..
                    } => format!("has {len} fields, but the header row has {expected_len}"),
                    _ => err.to_string(),
                };
                problems.push(Problem::new(place, None, message));
            }
        }
    }
    rows
}

/// Checks one row's values with the domain's parsers.
fn entry(place: Place, row: &Row) -> Result<CatalogueEntry, Vec<Problem>> {
    let mut problems = Vec::new();
    let value = |field: &str| row.get(field).map(String::as_str);
    let mut check = Checker {
        place,
        problems: &mut problems,
    };

    let title = check.field(
        "title",
        ProductTitle::parse(value("title").unwrap_or_default()),
    );
    let brand = check.field("brand", optional(value("brand"), ShopName::parse));
    let url = check.field("url", optional(value("url"), HttpUrl::parse));
    let image_url = check.field("image_url", optional(value("image_url"), HttpUrl::parse));
    let retailer = check.field("retailer", optional(value("retailer"), ShopName::parse));
    let price = match (value("price"), value("currency")) {
        (Some(amount), Some(currency)) => match Price::parse(amount, currency) {
            Ok(price) => Some(Some(price)),
            Err(err @ PriceError::Currency(_)) => check.field("currency", Err(err)),
            Err(err) => check.field("price", Err(err)),
        },
        (Some(_), None) => check.field("currency", Err("A price needs a currency code, like GBP.")),
        // A currency without a price says nothing, but it must still be a currency.
        (None, Some(currency)) => check.field("currency", Currency::parse(currency).map(|_| None)),
        (None, None) => Some(None),
    };

    match (title, brand, url, image_url, price, retailer) {
        (Some(title), Some(brand), Some(url), Some(image_url), Some(price), Some(retailer)) => {
            Ok(CatalogueEntry {
                product: ProductSnapshot {
                    title,
                    brand,
                    url,
                    image_url,
                    price,
                },
                retailer,
            })
        }
        _ => Err(problems),
    }
}

/// Collects the problems of one row.
struct Checker<'a> {
    place: Place,
    problems: &'a mut Vec<Problem>,
}

impl Checker<'_> {
    /// The value, or `None` once its problem is noted.
    fn field<T, E: fmt::Display>(&mut self, field: &str, result: Result<T, E>) -> Option<T> {
        result
            .map_err(|e| self.problems.push(Problem::new(self.place, Some(field), e)))
            .ok()
    }
}

/// Parses a value that may be absent (blank values never reach here).
fn optional<T, E>(
    value: Option<&str>,
    parse: impl Fn(&str) -> Result<T, E>,
) -> Result<Option<T>, E> {
    value.map(parse).transpose()
}

/// Stores the entries in the catalogue, one at a time, and says how many were new.
///
/// An entry whose link (normalised) is already in the catalogue replaces that product and
/// keeps its id; any other entry, including one without a link, becomes a new product. A store
/// failure stops the load part-way; loading the file again finishes it without duplicates.
pub async fn load(
    store: &dyn Store,
    entries: Vec<CatalogueEntry>,
) -> Result<LoadReport, StoreError> {
    let mut report = LoadReport::default();
    for entry in entries {
        let existing = match entry.normalised_url() {
            Some(url) => store.catalogue_product_by_url(&url).await?,
            None => None,
        };
        let id = match existing {
            Some(product) => {
                report.updated += 1;
                product.id
            }
            None => {
                report.created += 1;
                CatalogueProductId::generate()
            }
        };
        let product = CatalogueProduct {
            id,
            product: entry.product,
            retailer: entry.retailer,
        };
        store.put_catalogue_product(&product).await?;
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(file: &str, text: &str) -> Vec<String> {
        match parse_catalogue(file, text) {
            Ok(entries) => panic!("expected problems, got {entries:?}"),
            Err(err) => err.problems().iter().map(ToString::to_string).collect(),
        }
    }

    #[test]
    fn reads_json() {
        let text = r#"[
            {"title": "Jellycat Bashful Bunny", "brand": "Jellycat",
             "url": "https://www.amazon.co.uk/Jellycat/dp/B0EXAMPLE1/ref=sr_1_1?keywords=x",
             "image_url": "https://images.example/bunny.jpg",
             "price": "24.99", "currency": "gbp", "retailer": "Amazon"},
            {"title": "  Wooden rainbow  ", "price": 18.5, "currency": "EUR", "brand": null},
            {"title": "Card", "brand": ""}
        ]"#;
        let entries = parse_catalogue("products.json", text).unwrap();
        assert_eq!(entries.len(), 3);
        let bunny = &entries[0];
        assert_eq!(bunny.product.title.as_str(), "Jellycat Bashful Bunny");
        assert_eq!(bunny.product.brand.as_ref().unwrap().as_str(), "Jellycat");
        assert_eq!(
            bunny.normalised_url().unwrap(),
            "https://www.amazon.co.uk/dp/B0EXAMPLE1"
        );
        assert_eq!(
            bunny.product.image_url.as_ref().unwrap().as_str(),
            "https://images.example/bunny.jpg"
        );
        assert_eq!(
            bunny.product.price,
            Some(Price::parse("24.99", "GBP").unwrap())
        );
        assert_eq!(bunny.retailer.as_ref().unwrap().as_str(), "Amazon");
        let rainbow = &entries[1];
        assert_eq!(rainbow.product.title.as_str(), "Wooden rainbow");
        assert_eq!(
            rainbow.product.price,
            Some(Price::parse("18.50", "EUR").unwrap())
        );
        assert_eq!(rainbow.product.brand, None);
        assert_eq!(rainbow.product.url, None);
        assert_eq!(entries[2].product.brand, None);
        assert_eq!(entries[2].product.price, None);
    }

    #[test]
    fn reads_csv_with_quotes_and_empty_fields() {
        let text = "title,brand,url,price,currency,retailer\n\
            \"Muslin squares, pack of 6\",Aden + Anais,https://shop.example/muslins?ref=x,\"1,299.00\",GBP,\n\
            \"The \"\"Very Hungry\"\" Caterpillar\",,https://shop.example/book,7.99,GBP,Book Shop\n\
            \"A card\nwith two lines\",,,,,\n";
        // The third record's title has a line break: the title parser refuses it, on line 4.
        assert_eq!(
            problems("list.CSV", text),
            ["line 4, title: The product title must not contain tabs or other control characters."]
        );

        let text = text.replace("\"A card\nwith two lines\",,,,,\n", "");
        let entries = parse_catalogue("list.csv", &text).unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(
            entries[0].product.title.as_str(),
            "Muslin squares, pack of 6"
        );
        assert_eq!(
            entries[0].product.brand.as_ref().unwrap().as_str(),
            "Aden + Anais"
        );
        assert_eq!(entries[0].product.price.unwrap().minor_units(), 129_900);
        assert_eq!(entries[0].retailer, None);
        assert_eq!(
            entries[0].normalised_url().as_deref(),
            Some("https://shop.example/muslins")
        );
        assert_eq!(
            entries[1].product.title.as_str(),
            "The \"Very Hungry\" Caterpillar"
        );
        assert_eq!(entries[1].product.brand, None);
        assert_eq!(entries[1].retailer.as_ref().unwrap().as_str(), "Book Shop");
    }

    #[test]
    fn csv_header_is_case_insensitive_and_may_leave_columns_out() {
        let text = "\u{feff}Title , URL\nPlay mat,https://shop.example/mat\n";
        let entries = parse_catalogue("c.csv", text).unwrap();
        assert_eq!(entries[0].product.title.as_str(), "Play mat");
        assert!(entries[0].product.url.is_some());
    }

    #[test]
    fn a_missing_title_is_refused() {
        assert_eq!(
            problems("c.json", r#"[{"title": "Fine"}, {"brand": "Lego"}]"#),
            ["row 2, title: The product title must not be empty."]
        );
        assert_eq!(
            problems("c.csv", "title,brand\nFine,\n  ,Lego\n"),
            ["line 3, title: The product title must not be empty."]
        );
        assert_eq!(
            problems("c.csv", "brand,url\nLego,\n"),
            ["line 1: the header row has no title column"]
        );
    }

    #[test]
    fn a_bad_price_is_refused_with_the_domain_message() {
        assert_eq!(
            problems(
                "c.json",
                r#"[{"title": "Cot", "price": "£89.99", "currency": "GBP"}]"#
            ),
            ["row 1, price: Please enter the price as a number, like 19.99."]
        );
        assert_eq!(
            problems(
                "c.json",
                r#"[{"title": "Cot", "price": 89.999, "currency": "GBP"}]"#
            ),
            ["row 1, price: The price can have at most 2 decimal places."]
        );
        assert_eq!(
            problems("c.csv", "title,price,currency\nCot,89.99,pounds\n"),
            ["line 2, currency: The currency must be a 3-letter code, like GBP."]
        );
    }

    #[test]
    fn a_price_needs_a_currency() {
        assert_eq!(
            problems("c.json", r#"[{"title": "Cot", "price": "89.99"}]"#),
            ["row 1, currency: A price needs a currency code, like GBP."]
        );
        assert_eq!(
            problems("c.csv", "title,price,currency\nCot,89.99,\n"),
            ["line 2, currency: A price needs a currency code, like GBP."]
        );
        // A currency alone is allowed (a spreadsheet column filled in for every row).
        let entries = parse_catalogue("c.csv", "title,price,currency\nCot,,GBP\n").unwrap();
        assert_eq!(entries[0].product.price, None);
    }

    #[test]
    fn unknown_fields_and_wrong_types_are_refused() {
        assert_eq!(
            problems("c.json", r#"[{"title": "Cot", "colour": "white", "brand": 5}]"#),
            [
                "row 1, brand: must be text",
                "row 1, colour: unknown field; the fields are title, brand, url, image_url, price, currency, retailer",
            ]
        );
        assert_eq!(
            problems("c.csv", "title,colour,title\nCot,white,Cot\n"),
            [
                "line 1, colour: unknown field; the fields are title, brand, url, image_url, price, currency, retailer",
                "line 1, title: repeated column",
            ]
        );
        assert_eq!(
            problems("c.json", r#"["Cot"]"#),
            ["row 1: must be an object of fields"]
        );
    }

    #[test]
    fn malformed_files_are_refused() {
        let json = problems("c.json", r#"{"title": "Cot"}"#);
        assert_eq!(json.len(), 1);
        assert!(
            json[0].starts_with("file: not a JSON array of products: "),
            "{json:?}"
        );
        assert_eq!(
            problems("c.csv", "title,brand\nCot\n"),
            ["line 2: has 1 fields, but the header row has 2"]
        );
        assert_eq!(problems("c.csv", ""), ["line 1: the header row is missing"]);
    }

    #[test]
    fn links_to_the_same_product_are_refused() {
        let text = r#"[
            {"title": "Monitor", "url": "https://www.amazon.co.uk/Baby-Monitor/dp/B07XJ8C8F5/ref=sr_1_3"},
            {"title": "Blanket", "url": "https://shop.example/blanket"},
            {"title": "Monitor again", "url": "http://amazon.co.uk/gp/product/b07xj8c8f5?tag=x"}
        ]"#;
        assert_eq!(
            problems("c.json", text),
            ["row 3, url: the same product as row 1 (both lead to https://www.amazon.co.uk/dp/B07XJ8C8F5)"]
        );
    }

    #[test]
    fn only_json_and_csv_files_are_read() {
        for name in ["c.txt", "c", "json", "c.json.bak", "c.xlsx"] {
            assert_eq!(
                parse_catalogue(name, "[]"),
                Err(CatalogueFileError::UnknownFormat {
                    file: name.to_owned()
                }),
                "{name}"
            );
        }
        assert_eq!(parse_catalogue("c.json", "[]"), Ok(Vec::new()));
        assert_eq!(parse_catalogue("c.csv", "title\n"), Ok(Vec::new()));
    }

    #[test]
    fn every_bad_row_is_listed_and_nothing_is_kept() {
        let text = "title,url,image_url,price,currency\n\
            Good,https://shop.example/a,,5,GBP\n\
            ,https://shop.example/b,,5,GBP\n\
            Bad link,shop.example/c,ftp://images.example/c.png,5,GBP\n\
            Negative,https://shop.example/d,,-5,GBP\n\
            Same,https://SHOP.example/a/?x=1,,5,GBP\n";
        let err = parse_catalogue("c.csv", text).unwrap_err();
        let listed: Vec<String> = err.problems().iter().map(ToString::to_string).collect();
        assert_eq!(
            listed,
            [
                "line 3, title: The product title must not be empty.",
                "line 4, url: This doesn't look like a web link; it should start with https://.",
                "line 4, image_url: The link must start with http:// or https://.",
                "line 5, price: The price cannot be negative.",
                "line 6, url: the same product as line 2 (both lead to https://shop.example/a)",
            ]
        );
        let message = err.to_string();
        assert!(message.starts_with("c.csv: 5 problem(s), nothing was loaded\n  line 3, title: "));
        assert_eq!(message.lines().count(), 6, "{message}");
    }

    #[test]
    fn the_sample_file_is_valid() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/catalogue-sample.json");
        let entries = read_catalogue(&path).unwrap();
        assert!((6..=8).contains(&entries.len()));
        assert!(entries.iter().all(|e| e.product.url.is_some()));
        assert!(entries.iter().any(|e| e.product.price.is_none()));
    }

    #[test]
    fn an_unreadable_file_is_named() {
        let err = read_catalogue(Path::new("/nonexistent/catalogue.json")).unwrap_err();
        assert!(
            matches!(err, CatalogueFileError::Unreadable { .. }),
            "{err}"
        );
        assert!(err
            .to_string()
            .starts_with("/nonexistent/catalogue.json: cannot be read"));
    }
}
