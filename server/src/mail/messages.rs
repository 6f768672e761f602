//! What each email says: a pure function from a [`Mail`] and the site's address to a
//! [`Message`] with a subject, an HTML part and a plain-text part.
//!
//! Each kind of mail only writes plain text (a greeting, paragraphs, an optional button, a
//! sign-off). One layout turns that into both parts, and it is the only place that writes
//! HTML, so every value is escaped there and nowhere else. The HTML is self-contained: inline
//! styles, no images, nothing loaded from elsewhere.

use app::ports::Mail;
use domain::Email;
use url::Url;

/// The site's rose, as in the app's theme colour.
const ROSE: &str = "#be3455";
/// Body text (stone-800).
const INK: &str = "#292524";
/// Small print (stone-500).
const MUTED: &str = "#78716c";
/// Around the card (stone-100).
const BACKDROP: &str = "#f5f5f4";
/// The footer's rule (stone-200).
const RULE: &str = "#e7e5e4";

/// An email ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub to: Email,
    /// One line.
    pub subject: String,
    pub html: String,
    pub text: String,
}

/// Writes `mail` in the site's look; links point into `site` (the public origin).
pub fn render(mail: &Mail, site: &Url) -> Message {
    let (to, content) = match mail {
        Mail::Welcome { to, name } => (to, welcome(name.as_str(), site)),
    };
    Message {
        to: to.clone(),
        subject: one_line(&content.subject),
        html: html(&content, site),
        text: text(&content, site),
    }
}

/// A short name for the kind of mail, for logs (never the address or the contents).
pub fn kind(mail: &Mail) -> &'static str {
    match mail {
        Mail::Welcome { .. } => "welcome",
    }
}

/// What one email says, as plain text. The layout escapes every field.
struct Content {
    subject: String,
    /// The opening line, e.g. "Hello Ann,".
    greeting: String,
    /// Paragraphs before the button.
    intro: Vec<String>,
    action: Option<Action>,
    /// Paragraphs after the button.
    outro: Vec<String>,
    /// The sign-off, one line each.
    sign_off: Vec<String>,
    /// Why the person gets this email, in the footer.
    reason: String,
}

/// The one button of an email.
struct Action {
    label: String,
    url: Url,
}

fn welcome(name: &str, site: &Url) -> Content {
    Content {
        subject: "Welcome to Ewelists".to_owned(),
        greeting: format!("Hello {name},"),
        intro: vec![
            "Your Ewelists account is ready.".to_owned(),
            "Make a list for an occasion, like a baby shower, a birthday or Christmas, add \
             gifts from any shop, and share one link with family and friends."
                .to_owned(),
        ],
        action: Some(Action {
            label: "Create your first list".to_owned(),
            url: site.clone(),
        }),
        outro: vec![
            "Your guests reserve gifts without an account, so nobody buys the same present twice."
                .to_owned(),
        ],
        sign_off: vec!["Happy gifting,".to_owned(), "The Ewelists team".to_owned()],
        reason: "You're receiving this email because you just created an Ewelists account."
            .to_owned(),
    }
}

/// The HTML part: a white card with the brand, the content, the button and a small footer.
fn html(content: &Content, site: &Url) -> String {
    let mut body = String::new();
    body.push_str(&paragraph(&content.greeting));
    for p in &content.intro {
        body.push_str(&paragraph(p));
    }
    let action = match &content.action {
        Some(action) => format!(
            r#"<tr><td style="padding:8px 32px 16px;">
<a href="{href}" style="display:inline-block;background-color:{ROSE};color:#ffffff;font-weight:bold;text-decoration:none;padding:12px 24px;border-radius:6px;">{label}</a>
<p style="margin:16px 0 0;font-size:13px;color:{MUTED};">If the button doesn't work, open this link: <a href="{href}" style="color:{ROSE};">{url}</a></p>
</td></tr>
"#,
            href = escape(action.url.as_str()),
            url = escape(action.url.as_str()),
            label = escape(&action.label),
        ),
        None => String::new(),
    };
    let mut after = String::new();
    for p in &content.outro {
        after.push_str(&paragraph(p));
    }
    if !content.sign_off.is_empty() {
        let lines: Vec<String> = content.sign_off.iter().map(|l| escape(l)).collect();
        after.push_str(&format!(
            "<p style=\"margin:0 0 16px;\">{}</p>\n",
            lines.join("<br>")
        ));
    }
    format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<title>{title}</title>
</head>
<body style="margin:0;padding:0;background-color:{BACKDROP};">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background-color:{BACKDROP};">
<tr><td align="center" style="padding:24px 12px;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="max-width:560px;background-color:#ffffff;border-radius:8px;font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;font-size:16px;line-height:1.5;color:{INK};text-align:left;">
<tr><td style="padding:24px 32px 8px;font-size:24px;font-weight:bold;color:{ROSE};">Ewelists</td></tr>
<tr><td style="padding:8px 32px 0;">
{body}</td></tr>
{action}<tr><td style="padding:0 32px 8px;">
{after}</td></tr>
<tr><td style="padding:16px 32px 24px;border-top:1px solid {RULE};font-size:13px;color:{MUTED};">
{reason}<br>
<a href="{site_href}" style="color:{ROSE};">{site_name}</a>
</td></tr>
</table>
</td></tr>
</table>
</body>
</html>
"#,
        title = escape(&one_line(&content.subject)),
        reason = escape(&content.reason),
        site_href = escape(site.as_str()),
        site_name = escape(&site_name(site)),
    )
}

fn paragraph(text: &str) -> String {
    format!("<p style=\"margin:0 0 16px;\">{}</p>\n", escape(text))
}

/// The plain-text part: the same content, with the button written as its link.
fn text(content: &Content, site: &Url) -> String {
    let mut blocks = vec!["Ewelists".to_owned(), content.greeting.clone()];
    blocks.extend(content.intro.iter().cloned());
    if let Some(action) = &content.action {
        blocks.push(format!("{}: {}", action.label, action.url));
    }
    blocks.extend(content.outro.iter().cloned());
    if !content.sign_off.is_empty() {
        blocks.push(content.sign_off.join("\n"));
    }
    blocks.push(format!("--\n{}\nEwelists: {site}", content.reason));
    let mut out = blocks.join("\n\n");
    out.push('\n');
    out
}

/// The site as people write it: the host, with the port when there is one.
fn site_name(site: &Url) -> String {
    match (site.host_str(), site.port()) {
        (Some(host), Some(port)) => format!("{host}:{port}"),
        (Some(host), None) => host.to_owned(),
        (None, _) => site.to_string(),
    }
}

/// Control characters (line breaks included) become spaces, so a subject stays one header line.
fn one_line(s: &str) -> String {
    let spaced: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    spaced.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Escapes text for HTML, in element content and in quoted attribute values.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use domain::PersonName;

    use super::*;

    fn site() -> Url {
        Url::parse("http://localhost:3000").unwrap()
    }

    fn welcome_to(name: &str) -> Message {
        let mail = Mail::Welcome {
            to: Email::parse("ann@example.com").unwrap(),
            name: PersonName::parse(name).unwrap(),
        };
        render(&mail, &site())
    }

    #[test]
    fn escape_replaces_the_five_html_specials() {
        for (raw, escaped) in [
            ("&", "&amp;"),
            ("<", "&lt;"),
            (">", "&gt;"),
            ("\"", "&quot;"),
            ("'", "&#39;"),
            ("plain text, é ✓", "plain text, é ✓"),
            ("", ""),
            ("a<b>&\"c'", "a&lt;b&gt;&amp;&quot;c&#39;"),
            ("&amp;", "&amp;amp;"),
        ] {
            assert_eq!(escape(raw), escaped, "escaping {raw:?}");
        }
    }

    #[test]
    fn welcome_greets_the_person_and_links_to_the_site() {
        let m = welcome_to("Ann Smith");
        assert_eq!(m.to.as_str(), "ann@example.com");
        assert_eq!(m.subject, "Welcome to Ewelists");
        assert!(m.html.contains("Hello Ann Smith,"), "{}", m.html);
        assert!(m.text.contains("Hello Ann Smith,"), "{}", m.text);
        assert!(m.html.contains(r#"href="http://localhost:3000/""#));
        assert!(m.html.contains("Create your first list</a>"));
        assert!(m
            .text
            .contains("Create your first list: http://localhost:3000/"));
        assert!(m.html.contains("account is ready"));
        assert!(m.text.contains("account is ready"));
    }

    #[test]
    fn welcome_escapes_the_name_in_html_and_keeps_it_readable_in_text() {
        let name = r#"<script>alert("x")</script> & "Bob's""#;
        let m = welcome_to(name);
        assert!(m.html.contains(
            "Hello &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;Bob&#39;s&quot;,"
        ));
        assert!(!m.html.contains("<script"));
        assert!(m.text.contains(&format!("Hello {name},")));
    }

    #[test]
    fn the_subject_is_one_line() {
        let m = welcome_to("Ann");
        assert!(!m.subject.contains(['\n', '\r']));
        assert_eq!(one_line(" Hello\r\nthere\t you "), "Hello there you");
    }

    #[test]
    fn the_html_loads_nothing_from_elsewhere() {
        let m = welcome_to("Ann");
        assert!(!m.html.contains("<img"));
        assert!(!m.html.contains("src="));
        assert!(!m.html.contains("<link"));
        assert!(!m.html.contains("<script"));
        assert!(m.html.contains(ROSE));
    }

    #[test]
    fn the_footer_names_the_site_with_its_port() {
        let m = welcome_to("Ann");
        assert!(m.html.contains(">localhost:3000</a>"));
        assert!(m.text.contains("Ewelists: http://localhost:3000/"));
        let m = render(
            &Mail::Welcome {
                to: Email::parse("ann@example.com").unwrap(),
                name: PersonName::parse("Ann").unwrap(),
            },
            &Url::parse("https://ewelists.com").unwrap(),
        );
        assert!(m.html.contains(
            r#"<a href="https://ewelists.com/" style="color:#be3455;">ewelists.com</a>"#
        ));
    }

    #[test]
    fn kinds_are_named_for_logs() {
        let mail = Mail::Welcome {
            to: Email::parse("ann@example.com").unwrap(),
            name: PersonName::parse("Ann").unwrap(),
        };
        assert_eq!(kind(&mail), "welcome");
    }
}
