//! The site's addresses, in one table: every page the router shows and every address the
//! server answers beside it, with what each needs (sign-in) and hides (a capability token in the
//! path, kept out of request logs). Links are built here too, from the same patterns.
//!
//! The router (`crate::App`) takes its paths from these constants, the server's session layer
//! asks [`requires_sign_in`], and its request log hides what [`RoutePath::token_follows`] names.
//! Server functions are not here: each has its own `PATH` (under [`SERVER_FUNCTIONS`]).

use std::borrow::Cow;

use domain::{ListId, ReservationToken};
use leptos_router::{
    ParamSegment, PartialPathMatch, PathSegment, PossibleRouteMatch, StaticSegment,
};

/// One address of the site: its pattern (`:name` marks a parameter) and what it needs.
///
/// A `RoutePath` is also the path a router `<Route>` matches: it matches exactly as the
/// `path!` macro's segments for the same pattern would.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoutePath {
    /// For example `/lists/:id/edit`.
    pub pattern: &'static str,
    /// Whether the page is for signed-in people only (a signed-out visitor is sent to sign in).
    pub needs_sign_in: bool,
    /// Whether the path's parameter is a bearer capability (a reservation token), which must
    /// never be written to a log.
    pub carries_token: bool,
    /// Whether the page has islands (parts that need the browser), so it loads the site's
    /// WebAssembly. Every other page is plain HTML with forms that post.
    pub has_islands: bool,
    /// Whether the page holds forms that must take effect once (reserving, making a list,
    /// adding a gift), so it gives the browser a fresh form key (`domain::once`).
    pub gives_form_key: bool,
    /// Whether the page is one of the team's tools: for admins only, and "not found" for
    /// everyone else (signed in or not).
    pub for_admins: bool,
}

/// One part of a pattern between slashes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Segment {
    Static(&'static str),
    Param(&'static str),
}

impl RoutePath {
    const fn new(pattern: &'static str) -> Self {
        Self {
            pattern,
            needs_sign_in: false,
            carries_token: false,
            has_islands: false,
            gives_form_key: false,
            for_admins: false,
        }
    }

    const fn admins(self) -> Self {
        Self {
            for_admins: true,
            ..self
        }
    }

    const fn with_form_key(self) -> Self {
        Self {
            gives_form_key: true,
            ..self
        }
    }

    const fn with_islands(self) -> Self {
        Self {
            has_islands: true,
            ..self
        }
    }

    const fn signed_in(self) -> Self {
        Self {
            needs_sign_in: true,
            ..self
        }
    }

    const fn with_token(self) -> Self {
        Self {
            carries_token: true,
            ..self
        }
    }

    /// The pattern as a path, for an address without parameters.
    pub const fn path(&self) -> &'static str {
        self.pattern
    }

    fn segments(&self) -> impl Iterator<Item = Segment> {
        let pattern: &'static str = self.pattern;
        pattern
            .split('/')
            .filter(|part| !part.is_empty())
            .map(|part| match part.strip_prefix(':') {
                Some(name) => Segment::Param(name),
                None => Segment::Static(part),
            })
    }

    /// The pattern with its parameters filled in, in order. Links to a known list or
    /// reservation use the typed builders ([`list_editor`], ...); this is for a parameter as
    /// the current address gave it.
    pub fn fill(&self, values: &[&str]) -> String {
        let mut values = values.iter();
        let mut out = String::new();
        for segment in self.segments() {
            out.push('/');
            match segment {
                Segment::Static(text) => out.push_str(text),
                Segment::Param(_) => out.push_str(values.next().copied().unwrap_or_default()),
            }
        }
        if out.is_empty() {
            out.push('/');
        }
        out
    }

    /// For a route whose parameter is a capability token: the path segment right before it
    /// (`reservations` for `/reservations/:token`). Request logs hide whatever follows it.
    pub fn token_follows(&self) -> Option<&'static str> {
        if !self.carries_token {
            return None;
        }
        let mut before = None;
        for segment in self.segments() {
            match segment {
                Segment::Static(text) => before = Some(text),
                Segment::Param(_) => return before,
            }
        }
        None
    }

    /// Whether `path` (without query or fragment) is this route's address.
    fn matches(&self, path: &str) -> bool {
        self.test(path).is_some_and(|found| found.is_complete())
    }
}

impl PossibleRouteMatch for RoutePath {
    fn optional(&self) -> bool {
        false
    }

    fn test<'a>(&self, path: &'a str) -> Option<PartialPathMatch<'a>> {
        let mut remaining = path;
        let mut matched_len = 0;
        let mut params: Vec<(Cow<'static, str>, String)> = Vec::new();
        for segment in self.segments() {
            let found = match segment {
                Segment::Static(text) => StaticSegment(text).test(remaining),
                Segment::Param(name) => ParamSegment(name).test(remaining),
            }?;
            matched_len += found.matched().len();
            remaining = found.remaining();
            params.extend(found.params());
        }
        Some(PartialPathMatch::new(
            remaining,
            params,
            &path[..matched_len],
        ))
    }

    fn generate_path(&self, path: &mut Vec<PathSegment>) {
        for segment in self.segments() {
            match segment {
                Segment::Static(text) => StaticSegment(text).generate_path(path),
                Segment::Param(name) => ParamSegment(name).generate_path(path),
            }
        }
    }
}

/// The home page.
pub const HOME: RoutePath = RoutePath::new("/").with_islands();
/// The signed-in person's account.
pub const ACCOUNT: RoutePath = RoutePath::new("/account").signed_in();
/// The page that explains a failed sign-in.
pub const SIGN_IN_PROBLEM: RoutePath = RoutePath::new("/sign-in/problem");
/// The owner's lists.
pub const DASHBOARD: RoutePath = RoutePath::new("/lists").signed_in();
/// Making a new list.
pub const NEW_LIST: RoutePath = RoutePath::new("/lists/new")
    .signed_in()
    .with_islands()
    .with_form_key();
/// The owner's editor for one list: [`list_editor`].
pub const LIST_EDITOR: RoutePath = RoutePath::new("/lists/:id/edit")
    .signed_in()
    .with_islands()
    .with_form_key();
/// A list's settings: [`list_settings`].
pub const LIST_SETTINGS: RoutePath = RoutePath::new("/lists/:id/settings")
    .signed_in()
    .with_islands();
/// A list's public page, open to everyone: [`public_list`].
pub const PUBLIC_LIST: RoutePath = RoutePath::new("/lists/:id").with_form_key();
/// A guest's reservation, opened by its token (sent only by email): [`reservation`].
pub const RESERVATION: RoutePath = RoutePath::new("/reservations/:token").with_token();
/// Where the sign-in flow starts (a plain link: it leaves the app for the hosted sign-in page).
pub const SIGN_IN: RoutePath = RoutePath::new("/auth/sign-in");
/// Where the hosted sign-in page sends the browser back.
pub const SIGN_IN_CALLBACK: RoutePath = RoutePath::new("/auth/callback");
/// Where the sign-out form posts.
pub const SIGN_OUT: RoutePath = RoutePath::new("/auth/sign-out");
/// Whether the server and its storage answer.
pub const HEALTH: RoutePath = RoutePath::new("/healthz");
/// What the site keeps about people, and for how long.
pub const PRIVACY: RoutePath = RoutePath::new("/privacy");
/// How Ewelists works, for owners and guests (a written page: `content/pages/`).
pub const HOW_IT_WORKS: RoutePath = RoutePath::new("/how-it-works");
/// Questions people ask.
pub const FAQ: RoutePath = RoutePath::new("/faq");
/// The terms of use.
pub const TERMS: RoutePath = RoutePath::new("/terms");
/// Which cookies the site sets, and why.
pub const COOKIES: RoutePath = RoutePath::new("/cookies");
/// Writing to the team.
pub const CONTACT: RoutePath = RoutePath::new("/contact").with_form_key();
/// The list-ideas articles.
pub const IDEAS: RoutePath = RoutePath::new("/ideas");
/// One article ([`idea`]), whose products a signed-in owner adds to a list.
pub const IDEA: RoutePath = RoutePath::new("/ideas/:slug").with_form_key();
/// The pages search engines may list.
pub const SITEMAP: RoutePath = RoutePath::new("/sitemap.xml");
/// What search engines may crawl (nothing, but in production).
pub const ROBOTS: RoutePath = RoutePath::new("/robots.txt");
/// The signed-in person's data, as a JSON download.
pub const ACCOUNT_DATA: RoutePath = RoutePath::new("/account/data").signed_in();
/// Where the account page's "delete my account" form posts.
pub const ACCOUNT_DELETE: RoutePath = RoutePath::new("/account/delete").signed_in();

/// The team's tools: the day-by-day counts.
pub const ADMIN: RoutePath = RoutePath::new("/admin").admins();
/// Products owners added that the catalogue lacks.
pub const ADMIN_QUEUE: RoutePath = RoutePath::new("/admin/queue").admins();
/// The catalogue editor: search, and a file to load.
pub const ADMIN_CATALOGUE: RoutePath = RoutePath::new("/admin/catalogue").admins();
/// Where the catalogue editor's file upload posts (a plain form with a file).
pub const ADMIN_IMPORT: RoutePath = RoutePath::new("/admin/catalogue/import").admins();
/// One catalogue product's edit form ([`admin_product`]; `new` for a new one).
pub const ADMIN_PRODUCT: RoutePath = RoutePath::new("/admin/catalogue/:id").admins();
/// The audit trail.
pub const ADMIN_AUDIT: RoutePath = RoutePath::new("/admin/audit").admins();

/// Every address, pages first in the router's order (the first route that matches wins, so a
/// fixed path comes before a parameter in the same place).
pub const ALL: [RoutePath; 31] = [
    HOME,
    PRIVACY,
    HOW_IT_WORKS,
    FAQ,
    TERMS,
    COOKIES,
    CONTACT,
    IDEAS,
    IDEA,
    ACCOUNT,
    ACCOUNT_DATA,
    ACCOUNT_DELETE,
    SIGN_IN_PROBLEM,
    ADMIN,
    ADMIN_QUEUE,
    ADMIN_CATALOGUE,
    ADMIN_IMPORT,
    ADMIN_PRODUCT,
    ADMIN_AUDIT,
    DASHBOARD,
    NEW_LIST,
    LIST_EDITOR,
    LIST_SETTINGS,
    PUBLIC_LIST,
    RESERVATION,
    SIGN_IN,
    SIGN_IN_CALLBACK,
    SIGN_OUT,
    HEALTH,
    SITEMAP,
    ROBOTS,
];

/// The pages in the sitemap, beside every article: what anyone may find by searching.
pub const IN_SITEMAP: [RoutePath; 8] = [
    HOME,
    HOW_IT_WORKS,
    IDEAS,
    FAQ,
    CONTACT,
    PRIVACY,
    TERMS,
    COOKIES,
];

/// Where server functions answer: each one's `PATH` starts with this and `/`.
pub const SERVER_FUNCTIONS: &str = "/api";

/// The sign-in flow's addresses start with this; none of them is a place to return to.
const SIGN_IN_FLOW_PREFIX: &str = "/auth/";

/// The list-ideas article `slug`.
pub fn idea(slug: &str) -> String {
    IDEA.fill(&[slug])
}

/// The edit form of the catalogue product `id`.
pub fn admin_product(id: &domain::CatalogueProductId) -> String {
    ADMIN_PRODUCT.fill(&[id.as_ref()])
}

/// Whether the page at `path` is one of the team's tools ([`RoutePath::for_admins`]).
pub fn for_admins(path: &str) -> bool {
    route_of(path).is_some_and(|route| route.for_admins)
}

/// The owner's editor for `list`.
pub fn list_editor(list: &ListId) -> String {
    LIST_EDITOR.fill(&[list.as_str()])
}

/// The settings of `list`.
pub fn list_settings(list: &ListId) -> String {
    LIST_SETTINGS.fill(&[list.as_str()])
}

/// The public page of `list`.
pub fn public_list(list: &ListId) -> String {
    PUBLIC_LIST.fill(&[list.as_str()])
}

/// The reservation page that `token` opens. The result is a capability: send it only to the
/// guest's mailbox (and their browser, right after they reserved).
pub fn reservation(token: &ReservationToken) -> String {
    RESERVATION.fill(&[&token.to_string()])
}

/// The route whose address `path` is (its query and fragment ignored), if any.
pub fn route_of(path: &str) -> Option<&'static RoutePath> {
    let path = path.split(['?', '#']).next().unwrap_or_default();
    ALL.iter().find(|route| route.matches(path))
}

/// Whether the page at `path` has islands, and so loads the site's WebAssembly. Guest pages
/// (a public list, a reservation) never do.
pub fn has_islands(path: &str) -> bool {
    route_of(path).is_some_and(|route| route.has_islands)
}

/// Whether the page at `path` gives the browser a fresh form key ([`RoutePath::gives_form_key`]).
pub fn gives_form_key(path: &str) -> bool {
    route_of(path).is_some_and(|route| route.gives_form_key)
}

/// Whether the page at `path` is for signed-in people only: the account page and the owner's
/// list pages (`/lists`, `/lists/new`, `/lists/<id>/edit`, `/lists/<id>/settings`). A list's
/// public page, `/lists/<id>`, is open to everyone.
pub fn requires_sign_in(path: &str) -> bool {
    route_of(path).is_some_and(|route| route.needs_sign_in)
}

/// A place on this site to go back to after signing in: a path (with its query), never
/// another site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnTo(String);

impl ReturnTo {
    const MAX_LEN: usize = 1024;

    /// Accepts only a same-site path: it starts with one `/`, and has no backslash, no
    /// whitespace or control character, nothing a browser would read as another host
    /// (`//host`, `/\host`), and is not itself a sign-in address.
    pub fn parse(raw: &str) -> Option<Self> {
        let ok = raw.starts_with('/')
            && !raw.starts_with("//")
            && raw.len() <= Self::MAX_LEN
            && !raw.contains('\\')
            && !raw.chars().any(|c| c.is_whitespace() || c.is_control())
            && !raw.starts_with(SIGN_IN_FLOW_PREFIX);
        ok.then(|| Self(raw.to_owned()))
    }

    /// The home page.
    pub fn home() -> Self {
        Self(HOME.pattern.to_owned())
    }

    /// Where a sign-in returns: the page it started from (`raw`), except from the home page
    /// (or from nowhere, or off the site), where it goes on to the owner's lists.
    pub fn after_sign_in(raw: Option<&str>) -> Self {
        match raw.and_then(Self::parse) {
            Some(page) if page.0.split(['?', '#']).next() != Some(HOME.pattern) => page,
            _ => Self(DASHBOARD.pattern.to_owned()),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The link that signs in and then returns to `return_to` (or home, if it isn't a same-site
/// path).
pub fn sign_in_href(return_to: &str) -> String {
    let target = ReturnTo::parse(return_to).unwrap_or_else(ReturnTo::home);
    if target.as_str() == HOME.pattern {
        return SIGN_IN.pattern.to_owned();
    }
    format!(
        "{}?return_to={}",
        SIGN_IN.pattern,
        encode_query_value(target.as_str())
    )
}

/// Percent-encodes everything but RFC 3986's unreserved characters and `/`.
fn encode_query_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_tools_are_for_admins_only_and_need_no_islands() {
        for path in [
            "/admin",
            "/admin/queue",
            "/admin/catalogue",
            "/admin/catalogue/import",
            "/admin/catalogue/new",
            "/admin/audit",
        ] {
            assert!(for_admins(path), "{path}");
            assert!(!has_islands(path), "{path}");
        }
        assert_eq!(route_of("/admin/catalogue/import"), Some(&ADMIN_IMPORT));
        for path in ["/", "/lists", "/admins", "/admin-x", "/account"] {
            assert!(!for_admins(path), "{path}");
        }
    }

    use leptos_router::path;

    use super::*;

    fn list() -> ListId {
        ListId::parse("AAAAAAAAAAAAAAAAAAAAAA").unwrap()
    }

    fn token() -> ReservationToken {
        ReservationToken::parse(&format!("{}.{}A", list(), "B".repeat(42))).unwrap()
    }

    #[test]
    fn links_are_built_from_the_patterns() {
        let id = "AAAAAAAAAAAAAAAAAAAAAA";
        assert_eq!(list_editor(&list()), format!("/lists/{id}/edit"));
        assert_eq!(list_settings(&list()), format!("/lists/{id}/settings"));
        assert_eq!(public_list(&list()), format!("/lists/{id}"));
        assert_eq!(reservation(&token()), format!("/reservations/{}", token()));
        assert_eq!(HOME.fill(&[]), "/");
        assert_eq!(DASHBOARD.path(), "/lists");
    }

    #[test]
    fn each_link_leads_to_its_own_route() {
        let cases = [
            (list_editor(&list()), LIST_EDITOR),
            (list_settings(&list()), LIST_SETTINGS),
            (public_list(&list()), PUBLIC_LIST),
            (reservation(&token()), RESERVATION),
            (NEW_LIST.path().to_owned(), NEW_LIST),
            (HOME.path().to_owned(), HOME),
        ];
        for (link, route) in cases {
            assert_eq!(route_of(&link), Some(&route), "{link}");
        }
        assert_eq!(route_of("/lists/abc/unknown"), None);
        assert_eq!(route_of("/nowhere"), None);
    }

    #[test]
    fn route_paths_match_as_the_routers_own_segments_do() {
        fn same<P: PossibleRouteMatch>(route: RoutePath, segments: P) {
            for path in [
                "",
                "/",
                "/account",
                "/account/",
                "/accounts",
                "/lists",
                "/lists/new",
                "/lists/abc",
                "/lists/abc/edit",
                "/lists/abc/edit/",
                "/lists/abc/settings",
                "/lists/abc/more/deep",
                "/reservations/abc.def",
                "/sign-in/problem",
                "/auth/sign-in",
            ] {
                let ours = route.test(path);
                let theirs = segments.test(path);
                assert_eq!(
                    ours.is_some(),
                    theirs.is_some(),
                    "{} on {path}",
                    route.pattern
                );
                if let (Some(ours), Some(theirs)) = (ours, theirs) {
                    assert_eq!(ours.matched(), theirs.matched(), "{path}");
                    assert_eq!(ours.remaining(), theirs.remaining(), "{path}");
                    assert_eq!(ours.params(), theirs.params(), "{path}");
                }
            }
            let (mut ours, mut theirs) = (Vec::new(), Vec::new());
            route.generate_path(&mut ours);
            segments.generate_path(&mut theirs);
            assert_eq!(ours, theirs, "{}", route.pattern);
        }
        same(HOME, path!(""));
        same(ACCOUNT, path!("/account"));
        same(PRIVACY, path!("/privacy"));
        same(SIGN_IN_PROBLEM, path!("/sign-in/problem"));
        same(DASHBOARD, path!("/lists"));
        same(NEW_LIST, path!("/lists/new"));
        same(LIST_EDITOR, path!("/lists/:id/edit"));
        same(LIST_SETTINGS, path!("/lists/:id/settings"));
        same(PUBLIC_LIST, path!("/lists/:id"));
        same(RESERVATION, path!("/reservations/:token"));
    }

    #[test]
    fn only_the_reservation_page_carries_a_token() {
        for route in ALL {
            let expected = (route == RESERVATION).then_some("reservations");
            assert_eq!(route.token_follows(), expected, "{}", route.pattern);
        }
    }

    #[test]
    fn guest_pages_load_no_webassembly() {
        let with: Vec<_> = ALL
            .iter()
            .filter(|r| r.has_islands)
            .map(|r| r.pattern)
            .collect();
        assert_eq!(
            with,
            ["/", "/lists/new", "/lists/:id/edit", "/lists/:id/settings"]
        );
        assert!(!has_islands("/lists/abc"));
        assert!(!has_islands("/reservations/abc.def"));
        assert!(has_islands("/lists/abc/edit?x=1"));
    }

    #[test]
    fn the_sign_in_flow_is_never_a_way_back() {
        for route in [SIGN_IN, SIGN_IN_CALLBACK, SIGN_OUT] {
            assert!(route.pattern.starts_with(SIGN_IN_FLOW_PREFIX));
            assert_eq!(ReturnTo::parse(route.pattern), None);
        }
    }

    #[test]
    fn owner_pages_need_sign_in_and_public_pages_do_not() {
        for path in [
            "/account",
            "/account/",
            "/account/data",
            "/account/delete",
            "/lists",
            "/lists/",
            "/lists/new",
            "/lists/abc/edit",
            "/lists/abc/settings?tab=1",
        ] {
            assert!(requires_sign_in(path), "{path}");
        }
        for path in [
            "/",
            "/lists/abc",
            "/lists/abc?filter=available",
            "/reservations/abc.def",
            "/sign-in/problem",
            "/accounts-and-more",
            "/listsx",
            "/auth/sign-in",
            "/healthz",
            "/privacy",
        ] {
            assert!(!requires_sign_in(path), "{path}");
        }
    }

    #[test]
    fn return_to_is_a_path_on_this_site_only() {
        for good in ["/", "/account", "/lists/abc/edit?tab=gifts#top", "/a%20b"] {
            assert_eq!(ReturnTo::parse(good).unwrap().as_str(), good);
        }
        for bad in [
            "",
            "account",
            "https://evil.example/",
            "//evil.example/",
            "/\\evil.example",
            "/\t/evil.example",
            "/ok\r\nSet-Cookie: a=b",
            " /account",
            "/auth/sign-in",
            "/auth/callback?code=x",
            "javascript:alert(1)",
        ] {
            assert_eq!(ReturnTo::parse(bad), None, "{bad:?}");
        }
        assert_eq!(ReturnTo::parse(&format!("/{}", "a".repeat(2000))), None);
    }

    #[test]
    fn signing_in_from_the_home_page_leads_to_the_lists() {
        for raw in [
            None,
            Some("/"),
            Some("/?deleted=account"),
            Some("//evil.example/"),
        ] {
            assert_eq!(ReturnTo::after_sign_in(raw).as_str(), "/lists", "{raw:?}");
        }
        assert_eq!(
            ReturnTo::after_sign_in(Some("/lists/abc")).as_str(),
            "/lists/abc"
        );
        assert_eq!(
            ReturnTo::after_sign_in(Some("/account")).as_str(),
            "/account"
        );
    }

    #[test]
    fn sign_in_links_carry_the_way_back_encoded() {
        assert_eq!(sign_in_href("/"), "/auth/sign-in");
        assert_eq!(sign_in_href("/account"), "/auth/sign-in?return_to=/account");
        assert_eq!(
            sign_in_href("/lists/a%20b/edit?x=1&y=2"),
            "/auth/sign-in?return_to=/lists/a%2520b/edit%3Fx%3D1%26y%3D2"
        );
        // A path with a space is not one a browser sends: home instead.
        assert_eq!(sign_in_href("/lists/a b"), "/auth/sign-in");
        // Anything that isn't a same-site path falls back to home.
        assert_eq!(sign_in_href("https://evil.example/"), "/auth/sign-in");
        assert_eq!(sign_in_href("//evil.example"), "/auth/sign-in");
    }
}
