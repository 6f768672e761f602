//! The team's tools (`/admin/...`): the day-by-day counts, the not-found queue, the catalogue
//! editor and the audit trail. Plain server-rendered pages whose forms post without script.
//! Each page shows itself to admins only: anyone else gets the site's "page not found" (404),
//! and every server function behind them checks again.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::admin::{
    admin_overview, admin_queue, audit_log, catalogue_product, last_import, search_catalogue,
    DismissProduct, PromoteProduct, RetireCatalogueProduct, SaveCatalogueProduct,
};
use crate::components::meta::PageMeta;
use crate::components::ui::{FieldError, CARD, INPUT, LABEL, PRIMARY, SECONDARY};
use crate::error::AppError;
use crate::forms::{form_done, form_error, ErrorMessage};
use crate::pages::not_found::NotFound;
use crate::routes;
use domain::tools::bar_heights;
use domain::{AuditAction, CatalogueLine, Kpi, KpiDay, ProductSnapshot, QueuedProduct};

/// An admin's page, or "page not found" for anyone else.
#[component]
fn AdminOnly(title: &'static str, children: ChildrenFn) -> impl IntoView {
    #[cfg(feature = "ssr")]
    let admin = crate::request::is_admin();
    #[cfg(not(feature = "ssr"))]
    let admin = false;
    if !admin {
        return view! { <NotFound /> }.into_any();
    }
    view! {
        <PageMeta title=title description="The Ewelists team's tools." noindex=true />
        <section class="mx-auto max-w-5xl px-4 py-8" data-testid="admin">
            <nav aria-label="Tools" class="flex flex-wrap gap-2 text-sm">
                <a href=routes::ADMIN.path() class=SECONDARY>"Counts"</a>
                <a href=routes::ADMIN_QUEUE.path() class=SECONDARY>"Not in the catalogue"</a>
                <a href=routes::ADMIN_CATALOGUE.path() class=SECONDARY>"Catalogue"</a>
                <a href=routes::ADMIN_AUDIT.path() class=SECONDARY>"Audit trail"</a>
            </nav>
            <h1 class="mt-6 text-2xl font-bold">{title}</h1>
            {children()}
        </section>
    }
    .into_any()
}

/// What a failed load says.
fn failed(err: AppError) -> AnyView {
    view! { <p role="alert" class="mt-6 text-red-800">{err.to_string()}</p> }.into_any()
}

// ---- The counts ----

#[component]
pub fn AdminHomePage() -> impl IntoView {
    let overview = Resource::new(|| (), |_| admin_overview());
    view! {
        <AdminOnly title="Counts, last 90 days">
            <Suspense fallback=|| view! { <p class="mt-6">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match overview.await {
                        Ok(overview) => view! {
                            <p class="mt-2 text-stone-700">
                                <a href=routes::ADMIN_QUEUE.path() class="font-semibold text-rose-700 underline">
                                    {format!("{} products wait in the not-found queue", overview.waiting)}
                                </a>
                                ". Days are UTC; today is the last bar."
                            </p>
                            <div class="mt-6 grid gap-4 sm:grid-cols-2">
                                {Kpi::ALL.into_iter().map(|kpi| view! { <KpiChart kpi days=overview.days.clone() /> }).collect_view()}
                            </div>
                        }
                        .into_any(),
                        Err(err) => failed(err),
                    }
                })}
            </Suspense>
        </AdminOnly>
    }
}

/// One measure's bars over the window, drawn on the server as SVG, with its total and today's
/// count in words (and a table of the days for screen readers).
#[component]
fn KpiChart(kpi: Kpi, days: Vec<KpiDay>) -> impl IntoView {
    const HEIGHT: u32 = 60;
    let values: Vec<u64> = days.iter().map(|d| d.get(kpi)).collect();
    let total: u64 = values.iter().sum();
    let today = values.last().copied().unwrap_or(0);
    let bars = bar_heights(&values, HEIGHT);
    let width = u32::try_from(days.len()).unwrap_or(90) * 4;
    let label = format!(
        "{}: {total} in {} days, {today} today",
        kpi.label(),
        days.len()
    );
    let id = format!("kpi-{}", kpi.as_str());
    view! {
        <figure class=CARD data-testid=id.clone()>
            <figcaption class="flex justify-between gap-2 text-sm">
                <span class="font-semibold">{kpi.label()}</span>
                <span class="text-stone-600" data-testid=format!("{id}-total")>{format!("{total} · today {today}")}</span>
            </figcaption>
            <svg
                viewBox=format!("0 0 {width} {HEIGHT}")
                class="mt-3 h-16 w-full"
                preserveAspectRatio="none"
                role="img"
                aria-label=label
            >
                {bars
                    .into_iter()
                    .zip(days.iter())
                    .enumerate()
                    .filter(|(_, (h, _))| *h > 0)
                    .map(|(i, (h, day))| {
                        let x = u32::try_from(i).unwrap_or(0) * 4;
                        view! {
                            <rect x=x y=HEIGHT - h width="3" height=h class="fill-rose-700">
                                <title>{format!("{}: {}", day.date, day.get(kpi))}</title>
                            </rect>
                        }
                    })
                    .collect_view()}
            </svg>
        </figure>
    }
}

// ---- The not-found queue ----

#[component]
pub fn AdminQueuePage() -> impl IntoView {
    let queue = Resource::new(|| (), |_| admin_queue());
    let promote = ServerAction::<PromoteProduct>::new();
    let dismiss = ServerAction::<DismissProduct>::new();
    let promote_error = form_error(promote.value(), PromoteProduct::PATH);
    let dismiss_error = form_error(dismiss.value(), DismissProduct::PATH);
    let promoted = form_done(PromoteProduct::PATH);
    let dismissed = form_done(DismissProduct::PATH);
    view! {
        <AdminOnly title="Not in the catalogue">
            <p class="mt-2 text-stone-700">
                "Products owners added by hand or from a shop's page, by link. Correct the details and promote one to the catalogue (owners pasting its link then get it), or dismiss it."
            </p>
            {promoted.then(|| view! { <p role="status" class="mt-4 text-green-800" data-testid="promoted">"Promoted to the catalogue."</p> })}
            {dismissed.then(|| view! { <p role="status" class="mt-4 text-green-800">"Dismissed."</p> })}
            <div class="mt-4 grid gap-2">
                <ErrorMessage error=promote_error />
                <ErrorMessage error=dismiss_error />
            </div>
            <Suspense fallback=|| view! { <p class="mt-6">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match queue.await {
                        Ok(queue) if queue.is_empty() => view! { <p class="mt-6 text-stone-600">"Nothing waits."</p> }.into_any(),
                        Ok(queue) => view! {
                            <ul class="mt-6 grid gap-4" data-testid="queue">
                                {queue.into_iter().map(|queued| view! { <Queued queued promote dismiss /> }).collect_view()}
                            </ul>
                        }
                        .into_any(),
                        Err(err) => failed(err),
                    }
                })}
            </Suspense>
        </AdminOnly>
    }
}

#[component]
fn Queued(
    queued: QueuedProduct,
    promote: ServerAction<PromoteProduct>,
    dismiss: ServerAction<DismissProduct>,
) -> impl IntoView {
    let product = queued.product.clone();
    let (url, promote_url, dismiss_url, canonical) = (
        queued.url.clone(),
        queued.url.clone(),
        queued.url.clone(),
        queued.url.clone(),
    );
    let added = format!(
        "On {} list{}, last added {}",
        queued.lists,
        if queued.lists == 1 { "" } else { "s" },
        crate::format::long_date(queued.last_added.date())
    );
    view! {
        <li class=CARD data-testid="queued">
            <p class="break-all text-sm text-stone-600">{url}</p>
            <p class="text-sm text-stone-600">{added}</p>
            <ActionForm action=promote attr:class="mt-3 grid gap-3 sm:grid-cols-2">
                <input type="hidden" name="queued" value=promote_url />
                <ProductInputs product=Some(product) retailer=None canonical=Some(canonical) />
                <div class="sm:col-span-2 flex flex-wrap gap-2">
                    <button type="submit" class=PRIMARY>"Promote to the catalogue"</button>
                </div>
            </ActionForm>
            <ActionForm action=dismiss attr:class="mt-2">
                <input type="hidden" name="queued" value=dismiss_url />
                <button type="submit" class=SECONDARY>"Dismiss"</button>
            </ActionForm>
        </li>
    }
}

/// The fields of a catalogue product, filled in from `product` (the link from `canonical` when
/// given).
#[component]
fn ProductInputs(
    product: Option<ProductSnapshot>,
    retailer: Option<String>,
    canonical: Option<String>,
) -> impl IntoView {
    let value = |f: &dyn Fn(&ProductSnapshot) -> Option<String>| {
        product.as_ref().and_then(f).unwrap_or_default()
    };
    let title = value(&|p| Some(p.title.as_str().to_owned()));
    let shop = value(&|p| p.brand.as_ref().map(|b| b.as_str().to_owned()));
    let url =
        canonical.unwrap_or_else(|| value(&|p| p.url.as_ref().map(|u| u.as_str().to_owned())));
    let image = value(&|p| p.image_url.as_ref().map(|u| u.as_str().to_owned()));
    let amount = value(&|p| p.price.map(|p| p.amount_string()));
    let currency = value(&|p| p.price.map(|p| p.currency().as_str().to_owned()));
    let field = |name: &'static str, label: &'static str, value: String, required: bool| {
        view! {
            <label class="grid gap-1">
                <span class=LABEL>{label}</span>
                <input name=name value=value class=INPUT required=required />
            </label>
        }
    };
    view! {
        {field("title", "Title", title, true)}
        {field("shop", "Brand", shop, false)}
        {field("url", "Link", url, false)}
        {field("image_url", "Picture's link", image, false)}
        {field("price", "Price", amount, false)}
        {field("currency", "Currency", currency, false)}
        {field("retailer", "Sold by (when not the brand)", retailer.unwrap_or_default(), false)}
    }
}

// ---- The catalogue ----

#[component]
pub fn AdminCataloguePage() -> impl IntoView {
    let query = use_query_map();
    let q = query.with_untracked(|q| q.get("q").unwrap_or_default());
    let search = {
        let q = q.clone();
        Resource::new(move || q.clone(), search_catalogue)
    };
    // After a file was loaded (its form leads to the import address), what it came to.
    let after_import = leptos_router::hooks::use_location()
        .pathname
        .with_untracked(|path| path == routes::ADMIN_IMPORT.path());
    let last_import = Resource::new(|| (), |_| last_import());
    view! {
        <AdminOnly title="Catalogue">
            <form method="get" action=routes::ADMIN_CATALOGUE.path() class="mt-4 flex flex-wrap items-end gap-2" role="search">
                <label class="grid gap-1">
                    <span class=LABEL>"Title, brand or link"</span>
                    <input name="q" type="search" value=q.clone() class=INPUT />
                </label>
                <button type="submit" class=PRIMARY>"Search"</button>
                <a href=routes::ADMIN_PRODUCT.fill(&["new"]) class=SECONDARY>"New product"</a>
            </form>
            <Suspense fallback=|| view! { <p class="mt-6">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match search.await {
                        Ok(lines) if lines.is_empty() => view! { <p class="mt-6 text-stone-600">"No product matches."</p> }.into_any(),
                        Ok(lines) => view! {
                            <ul class="mt-6 grid gap-2" data-testid="catalogue">
                                {lines.into_iter().map(|line| view! { <CatalogueRow line /> }).collect_view()}
                            </ul>
                        }
                        .into_any(),
                        Err(err) => failed(err),
                    }
                })}
            </Suspense>
            <h2 class="mt-10 text-lg font-semibold">"Load a file"</h2>
            <p class="mt-1 text-sm text-stone-700">
                "A .json (an array of objects) or .csv (a header row) file with the fields title, brand, url, image_url, price, currency and retailer. Every row is checked first: a file with any problem loads nothing, and every problem is listed. A product whose link is in the catalogue is updated."
            </p>
            <form method="post" enctype="multipart/form-data" action=routes::ADMIN_IMPORT.path() class="mt-3 flex flex-wrap items-end gap-2">
                <label class="grid gap-1">
                    <span class=LABEL>"Catalogue file"</span>
                    <input name="file" type="file" accept=".json,.csv" required class=INPUT />
                </label>
                <button type="submit" class=PRIMARY>"Load"</button>
            </form>
            {after_import.then(|| view! {
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        match last_import.await {
                            Ok(Some(outcome)) => view! { <ImportReport outcome /> }.into_any(),
                            Ok(None) => ().into_any(),
                            Err(err) => failed(err),
                        }
                    })}
                </Suspense>
            })}
        </AdminOnly>
    }
}

/// What the last catalogue file the admin loaded from the page came to.
#[component]
fn ImportReport(outcome: domain::tools::ImportOutcome) -> impl IntoView {
    match outcome.loaded {
        Some((created, updated)) => view! {
            <p role="status" class="mt-4 text-green-800" data-testid="import-report">
                {format!("{}: {created} created, {updated} updated.", outcome.file)}
            </p>
        }
        .into_any(),
        None => view! {
            <div role="alert" class="mt-4 rounded-lg bg-red-50 p-3 text-sm text-red-800 ring-1 ring-red-200" data-testid="import-report">
                <p class="font-semibold">{format!("{}: nothing was loaded. {} problem(s):", outcome.file, outcome.problems.len())}</p>
                <ul class="mt-2 list-disc pl-5">
                    {outcome.problems.into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}
                </ul>
            </div>
        }
        .into_any(),
    }
}

#[component]
fn CatalogueRow(line: CatalogueLine) -> impl IntoView {
    let p = &line.product.product;
    view! {
        <li class="flex flex-wrap items-center justify-between gap-2 rounded-xl bg-white p-3 ring-1 ring-stone-200">
            <span class="min-w-0">
                <a href=routes::admin_product(&line.product.id) class="font-semibold text-rose-700 underline">{p.title.as_str().to_owned()}</a>
                {line.retired.then(|| view! { <span class="ml-2 text-xs uppercase text-stone-600">"retired"</span> })}
                <span class="block break-all text-sm text-stone-600">
                    {p.brand.as_ref().map(|b| format!("{} · ", b.as_str()))}
                    {p.url.as_ref().map(|u| u.as_str().to_owned())}
                </span>
            </span>
            <span class="text-sm">{p.price.map(|p| p.display())}</span>
        </li>
    }
}

#[component]
pub fn AdminProductPage() -> impl IntoView {
    let params = use_params_map();
    let id = params.with_untracked(|p| p.get("id").unwrap_or_default());
    let is_new = id == "new";
    let line = {
        let id = id.clone();
        Resource::new(
            move || id.clone(),
            |id| async move {
                if id == "new" {
                    Ok(None)
                } else {
                    catalogue_product(id).await.map(Some)
                }
            },
        )
    };
    let save = ServerAction::<SaveCatalogueProduct>::new();
    let retire = ServerAction::<RetireCatalogueProduct>::new();
    let save_error = form_error(save.value(), SaveCatalogueProduct::PATH);
    let retire_error = form_error(retire.value(), RetireCatalogueProduct::PATH);
    let saved = form_done(SaveCatalogueProduct::PATH) || form_done(RetireCatalogueProduct::PATH);
    let stored_id = StoredValue::new(id);
    view! {
        <AdminOnly title=if is_new { "New catalogue product" } else { "Catalogue product" }>
            {saved.then(|| view! { <p role="status" class="mt-4 text-green-800">"Saved."</p> })}
            <Suspense fallback=|| view! { <p class="mt-6">"Loading…"</p> }>
                {move || {
                    let id = stored_id.get_value();
                    Suspend::new(async move {
                        match line.await {
                            Ok(line) => {
                                let retired = line.as_ref().is_some_and(|l| l.retired);
                                let product = line.as_ref().map(|l| l.product.product.clone());
                                let retailer = line.as_ref().and_then(|l| l.product.retailer.as_ref().map(|r| r.as_str().to_owned()));
                                let retire_id = id.clone();
                                view! {
                                    <ActionForm action=save attr:class=format!("{CARD} mt-6 grid gap-3 sm:grid-cols-2") attr:data-testid="product-form">
                                        <input type="hidden" name="id" value=id />
                                        <ProductInputs product retailer canonical=None />
                                        <div class="sm:col-span-2"><ErrorMessage error=save_error /></div>
                                        <FieldErrors error=save_error />
                                        <div class="sm:col-span-2">
                                            <button type="submit" class=PRIMARY>"Save"</button>
                                        </div>
                                    </ActionForm>
                                    {line.is_some().then(|| view! {
                                        <ActionForm action=retire attr:class="mt-4">
                                            <input type="hidden" name="id" value=retire_id />
                                            <input type="hidden" name="retire" value=(!retired).to_string() />
                                            <p class="text-sm text-stone-700">
                                                {if retired { "Retired: owners pasting its link no longer get it." } else { "In the catalogue: owners pasting its link get it." }}
                                            </p>
                                            <button type="submit" class=format!("{SECONDARY} mt-2")>
                                                {if retired { "Bring it back" } else { "Retire it" }}
                                            </button>
                                            <ErrorMessage error=retire_error />
                                        </ActionForm>
                                    })}
                                }
                                .into_any()
                            }
                            Err(err) => failed(err),
                        }
                    })
                }}
            </Suspense>
        </AdminOnly>
    }
}

/// The field-level messages of a product form's error.
#[component]
fn FieldErrors(error: Signal<Option<AppError>>) -> impl IntoView {
    ["title", "shop", "url", "image_url", "price", "retailer"]
        .into_iter()
        .map(|field| view! { <FieldError error field id=format!("product-{field}-error") /> })
        .collect_view()
}

// ---- The audit trail ----

#[component]
pub fn AdminAuditPage() -> impl IntoView {
    let entries = Resource::new(|| (), |_| audit_log());
    view! {
        <AdminOnly title="Audit trail">
            <p class="mt-2 text-stone-700">"Every change made here, newest first (this month and the last)."</p>
            <Suspense fallback=|| view! { <p class="mt-6">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match entries.await {
                        Ok(entries) if entries.is_empty() => view! { <p class="mt-6 text-stone-600">"No changes yet."</p> }.into_any(),
                        Ok(entries) => view! {
                            <ol class="mt-6 grid gap-3" data-testid="audit">
                                {entries.into_iter().map(|entry| view! {
                                    <li class="rounded-xl bg-white p-3 text-sm ring-1 ring-stone-200">
                                        <p>
                                            <span class="font-semibold">{action_words(entry.action)}</span>
                                            {format!(" · {} · {}", entry.who, entry.at.date())}
                                        </p>
                                        <p class="break-all text-stone-600">{entry.target.clone()}</p>
                                        {entry.before.map(|b| view! { <details><summary>"Before"</summary><pre class="whitespace-pre-wrap break-all">{b}</pre></details> })}
                                        {entry.after.map(|a| view! { <details><summary>"After"</summary><pre class="whitespace-pre-wrap break-all">{a}</pre></details> })}
                                    </li>
                                }).collect_view()}
                            </ol>
                        }
                        .into_any(),
                        Err(err) => failed(err),
                    }
                })}
            </Suspense>
        </AdminOnly>
    }
}

fn action_words(action: AuditAction) -> &'static str {
    match action {
        AuditAction::Promote => "Promoted to the catalogue",
        AuditAction::Dismiss => "Dismissed from the queue",
        AuditAction::SaveProduct => "Saved a catalogue product",
        AuditAction::Retire => "Retired a catalogue product",
        AuditAction::Restore => "Brought a catalogue product back",
        AuditAction::Import => "Loaded a catalogue file",
    }
}
