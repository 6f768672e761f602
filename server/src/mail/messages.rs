//! What each email says: a pure function from a [`Mail`] and the site's address to a
//! [`Message`] with a subject, an HTML part and a plain-text part.
//!
//! Each kind of mail only writes plain text (a greeting, paragraphs, an optional button, a few
//! optional links under it, a sign-off). One layout turns that into both parts, and it is the
//! only place that writes HTML, so every value is escaped there and nowhere else. The HTML is
//! self-contained: inline styles, no images, nothing loaded from elsewhere.

use app::ports::Mail;
use domain::{ContactText, Email, PersonName, ProductTitle, Quantity, Title};
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

/// Most characters of a gift's or a list's title in a subject; longer ones end with "…".
const SUBJECT_TITLE_CHARS: usize = 80;

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
        Mail::ReservationConfirmed {
            to,
            guest_name,
            gift,
            quantity,
            list_title,
            list_url,
            manage_url,
        } => (
            to,
            reservation_confirmed(Reserved {
                guest_name,
                gift,
                quantity: *quantity,
                list_title,
                list_url: &link(list_url, site),
                manage_url: &link(manage_url, site),
            }),
        ),
        Mail::PurchaseConfirmed {
            to,
            guest_name,
            gift,
            quantity,
            list_title,
            list_url,
        } => (
            to,
            purchase_confirmed(
                guest_name,
                gift,
                *quantity,
                list_title,
                &link(list_url, site),
            ),
        ),
        Mail::GiftBought {
            to,
            owner_name,
            gift,
            quantity,
            guest_name,
            list_title,
            list_url,
        } => (
            to,
            gift_bought(
                owner_name,
                gift,
                *quantity,
                guest_name.as_ref(),
                list_title,
                &link(list_url, site),
            ),
        ),
        Mail::ContactReceived {
            to,
            from_name,
            from_email,
            message,
            reference,
        } => (
            to,
            contact_received(from_name, from_email, message, reference),
        ),
        Mail::ContactCopy { to, name, message } => (to, contact_copy(name, message)),
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
        Mail::ReservationConfirmed { .. } => "reservation_confirmed",
        Mail::PurchaseConfirmed { .. } => "purchase_confirmed",
        Mail::GiftBought { .. } => "gift_bought",
        Mail::ContactReceived { .. } => "contact_received",
        Mail::ContactCopy { .. } => "contact_copy",
    }
}

/// What one email says, as plain text. The layout escapes every field.
struct Content {
    subject: String,
    /// The opening line, e.g. "Hello Ann,".
    greeting: String,
    /// Paragraphs before the button.
    intro: Vec<String>,
    /// The one button.
    action: Option<Link>,
    /// Smaller links under the button (or under the intro when there is no button).
    links: Vec<Link>,
    /// Paragraphs after the button and the links.
    outro: Vec<String>,
    /// The sign-off, one line each.
    sign_off: Vec<String>,
    /// Why the person gets this email, in the footer.
    reason: String,
}

/// A labelled link: the button, or one of the links under it.
struct Link {
    label: String,
    url: Url,
}

fn sign_off() -> Vec<String> {
    vec!["Happy gifting,".to_owned(), "The Ewelists team".to_owned()]
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
        action: Some(Link {
            label: "Create your first list".to_owned(),
            url: site.clone(),
        }),
        links: Vec::new(),
        outro: vec![
            "Your guests reserve gifts without an account, so nobody buys the same present twice."
                .to_owned(),
        ],
        sign_off: sign_off(),
        reason: "You're receiving this email because you just created an Ewelists account."
            .to_owned(),
    }
}

/// A contact message's lines as paragraphs (blank lines dropped).
fn paragraphs(message: &ContactText) -> Vec<String> {
    message
        .as_str()
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(str::to_owned)
        .collect()
}

/// To the team: who wrote, their address to answer, and what they wrote.
fn contact_received(
    from_name: &PersonName,
    from_email: &Email,
    message: &ContactText,
    reference: &str,
) -> Content {
    let mut intro = vec![format!(
        "{from_name} <{from_email}> wrote on the contact page (message {reference}):"
    )];
    intro.extend(paragraphs(message));
    Content {
        subject: format!(
            "Contact: {}",
            shorten(from_name.as_str(), SUBJECT_TITLE_CHARS)
        ),
        greeting: "Hello team,".to_owned(),
        intro,
        action: None,
        links: Vec::new(),
        outro: vec![format!("Answer to {from_email}.")],
        sign_off: vec!["Ewelists".to_owned()],
        reason: "You're receiving this email because it is the team's contact address.".to_owned(),
    }
}

/// To whoever wrote: their words back, and when to expect an answer. No link: the address was
/// typed by whoever sent the form.
fn contact_copy(name: &PersonName, message: &ContactText) -> Content {
    let mut intro = vec![
        "Thank you for writing to us. We answer within a few working days. Here is a copy of \
         your message:"
            .to_owned(),
    ];
    intro.extend(paragraphs(message));
    Content {
        subject: "We've received your message".to_owned(),
        greeting: format!("Hello {name},"),
        intro,
        action: None,
        links: Vec::new(),
        outro: vec![
            "If you didn't write to us, someone typed your address by mistake: you can ignore \
             this email."
                .to_owned(),
        ],
        sign_off: sign_off(),
        reason: "You're receiving this email because this address was given on the Ewelists \
                 contact page."
            .to_owned(),
    }
}

/// The facts of a reservation mail, with its links already made absolute.
struct Reserved<'a> {
    guest_name: &'a PersonName,
    gift: &'a ProductTitle,
    quantity: Quantity,
    list_title: &'a Title,
    list_url: &'a Url,
    manage_url: &'a Url,
}

/// To the guest: what they reserved and their private link to manage it, which is the button.
/// No link the list's owner chose is in it (the shop's link is on the reservation page): the
/// address was typed by whoever reserved, so the mail must not carry a stranger an owner's link.
fn reservation_confirmed(r: Reserved<'_>) -> Content {
    let manage = Link {
        label: "Manage your reservation".to_owned(),
        url: r.manage_url.clone(),
    };
    let list = Link {
        label: "See the list".to_owned(),
        url: r.list_url.clone(),
    };
    let (action, links) = (Some(manage), vec![list]);
    Content {
        subject: format!(
            "You reserved \"{}\"",
            shorten(r.gift.as_str(), SUBJECT_TITLE_CHARS)
        ),
        greeting: format!("Hello {},", r.guest_name),
        intro: vec![
            format!(
                "Thank you! You reserved {} × {} from the list \"{}\". We've kept it for you.",
                r.quantity, r.gift, r.list_title
            ),
            "\"Manage your reservation\" shows where to buy it. Once you've bought it, confirm \
             it there. That's also where you can change how many you're getting, or cancel."
                .to_owned(),
        ],
        action,
        links,
        outro: vec![
            "The link to manage your reservation is private to you, so please don't forward \
             this email."
                .to_owned(),
        ],
        sign_off: sign_off(),
        reason: "You're receiving this email because you reserved a gift on Ewelists with \
                 this address."
            .to_owned(),
    }
}

/// To the guest: thanks for confirming they bought the gift.
fn purchase_confirmed(
    guest_name: &PersonName,
    gift: &ProductTitle,
    quantity: Quantity,
    list_title: &Title,
    list_url: &Url,
) -> Content {
    Content {
        subject: format!(
            "Thank you for buying \"{}\"",
            shorten(gift.as_str(), SUBJECT_TITLE_CHARS)
        ),
        greeting: format!("Hello {guest_name},"),
        intro: vec![
            format!(
                "Thank you for letting us know. You marked {quantity} × {gift} from the list \
                 \"{list_title}\" as bought."
            ),
            "There's nothing more to do. If you'd like to give something else too, the list \
             is still there."
                .to_owned(),
        ],
        action: Some(Link {
            label: "See the list".to_owned(),
            url: list_url.clone(),
        }),
        links: Vec::new(),
        outro: Vec::new(),
        sign_off: sign_off(),
        reason: "You're receiving this email because you marked a gift as bought on Ewelists."
            .to_owned(),
    }
}

/// To the list's owner: a gift was bought, by whom only when `guest_name` is given.
fn gift_bought(
    owner_name: &PersonName,
    gift: &ProductTitle,
    quantity: Quantity,
    guest_name: Option<&PersonName>,
    list_title: &Title,
    list_url: &Url,
) -> Content {
    let who = guest_name.map_or("Someone", PersonName::as_str);
    Content {
        subject: format!(
            "A gift was bought from \"{}\"",
            shorten(list_title.as_str(), SUBJECT_TITLE_CHARS)
        ),
        greeting: format!("Hello {owner_name},"),
        intro: vec![
            format!("{who} bought {quantity} × {gift} from your list \"{list_title}\"."),
            "Your list shows it as bought.".to_owned(),
        ],
        action: Some(Link {
            label: "See your list".to_owned(),
            url: list_url.clone(),
        }),
        links: Vec::new(),
        outro: Vec::new(),
        sign_off: sign_off(),
        reason: "You're receiving this email because a guest bought a gift from your \
                 Ewelists list."
            .to_owned(),
    }
}

/// `url` as an absolute web link: the app gives absolute links, and a path is read from the
/// site. Anything that isn't http(s) becomes the site itself, so no other kind of link (such
/// as `javascript:`) can reach an email.
fn link(url: &str, site: &Url) -> Url {
    match site.join(url) {
        Ok(url) if matches!(url.scheme(), "http" | "https") => url,
        _ => site.clone(),
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
    let links = if content.links.is_empty() {
        String::new()
    } else {
        let items: String = content
            .links
            .iter()
            .map(|link| {
                format!(
                    r#"<p style="margin:0 0 12px;"><a href="{href}" style="color:{ROSE};font-weight:bold;">{label}</a><br>
<a href="{href}" style="font-size:13px;color:{MUTED};word-break:break-all;">{url}</a></p>
"#,
                    href = escape(link.url.as_str()),
                    url = escape(link.url.as_str()),
                    label = escape(&link.label),
                )
            })
            .collect();
        format!("<tr><td style=\"padding:0 32px 8px;\">\n{items}</td></tr>\n")
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
{action}{links}<tr><td style="padding:0 32px 8px;">
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

/// The plain-text part: the same content, with the button and the links written as
/// "label: link".
fn text(content: &Content, site: &Url) -> String {
    let mut blocks = vec!["Ewelists".to_owned(), content.greeting.clone()];
    blocks.extend(content.intro.iter().cloned());
    if let Some(action) = &content.action {
        blocks.push(format!("{}: {}", action.label, action.url));
    }
    if !content.links.is_empty() {
        let lines: Vec<String> = content
            .links
            .iter()
            .map(|link| format!("{}: {}", link.label, link.url))
            .collect();
        blocks.push(lines.join("\n"));
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

/// `s` cut to at most `max` characters, ending with "…" when it was longer.
fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let kept: String = s.chars().take(max.saturating_sub(1)).collect();
    format!("{}…", kept.trim_end())
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
        assert_eq!(kind(&reservation(GIFT)), "reservation_confirmed");
        assert_eq!(kind(&purchase(GIFT)), "purchase_confirmed");
        assert_eq!(kind(&bought(GIFT, Some("Ann"))), "gift_bought");
    }

    const GIFT: &str = "Wooden train set";
    const SITE: &str = "http://localhost:3000/";
    const LIST: &str = "Mia's baby shower";
    const LIST_URL: &str = "http://localhost:3000/lists/L1";
    const MANAGE_URL: &str = "http://localhost:3000/reserve/tok3n";
    const EDIT_URL: &str = "http://localhost:3000/edit/L1";
    const HOSTILE_GIFT: &str = r#"<img src=x onerror=alert(1)> & "Co""#;
    const HOSTILE_GIFT_HTML: &str = "&lt;img src=x onerror=alert(1)&gt; &amp; &quot;Co&quot;";
    const HOSTILE_NAME: &str = r#"<b>Zoë</b> "Zo" O'Brien"#;
    const HOSTILE_NAME_HTML: &str = "&lt;b&gt;Zoë&lt;/b&gt; &quot;Zo&quot; O&#39;Brien";

    fn reservation_mail(guest: &str, gift: &str, list: &str, quantity: u32) -> Mail {
        Mail::ReservationConfirmed {
            to: Email::parse("guest@example.com").unwrap(),
            guest_name: PersonName::parse(guest).unwrap(),
            gift: ProductTitle::parse(gift).unwrap(),
            quantity: Quantity::new(quantity).unwrap(),
            list_title: Title::parse(list).unwrap(),
            list_url: LIST_URL.to_owned(),
            manage_url: MANAGE_URL.to_owned(),
        }
    }

    fn reservation(gift: &str) -> Mail {
        reservation_mail("Ann", gift, LIST, 2)
    }

    fn purchase_mail(guest: &str, gift: &str, list: &str) -> Mail {
        Mail::PurchaseConfirmed {
            to: Email::parse("guest@example.com").unwrap(),
            guest_name: PersonName::parse(guest).unwrap(),
            gift: ProductTitle::parse(gift).unwrap(),
            quantity: Quantity::new(3).unwrap(),
            list_title: Title::parse(list).unwrap(),
            list_url: LIST_URL.to_owned(),
        }
    }

    fn purchase(gift: &str) -> Mail {
        purchase_mail("Ann", gift, LIST)
    }

    fn bought_mail(gift: &str, guest: Option<&str>, list: &str) -> Mail {
        Mail::GiftBought {
            to: Email::parse("owner@example.com").unwrap(),
            owner_name: PersonName::parse("Mia").unwrap(),
            gift: ProductTitle::parse(gift).unwrap(),
            quantity: Quantity::new(2).unwrap(),
            guest_name: guest.map(|g| PersonName::parse(g).unwrap()),
            list_title: Title::parse(list).unwrap(),
            list_url: EDIT_URL.to_owned(),
        }
    }

    fn bought(gift: &str, guest: Option<&str>) -> Mail {
        bought_mail(gift, guest, LIST)
    }

    /// The href of every link in `html`, in order.
    fn hrefs(html: &str) -> Vec<&str> {
        html.split("href=\"")
            .skip(1)
            .map(|rest| &rest[..rest.find('"').unwrap()])
            .collect()
    }

    #[test]
    fn a_reservation_greets_the_guest_and_says_what_they_reserved() {
        let m = render(&reservation(GIFT), &site());
        assert_eq!(m.to.as_str(), "guest@example.com");
        assert_eq!(m.subject, r#"You reserved "Wooden train set""#);
        for part in [&m.html, &m.text] {
            assert!(part.contains("Hello Ann,"), "{part}");
            assert!(
                part.contains("We&#39;ve kept it for you")
                    || part.contains("We've kept it for you")
            );
            assert!(part.contains("Manage your reservation"), "{part}");
            assert!(part.contains("cancel"), "{part}");
            assert!(part.contains("don&#39;t forward") || part.contains("don't forward"));
        }
        assert!(m
            .text
            .contains("You reserved 2 × Wooden train set from the list \"Mia's baby shower\"."));
        assert!(m.html.contains(
            "You reserved 2 × Wooden train set from the list &quot;Mia&#39;s baby shower&quot;."
        ));
    }

    #[test]
    fn a_reservation_links_only_to_the_site_with_managing_as_the_button() {
        let m = render(&reservation(GIFT), &site());
        for part in [&m.html, &m.text] {
            assert!(!part.contains("Buy it"), "{part}");
            assert!(part.contains(MANAGE_URL), "{part}");
            assert!(part.contains(LIST_URL), "{part}");
        }
        // Every link leads to the site.
        for href in hrefs(&m.html) {
            assert!(href.starts_with(SITE), "{href}");
        }
        assert!(m.html.contains(&format!(
            r#"<a href="{MANAGE_URL}" style="display:inline-block;"#
        )));
        let at = |needle: &str| m.html.find(needle).unwrap();
        assert!(at("Manage your reservation</a>") < at("See the list</a>"));
        assert!(m
            .text
            .contains(&format!("Manage your reservation: {MANAGE_URL}")));
        assert!(m.text.contains(&format!("See the list: {LIST_URL}")));
    }

    #[test]
    fn a_reservation_escapes_every_value_in_html_and_keeps_them_readable_in_text() {
        let list = r#"<i>Mia</i> & "Tom's" list"#;
        let mail = reservation_mail(HOSTILE_NAME, HOSTILE_GIFT, list, 1);
        let m = render(&mail, &site());
        assert!(!m.html.contains("<img"), "{}", m.html);
        assert!(!m.html.contains("<b>"));
        assert!(!m.html.contains("<i>"));
        assert!(m.html.contains(&format!("Hello {HOSTILE_NAME_HTML},")));
        assert!(m.html.contains(&format!("1 × {HOSTILE_GIFT_HTML} from")));
        assert!(m
            .html
            .contains("&quot;&lt;i&gt;Mia&lt;/i&gt; &amp; &quot;Tom&#39;s&quot; list&quot;"));
        assert!(m.html.contains(&format!(
            "<title>You reserved &quot;{HOSTILE_GIFT_HTML}&quot;</title>"
        )));
        assert!(m.text.contains(&format!("Hello {HOSTILE_NAME},")));
        assert!(m
            .text
            .contains(&format!("1 × {HOSTILE_GIFT} from the list \"{list}\".")));
        assert_eq!(m.subject, format!("You reserved \"{HOSTILE_GIFT}\""));
    }

    #[test]
    fn a_purchase_thanks_the_guest_and_links_to_the_list() {
        let m = render(&purchase(GIFT), &site());
        assert_eq!(m.to.as_str(), "guest@example.com");
        assert_eq!(m.subject, r#"Thank you for buying "Wooden train set""#);
        assert!(m.html.contains("Hello Ann,"));
        assert!(m.text.contains("Hello Ann,"));
        assert!(m.text.contains(
            "You marked 3 × Wooden train set from the list \"Mia's baby shower\" as bought."
        ));
        assert_eq!(hrefs(&m.html)[..2], [LIST_URL, LIST_URL]);
        assert!(m.text.contains(&format!("See the list: {LIST_URL}")));
    }

    #[test]
    fn a_purchase_escapes_every_value_in_html_and_keeps_them_readable_in_text() {
        let m = render(
            &purchase_mail(HOSTILE_NAME, HOSTILE_GIFT, "<u>x</u>"),
            &site(),
        );
        assert!(!m.html.contains("<img"));
        assert!(!m.html.contains("<b>"));
        assert!(!m.html.contains("<u>"));
        assert!(m.html.contains(&format!("Hello {HOSTILE_NAME_HTML},")));
        assert!(m.html.contains(&format!(
            "3 × {HOSTILE_GIFT_HTML} from the list &quot;&lt;u&gt;x&lt;/u&gt;&quot;"
        )));
        assert!(m.text.contains(&format!("Hello {HOSTILE_NAME},")));
        assert!(m
            .text
            .contains(&format!("3 × {HOSTILE_GIFT} from the list \"<u>x</u>\"")));
    }

    #[test]
    fn a_bought_gift_tells_the_owner_who_bought_it_and_links_to_the_editor() {
        let m = render(&bought(GIFT, Some("Ann Smith")), &site());
        assert_eq!(m.to.as_str(), "owner@example.com");
        assert_eq!(m.subject, r#"A gift was bought from "Mia's baby shower""#);
        assert!(m.text.contains("Hello Mia,"));
        assert!(m.html.contains("Hello Mia,"));
        assert!(
            m.text.contains("Ann Smith bought 2 × Wooden train set"),
            "{}",
            m.text
        );
        assert!(m.html.contains("Ann Smith bought 2 × Wooden train set"));
        assert!(m.html.contains(&format!(
            r#"<a href="{EDIT_URL}" style="display:inline-block;"#
        )));
        assert!(m.text.contains(&format!("See your list: {EDIT_URL}")));
    }

    #[test]
    fn a_bought_gift_without_a_guest_name_names_nobody() {
        let named = render(&bought(GIFT, Some("Ann Smith")), &site());
        let m = render(&bought(GIFT, None), &site());
        assert_eq!(m.subject, named.subject);
        assert!(!m.subject.contains("Ann"));
        assert!(
            m.text.contains("Someone bought 2 × Wooden train set"),
            "{}",
            m.text
        );
        assert!(m.html.contains("Someone bought 2 × Wooden train set"));
        // The same mail, with "Someone" where the name was.
        assert_eq!(m.text, named.text.replace("Ann Smith", "Someone"));
        assert_eq!(m.html, named.html.replace("Ann Smith", "Someone"));
    }

    #[test]
    fn a_bought_gift_escapes_every_value_in_html_and_keeps_them_readable_in_text() {
        let list = r#"<i>Mia</i> & "Tom's" list"#;
        let m = render(
            &bought_mail(HOSTILE_GIFT, Some(HOSTILE_NAME), list),
            &site(),
        );
        assert!(!m.html.contains("<img"));
        assert!(!m.html.contains("<b>"));
        assert!(!m.html.contains("<i>"));
        assert!(m.html.contains(&format!(
            "{HOSTILE_NAME_HTML} bought 2 × {HOSTILE_GIFT_HTML} from"
        )));
        assert!(m
            .text
            .contains(&format!("{HOSTILE_NAME} bought 2 × {HOSTILE_GIFT} from")));
        assert_eq!(m.subject, format!("A gift was bought from \"{list}\""));
        assert!(m.html.contains(
            "<title>A gift was bought from &quot;&lt;i&gt;Mia&lt;/i&gt; &amp; &quot;Tom&#39;s&quot; list&quot;</title>"
        ));
    }

    #[test]
    fn long_titles_are_shortened_in_one_line_subjects() {
        let gift = format!("{} end", "Very long gift ".repeat(12));
        let subjects = [
            render(&reservation(&gift), &site()).subject,
            render(&purchase(&gift), &site()).subject,
            render(&bought_mail(GIFT, None, &"L".repeat(100)), &site()).subject,
        ];
        for subject in subjects {
            assert!(!subject.contains(['\n', '\r']), "{subject}");
            assert!(subject.ends_with("…\""), "{subject}");
            assert!(!subject.contains(" end"), "{subject}");
            assert!(subject.chars().count() < 110, "{subject}");
        }
        // The body keeps the whole title.
        let m = render(&reservation(&gift), &site());
        assert!(m.text.contains(&gift));
    }

    #[test]
    fn shorten_cuts_at_the_limit_with_an_ellipsis() {
        assert_eq!(shorten("abc", 3), "abc");
        assert_eq!(shorten("abcd", 3), "ab…");
        assert_eq!(shorten("ab cd", 4), "ab…");
        assert_eq!(shorten("éééé", 3), "éé…");
    }

    #[test]
    fn links_are_absolute_web_links() {
        let site = site();
        assert_eq!(link(MANAGE_URL, &site).as_str(), MANAGE_URL);
        assert_eq!(
            link("/reserve/abc", &site).as_str(),
            "http://localhost:3000/reserve/abc"
        );
        assert_eq!(link("javascript:alert(1)", &site), site);
    }

    #[test]
    fn the_new_mails_load_nothing_from_elsewhere() {
        for mail in [reservation(GIFT), purchase(GIFT), bought(GIFT, Some("Ann"))] {
            let m = render(&mail, &site());
            assert!(!m.html.contains("<img"));
            assert!(!m.html.contains("src="));
            assert!(!m.html.contains("<link"));
            assert!(!m.html.contains("<script"));
            assert!(m.text.ends_with("Ewelists: http://localhost:3000/\n"));
        }
    }
}
