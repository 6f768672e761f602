//! The browser entry point: hydrates the page's islands (the few components that need the
//! browser: `#[island]` in `app`). Everything else was rendered on the server and stays as it is.

// The islands' entry points are exported from the `app` crate: it must be linked in.
#[allow(unused_imports)]
use app::*;

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}
