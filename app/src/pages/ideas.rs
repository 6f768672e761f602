//! List ideas: `/ideas` lists the articles, `/ideas/:slug` shows one with its products
//! ([`crate::content`]). A signed-in owner adds a product to one of their lists in one step: the
//! form posts the product to [`AddGift`], which holds it to the same rules as a gift typed in
//! the editor and then shows that list. A visitor signs in first and comes back to the
//! product.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::account::current_viewer;
use crate::components::meta::PageMeta;
use crate::components::ui::{CARD, INPUT, LABEL, PRIMARY};
use crate::content::{self, Idea, IdeaProduct};
use crate::error::AppError;
use crate::forms::{form_error, ErrorMessage};
use crate::owner::{my_lists, AddGift, ListSummary};
use crate::pages::not_found::NotFound;
use crate::routes;

/// Every article, as cards.
#[component]
pub fn IdeasPage() -> impl IntoView {
    view! {
        <PageMeta
            title="Gift list ideas"
            description="Ideas for baby shower, christening and birthday gift lists: gifts people use, at every budget, to add to your own list in one step."
        />
        <section class="mx-auto max-w-5xl px-4 py-10">
            <h1 class="text-3xl font-bold">"Gift list ideas"</h1>
            <p class="mt-3 max-w-2xl text-stone-700">
                "Not sure what to ask for? Start from one of these, and add what you like to your list."
            </p>
            <ul class="mt-8 grid gap-4 sm:grid-cols-2 lg:grid-cols-3" data-testid="ideas">
                {content::ideas()
                    .iter()
                    .map(|idea| {
                        view! {
                            <li class=format!("{CARD} flex flex-col")>
                                <img src=idea.occasion.image_path() alt="" width="320" height="120" class="h-28 w-full rounded-xl object-cover" />
                                <h2 class="mt-4 text-lg font-semibold">
                                    <a href=routes::idea(idea.slug) class="hover:text-rose-700 hover:underline">{idea.title.clone()}</a>
                                </h2>
                                <p class="mt-2 text-sm text-stone-700">{idea.description.clone()}</p>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </section>
    }
}

/// One article and its products.
#[component]
pub fn IdeaPage() -> impl IntoView {
    let params = use_params_map();
    let slug = params.with_untracked(|p| p.get("slug").unwrap_or_default());
    let Some(idea) = content::idea(&slug) else {
        return view! { <NotFound /> }.into_any();
    };
    view! { <Article idea /> }.into_any()
}

#[component]
fn Article(idea: &'static Idea) -> impl IntoView {
    // The lists of the person signed in; `None` for a visitor (asked first, so that a
    // visitor's page is not an error).
    let lists = Resource::new(
        || (),
        |_| async {
            match current_viewer().await? {
                Some(_) => my_lists().await.map(Some),
                None => Ok(None),
            }
        },
    );
    let add = ServerAction::<AddGift>::new();
    let error = form_error(add.value(), <AddGift as leptos::server_fn::ServerFn>::PATH);
    view! {
        <PageMeta title=idea.title.clone() description=idea.description.clone() />
        <article class="mx-auto max-w-3xl px-4 py-10" data-testid="idea">
            <p><a href=routes::IDEAS.path() class="inline-flex min-h-11 items-center text-sm font-medium text-rose-800 hover:underline">"← All list ideas"</a></p>
            <h1 class="text-3xl font-bold">{idea.title.clone()}</h1>
            <div class="written mt-4" inner_html=idea.intro_html.clone()></div>
            <div class="mt-4"><ErrorMessage error /></div>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let lists = lists.await;
                    idea.products
                        .iter()
                        .enumerate()
                        .map(|(n, product)| view! {
                            <Product idea n product lists=lists.clone() add />
                        })
                        .collect_view()
                })}
            </Suspense>
        </article>
    }
}

#[component]
fn Product(
    idea: &'static Idea,
    n: usize,
    product: &'static IdeaProduct,
    lists: Result<Option<Vec<ListSummary>>, AppError>,
    add: ServerAction<AddGift>,
) -> impl IntoView {
    let anchor = format!("product-{}", n + 1);
    let here = format!("{}#{anchor}", routes::idea(idea.slug));
    let heading_id = format!("{anchor}-heading");
    let labelled_by = heading_id.clone();
    let adding = match lists {
        Ok(Some(lists)) => {
            let open: Vec<ListSummary> = lists.into_iter().filter(|l| l.open).collect();
            if open.is_empty() {
                view! {
                    <a href=routes::NEW_LIST.path() class=PRIMARY>"Make a list to add it to"</a>
                }
                .into_any()
            } else {
                let select_id = format!("{anchor}-list");
                view! {
                    <ActionForm action=add attr:class="flex flex-wrap items-end gap-2" attr:data-testid="add-idea">
                        <input type="hidden" name="title" value=product.title.as_str().to_owned() />
                        <input type="hidden" name="shop" value=product.shop.as_str().to_owned() />
                        <input type="hidden" name="url" value=product.url.as_str().to_owned() />
                        <input type="hidden" name="price" value=product.price.amount_string() />
                        <input type="hidden" name="currency" value=product.price.currency().as_str().to_owned() />
                        <input type="hidden" name="wanted" value="1" />
                        <div class="min-w-0 flex-1">
                            <label for=select_id.clone() class=LABEL>"Your list"</label>
                            <select id=select_id name="list_id" class=INPUT>
                                {open
                                    .into_iter()
                                    .map(|list| view! { <option value=list.id.to_string()>{list.title}</option> })
                                    .collect_view()}
                            </select>
                        </div>
                        <button type="submit" class=PRIMARY data-busy="Adding…">"Add to my list"</button>
                    </ActionForm>
                }
                .into_any()
            }
        }
        Err(_) | Ok(None) => view! {
            <a href=routes::sign_in_href(&here) rel="external" class=PRIMARY>
                "Sign in to add it to your list"
            </a>
        }
        .into_any(),
    };
    view! {
        <section id=anchor class=format!("{CARD} mt-6 scroll-mt-16") aria-labelledby=labelled_by>
            <h2 id=heading_id class="text-xl font-semibold">{product.heading.clone()}</h2>
            <p class="mt-1 text-stone-800">
                <span data-testid="idea-product-title">{product.title.as_str().to_owned()}</span>
                <span class="text-stone-600">{format!(" · {} · about {}", product.shop.as_str(), product.price.display())}</span>
            </p>
            <div class="written mt-2" inner_html=product.about_html.clone()></div>
            <div class="mt-4 flex flex-wrap items-center gap-3">
                {adding}
                <a href=product.url.as_str().to_owned() rel="noopener noreferrer nofollow" target="_blank" class="inline-flex min-h-11 items-center text-sm font-medium text-rose-800 hover:underline">
                    {format!("Look in {}", product.shop.as_str())}
                </a>
            </div>
        </section>
    }
}
