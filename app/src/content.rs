//! The site's written pages and list-ideas articles: Markdown files in `content/`, built into
//! the binary and read once, on first use. Each file starts with a header of `key: value`
//! lines (`title`, `description`; an article also `occasion`) ended by a line `---`.
//!
//! An article's products are its `## ` sections, each opened by a line
//! `product: <title> | <shop> | <price in pounds> | <link>`, parsed into the domain's types,
//! so a product an owner adds from an article is held to the same rules as one they type.
//!
//! Markdown is the files' own (written by the team): it is rendered with raw HTML turned into
//! text all the same, so a page can never carry markup or script that the policy would have to
//! allow. `server` refuses to start when a file is bad ([`check`]); a unit test reads every
//! file, so a bad one fails the build's tests first.

use std::sync::LazyLock;

use domain::{HttpUrl, Occasion, Price, ProductTitle, ShopName};

/// A written page such as the FAQ.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub title: String,
    pub description: String,
    /// The body, as HTML.
    pub html: String,
}

/// A list-ideas article.
#[derive(Debug, Clone, PartialEq)]
pub struct Idea {
    /// Its address under `/ideas/`: the file's name.
    pub slug: &'static str,
    pub title: String,
    pub description: String,
    pub occasion: Occasion,
    /// What comes before the first product, as HTML.
    pub intro_html: String,
    pub products: Vec<IdeaProduct>,
}

/// One product of an article.
#[derive(Debug, Clone, PartialEq)]
pub struct IdeaProduct {
    /// The section's heading.
    pub heading: String,
    pub title: ProductTitle,
    pub shop: ShopName,
    pub price: Price,
    pub url: HttpUrl,
    /// Why it is a good gift, as HTML.
    pub about_html: String,
}

/// A file that cannot be read as a page or an article.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("content/{file}, line {line}: {problem}")]
pub struct ContentError {
    pub file: String,
    pub line: usize,
    pub problem: String,
}

/// The written pages, by address (their file is `content/pages/<slug>.md`).
const PAGES: [(&str, &str); 4] = [
    (
        "how-it-works",
        include_str!("../../content/pages/how-it-works.md"),
    ),
    ("faq", include_str!("../../content/pages/faq.md")),
    ("terms", include_str!("../../content/pages/terms.md")),
    ("cookies", include_str!("../../content/pages/cookies.md")),
];

/// The articles, in the order the ideas page lists them (`content/ideas/<slug>.md`).
const IDEAS: [(&str, &str); 3] = [
    (
        "baby-shower",
        include_str!("../../content/ideas/baby-shower.md"),
    ),
    (
        "christening",
        include_str!("../../content/ideas/christening.md"),
    ),
    (
        "first-birthday",
        include_str!("../../content/ideas/first-birthday.md"),
    ),
];

struct Content {
    pages: Vec<(&'static str, Page)>,
    ideas: Vec<Idea>,
}

static CONTENT: LazyLock<Result<Content, ContentError>> = LazyLock::new(|| {
    let pages = PAGES
        .iter()
        .map(|(slug, text)| Ok((*slug, read_page(&format!("pages/{slug}.md"), text)?)))
        .collect::<Result<_, ContentError>>()?;
    let ideas = IDEAS
        .iter()
        .map(|(slug, text)| read_idea(slug, text))
        .collect::<Result<_, _>>()?;
    Ok(Content { pages, ideas })
});

/// Whether every file reads; the first problem otherwise.
pub fn check() -> Result<(), ContentError> {
    CONTENT.as_ref().map(|_| ()).map_err(Clone::clone)
}

/// The page at `/<slug>`, if there is one.
pub fn page(slug: &str) -> Option<&'static Page> {
    let content = CONTENT.as_ref().ok()?;
    content
        .pages
        .iter()
        .find(|(s, _)| *s == slug)
        .map(|(_, p)| p)
}

/// Every article, in order.
pub fn ideas() -> &'static [Idea] {
    CONTENT.as_ref().map_or(&[], |c| c.ideas.as_slice())
}

/// The article at `/ideas/<slug>`, if there is one.
pub fn idea(slug: &str) -> Option<&'static Idea> {
    ideas().iter().find(|idea| idea.slug == slug)
}

/// Markdown to HTML, with any raw HTML in it shown as text.
pub fn markdown(text: &str) -> String {
    use pulldown_cmark::{Event, Parser};
    let events = Parser::new(text).map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        other => other,
    });
    let mut html = String::with_capacity(text.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events);
    html
}

/// A file's header (`key: value` lines up to `---`), the body, and the body's first line number.
struct Parts<'a> {
    file: String,
    header: Vec<(usize, &'a str, &'a str)>,
    body: &'a str,
    body_line: usize,
}

impl<'a> Parts<'a> {
    fn split(file: &str, text: &'a str) -> Result<Self, ContentError> {
        let fail = |line, problem: &str| ContentError {
            file: file.to_owned(),
            line,
            problem: problem.to_owned(),
        };
        let mut header = Vec::new();
        let mut offset = 0;
        for (index, line) in text.split_inclusive('\n').enumerate() {
            offset += line.len();
            let line = line.trim_end();
            if line == "---" {
                return Ok(Self {
                    file: file.to_owned(),
                    header,
                    body: &text[offset..],
                    body_line: index + 2,
                });
            }
            let (key, value) = line
                .split_once(": ")
                .ok_or_else(|| fail(index + 1, "expected `key: value` or `---`"))?;
            header.push((index + 1, key.trim(), value.trim()));
        }
        Err(fail(1, "no `---` line ends the header"))
    }

    fn fail(&self, line: usize, problem: impl Into<String>) -> ContentError {
        ContentError {
            file: self.file.clone(),
            line,
            problem: problem.into(),
        }
    }

    /// The header's `key`, which must be there and not be blank.
    fn get(&self, key: &str) -> Result<(usize, &'a str), ContentError> {
        self.header
            .iter()
            .find(|(_, k, _)| *k == key)
            .filter(|(_, _, v)| !v.is_empty())
            .map(|(line, _, value)| (*line, *value))
            .ok_or_else(|| self.fail(1, format!("the header has no `{key}:`")))
    }

    fn title_and_description(&self) -> Result<(String, String), ContentError> {
        let (_, title) = self.get("title")?;
        let (line, description) = self.get("description")?;
        let length = description.chars().count();
        if !(50..=200).contains(&length) {
            return Err(self.fail(
                line,
                format!("a description of {length} characters (search results show 50 to 200)"),
            ));
        }
        if self.body.trim_start().starts_with("# ") {
            return Err(self.fail(
                self.body_line,
                "the page shows the title itself: no `# ` heading",
            ));
        }
        Ok((title.to_owned(), description.to_owned()))
    }
}

fn read_page(file: &str, text: &str) -> Result<Page, ContentError> {
    let parts = Parts::split(file, text)?;
    let (title, description) = parts.title_and_description()?;
    Ok(Page {
        title,
        description,
        html: markdown(parts.body),
    })
}

/// An article's `## ` section as it is read.
struct Section {
    heading: String,
    /// The heading's line.
    line: usize,
    /// The `product:` line's number and text.
    product: Option<(usize, String)>,
    about: String,
}

fn read_idea(slug: &'static str, text: &str) -> Result<Idea, ContentError> {
    let parts = Parts::split(&format!("ideas/{slug}.md"), text)?;
    let (title, description) = parts.title_and_description()?;
    let (line, occasion) = parts.get("occasion")?;
    let occasion = Occasion::parse(occasion).map_err(|e| parts.fail(line, e.to_string()))?;
    let mut intro = String::new();
    let mut products = Vec::new();
    let mut section: Option<Section> = None;
    let mut finish = |section: Option<Section>| {
        let Some(section) = section else {
            return Ok(());
        };
        let (line, product) = section
            .product
            .ok_or_else(|| parts.fail(section.line, "a `## ` section without a `product:` line"))?;
        products.push(read_product(
            &parts,
            line,
            &product,
            section.heading,
            &section.about,
        )?);
        Ok::<_, ContentError>(())
    };
    for (index, line) in parts.body.lines().enumerate() {
        let number = parts.body_line + index;
        if let Some(heading) = line.strip_prefix("## ") {
            finish(section.take())?;
            section = Some(Section {
                heading: heading.trim().to_owned(),
                line: number,
                product: None,
                about: String::new(),
            });
            continue;
        }
        match &mut section {
            None => {
                intro.push_str(line);
                intro.push('\n');
            }
            Some(Section {
                product: product @ None,
                ..
            }) if line.starts_with("product:") => {
                *product = Some((number, line["product:".len()..].trim().to_owned()));
            }
            Some(Section { about, .. }) => {
                about.push_str(line);
                about.push('\n');
            }
        }
    }
    finish(section.take())?;
    if products.is_empty() {
        return Err(parts.fail(parts.body_line, "an article with no products"));
    }
    Ok(Idea {
        slug,
        title,
        description,
        occasion,
        intro_html: markdown(&intro),
        products,
    })
}

fn read_product(
    parts: &Parts<'_>,
    line: usize,
    text: &str,
    heading: String,
    about: &str,
) -> Result<IdeaProduct, ContentError> {
    let fields: Vec<&str> = text.split(" | ").map(str::trim).collect();
    let [title, shop, price, url] = fields[..] else {
        return Err(parts.fail(line, "expected `product: title | shop | price | link`"));
    };
    let fail = |what: &str, problem: String| parts.fail(line, format!("{what}: {problem}"));
    Ok(IdeaProduct {
        heading,
        title: ProductTitle::parse(title).map_err(|e| fail("title", e.to_string()))?,
        shop: ShopName::parse(shop).map_err(|e| fail("shop", e.to_string()))?,
        price: Price::parse(price, "GBP").map_err(|e| fail("price", e.to_string()))?,
        url: HttpUrl::parse(url).map_err(|e| fail("link", e.to_string()))?,
        about_html: markdown(about),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_in_content_is_read_and_listed() {
        check().unwrap();
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../content");
        for (kind, listed) in [
            ("pages", PAGES.map(|(slug, _)| slug).to_vec()),
            ("ideas", IDEAS.map(|(slug, _)| slug).to_vec()),
        ] {
            for entry in std::fs::read_dir(format!("{dir}/{kind}")).unwrap() {
                let name = entry.unwrap().file_name().into_string().unwrap();
                let slug = name.strip_suffix(".md").unwrap_or(&name);
                assert!(
                    listed.contains(&slug),
                    "content/{kind}/{name} is not listed"
                );
            }
        }
        for (slug, _) in PAGES {
            assert!(page(slug).is_some_and(|p| p.html.contains("<p>")), "{slug}");
        }
        assert_eq!(ideas().len(), IDEAS.len());
        assert!(ideas().iter().all(|idea| idea.products.len() >= 3));
    }

    #[test]
    fn raw_html_in_markdown_is_shown_as_text() {
        let html = markdown(
            "Hi <script>alert(1)</script> and <b>bold</b>\n\n<div onclick=x>block</div>\n",
        );
        assert!(!html.contains("<script") && !html.contains("<b>") && !html.contains("<div"));
        assert!(html.contains("&lt;script&gt;"), "{html}");
    }

    #[test]
    fn an_article_s_products_are_parsed_into_the_domain_s_types() {
        let text = "title: Ideas\ndescription: A description that is long enough to be shown in search results.\noccasion: birthday\n---\nIntro.\n\n## Teddy\n\nproduct: Teddy bear | Argos | 1,299.50 | https://www.argos.co.uk/search/teddy/\n\nSoft.\n";
        let idea = read_idea("x", text).unwrap();
        assert_eq!(idea.occasion, Occasion::Birthday);
        let teddy = &idea.products[0];
        assert_eq!(teddy.heading, "Teddy");
        assert_eq!(teddy.title.as_str(), "Teddy bear");
        assert_eq!(teddy.price.minor_units(), 129_950);
        assert!(teddy.about_html.contains("Soft."));
        assert!(idea.intro_html.contains("Intro."));
    }

    #[test]
    fn a_bad_file_names_its_line_and_problem() {
        let head = "title: Ideas\ndescription: A description that is long enough to be shown in search results.\n";
        let cases = [
            ("title: x\n", "no `---`"),
            ("title: Ideas\n---\nBody\n", "no `description:`"),
            ("title: Ideas\ndescription: short\n---\nBody\n", "characters"),
            (&format!("{head}occasion: wedding\n---\n## A\nproduct: a | b | 1 | https://x.example/\n"), "line 3"),
            (&format!("{head}occasion: birthday\n---\n## A\nproduct: a | b | ten | https://x.example/\n"), "price"),
            (&format!("{head}occasion: birthday\n---\n## A\nproduct: a | b | 1 | javascript:alert(1)\n"), "link"),
            (&format!("{head}occasion: birthday\n---\n## A\nNo product line.\n"), "without a `product:`"),
            (&format!("{head}occasion: birthday\n---\n# Title again\n"), "no `# ` heading"),
        ];
        for (text, says) in cases {
            let err = read_idea("x", text).unwrap_err().to_string();
            assert!(err.contains(says), "{text:?}: {err}");
        }
    }
}
