//! Forms that work before (and without) the page's script: how a server function's error comes
//! back to a plain HTML form post, and how a page shows an action's error in place.
//!
//! With the script loaded, an `ActionForm` calls its server function and the page shows the
//! typed error from the action's value. Without it, the browser posts the form; the server
//! function sends the browser back to the form's page with the error in the query
//! (`__path` = the function, `__err` = the encoded error; see [`crate::request::answer`]), and
//! [`form_error`] reads it from there.

use leptos::prelude::*;
use leptos::server_fn::error::ServerFnUrlError;
use leptos_router::hooks::use_query_map;

use crate::error::AppError;

/// The query key that names what a form was about (a gift, on a page with one form per gift),
/// so that the error comes back to that form only.
pub const FOR: &str = "__for";

/// `page` (a path with its query) with `err` from the server function at `function` added to
/// its query, replacing an earlier one.
pub fn with_error(page: &str, function: &str, err: &AppError) -> String {
    with_error_for(page, function, None, err)
}

/// [`with_error`] for the form about `subject` (see [`FOR`]).
pub fn with_error_for(page: &str, function: &str, subject: Option<&str>, err: &AppError) -> String {
    let page = without(page, FOR);
    // Only a same-site path: `//host/…` (from a page whose path starts with two slashes) would
    // send the browser to another site.
    let page = crate::routes::ReturnTo::parse(&page)
        .map(|page| page.as_str().to_owned())
        .unwrap_or_else(|| "/".to_owned());
    let base = format!("http://site.invalid{page}");
    let mut cleaned = base.clone();
    ServerFnUrlError::<AppError>::strip_error_info(&mut cleaned);
    // No text typed by anyone goes into the link: the page writes the words again.
    let err = err.for_link();
    let url = ServerFnUrlError::new(function, err.clone())
        .to_url(&cleaned)
        .or_else(|_| ServerFnUrlError::new(function, err.clone()).to_url("http://site.invalid/"));
    let subject = subject
        .map(|s| format!("&{FOR}={}", crate::components::share::encode(s)))
        .unwrap_or_default();
    match url {
        Ok(url) => match url.query() {
            Some(query) => format!("{}?{query}{subject}", url.path()),
            None => url.path().to_owned(),
        },
        Err(_) => "/".to_owned(),
    }
}

/// `page` without the query pairs named `key`.
fn without(page: &str, key: &str) -> String {
    let Some((path, query)) = page.split_once('?') else {
        return page.to_owned();
    };
    let kept: Vec<&str> = query
        .split('&')
        .filter(|pair| !pair.is_empty() && pair.split('=').next() != Some(key))
        .collect();
    if kept.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{}", kept.join("&"))
    }
}

/// The query key that names the server function a plain form post succeeded with.
pub const DONE: &str = "__done";

/// `page` (a path with its query) after a plain post to `function` succeeded: any earlier
/// error or success removed, `__done=<function>` added.
pub fn with_done(page: &str, function: &str) -> String {
    let page = crate::routes::ReturnTo::parse(page)
        .map(|page| page.as_str().to_owned())
        .unwrap_or_else(|| "/".to_owned());
    let (path, query) = page.split_once('?').unwrap_or((page.as_str(), ""));
    let mut kept: Vec<&str> = query
        .split('&')
        .filter(|pair| {
            let key = pair.split('=').next().unwrap_or_default();
            !pair.is_empty() && !matches!(key, "__path" | "__err" | DONE | FOR)
        })
        .collect();
    let done = format!("{DONE}={}", crate::components::share::encode(function));
    kept.push(&done);
    format!("{path}?{}", kept.join("&"))
}

/// Whether this page was opened after a plain post to `function` succeeded.
pub fn form_done(function: &'static str) -> bool {
    use_query_map().with_untracked(|q| q.get(DONE).as_deref() == Some(function))
}

/// The error that a plain form post to the server function at `function` came back with, if
/// this page was opened that way, as the link carries it (anyone can write a link: see
/// [`form_error`]).
fn url_error(function: &'static str) -> Memo<Option<AppError>> {
    let query = use_query_map();
    Memo::new(move |_| {
        query.with(|q| {
            (q.get("__path").as_deref() == Some(function))
                .then(|| q.get("__err"))
                .flatten()
                .map(|encoded| ServerFnUrlError::<AppError>::decode_err(&encoded))
        })
    })
}

/// The error to show for a form: the action's latest result when the script ran it, else one
/// that came back in the URL. An error from the URL (which the framework also hands to the
/// action as its first value) is shown in the site's own words only
/// ([`AppError::read_from_link`]): a link can carry any text.
pub fn form_error<T, S>(value: S, function: &'static str) -> Signal<Option<AppError>>
where
    S: Get<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
    T: 'static,
{
    let from_url = url_error(function);
    Signal::derive(move || shown_error(value.get(), from_url.get()))
}

/// [`form_error`] for the form about `subject`, on a page with one such form per subject: an
/// error from the link shows only when the link names this subject ([`FOR`]).
pub fn form_error_for<T, S>(
    value: S,
    function: &'static str,
    subject: String,
) -> Signal<Option<AppError>>
where
    S: Get<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
    T: 'static,
{
    let from_url = url_error(function);
    let query = use_query_map();
    let ours = Memo::new(move |_| query.with(|q| q.get(FOR).as_deref() == Some(subject.as_str())));
    Signal::derive(move || {
        let linked = from_url.get().filter(|_| ours.get());
        let value = value
            .get()
            .filter(|_| ours.get() || from_url.get().is_none());
        shown_error(value, linked)
    })
}

fn shown_error<T>(
    value: Option<Result<T, AppError>>,
    linked: Option<AppError>,
) -> Option<AppError> {
    match value {
        Some(Err(err)) if linked.as_ref() == Some(&err) => Some(err.read_from_link()),
        Some(Err(err)) => Some(err),
        Some(Ok(_)) => None,
        None => linked.map(AppError::read_from_link),
    }
}

/// The message of a field's error, if the error is about that field.
pub fn field_message(error: Option<AppError>, field: &str) -> Option<String> {
    match error {
        Some(AppError::Invalid { field: f, message }) if f == field => Some(message),
        _ => None,
    }
}

/// An error in words, announced to screen readers, or nothing.
#[component]
pub fn ErrorMessage(#[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    move || {
        error.get().map(|err| {
            view! {
                <p role="alert" class="rounded-lg bg-red-50 px-3 py-2 text-sm text-red-800 ring-1 ring-red-200">
                    {err.to_string()}
                </p>
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_way_back_is_always_a_path_on_this_site() {
        let err = AppError::invalid("title", "The title must not be empty.");
        for page in [
            "//evil.example/lists/new",
            "/\\evil.example/x",
            "https://evil.example/",
        ] {
            let url = with_error(page, "/api/create_list", &err);
            assert!(url.starts_with("/?__path="), "{page} -> {url}");
        }
    }

    #[test]
    fn an_error_round_trips_through_the_forms_page_url() {
        let err = AppError::invalid("title", "The title must not be empty.");
        let url = with_error("/lists/new?occasion=birthday", "/api/create_list", &err);
        assert!(
            url.starts_with("/lists/new?occasion=birthday&__path=%2Fapi%2Fcreate_list&__err="),
            "{url}"
        );
        let encoded = url.split("__err=").nth(1).unwrap();
        let encoded: String = url::form_urlencoded::parse(format!("e={encoded}").as_bytes())
            .next()
            .unwrap()
            .1
            .into_owned();
        let back = ServerFnUrlError::<AppError>::decode_err(&encoded);
        // The field comes back, the typed-in message does not: the page writes its own.
        assert_eq!(back, AppError::invalid("title", ""));
        assert_eq!(
            back.read_from_link(),
            AppError::invalid("title", crate::error::field_hint("title").unwrap())
        );
        let rule = AppError::from(domain::RuleError::ListClosed);
        let url = with_error("/lists/new", "/api/create_list", &rule);
        assert!(url.contains("__err="), "{url}");
    }

    #[test]
    fn a_link_cannot_put_its_own_words_on_the_page() {
        // What someone could write into a link by hand.
        let forged = AppError::invalid("title", "Your account is locked: call +1 555 0100.");
        let shown = forged.clone().read_from_link();
        assert!(!shown.to_string().contains("555"), "{shown}");
        assert_eq!(
            shown.to_string(),
            crate::error::field_hint("title").unwrap()
        );
        // A field the site does not have: a plain "couldn't read that request".
        let unknown = AppError::invalid("<b>x</b>", "Visit evil.example").read_from_link();
        assert_eq!(unknown, AppError::BadRequest);
        // And the way there: a real refusal sent back to its form leaves its words behind.
        let url = with_error("/lists/new", "/api/create_list", &forged);
        assert!(!url.contains("555") && !url.contains("locked"), "{url}");
    }

    #[test]
    fn a_success_replaces_what_the_page_said_before() {
        let failed = with_error(
            "/lists/x/settings?tab=1",
            "/api/update_list",
            &AppError::CrossSite,
        );
        let done = with_done(&failed, "/api/update_list");
        assert_eq!(done, "/lists/x/settings?tab=1&__done=%2Fapi%2Fupdate_list");
        assert_eq!(
            with_done(&done, "/api/set_surprise"),
            "/lists/x/settings?tab=1&__done=%2Fapi%2Fset_surprise"
        );
        assert_eq!(
            with_done("//evil.example/", "/api/x"),
            "/?__done=%2Fapi%2Fx"
        );
    }

    #[test]
    fn an_error_about_one_gift_names_it_and_replaces_the_last() {
        let err = AppError::Conflict;
        let first = with_error_for("/lists/x/edit", "/api/remove_gift", Some("g1"), &err);
        assert!(first.ends_with("&__for=g1"), "{first}");
        let second = with_error_for(&first, "/api/remove_gift", Some("g2"), &err);
        assert_eq!(second.matches("__for=").count(), 1, "{second}");
        assert!(second.ends_with("&__for=g2"), "{second}");
        assert!(!with_done(&second, "/api/x").contains("__for"));
    }

    #[test]
    fn a_second_error_replaces_the_first() {
        let first = with_error("/lists/new", "/api/create_list", &AppError::SignInRequired);
        let second = with_error(&first, "/api/create_list", &AppError::CrossSite);
        assert_eq!(second.matches("__err=").count(), 1, "{second}");
    }

    #[test]
    fn field_messages_belong_to_their_field() {
        let err = Some(AppError::invalid("title", "Too long."));
        assert_eq!(
            field_message(err.clone(), "title").as_deref(),
            Some("Too long.")
        );
        assert_eq!(field_message(err, "message"), None);
        assert_eq!(field_message(Some(AppError::SignInRequired), "title"), None);
    }
}
