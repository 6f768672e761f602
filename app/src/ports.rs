//! The ports the server functions use: traits that the server's adapters implement.
//!
//! [`Store`] is the storage port: every read and write of lists, gifts, reservations and the
//! product catalogue. Each method is one business action; the adapter makes it atomic (one
//! conditional write or transaction) and applies the domain's rules ([`domain::rules`]) to the
//! state it read, retrying a bounded number of times when another request changed that state
//! first. See `docs/data-model.md` for how the DynamoDB adapter does it.

use domain::{
    CatalogueProduct, ContactMessage, ContactText, Email, Gift, GiftEdit, GiftId, GiftList,
    HttpUrl, ListDetails, ListId, OnceRequest, PersonName, Price, ProductTitle, Quantity,
    Reservation, ReservationToken, ReserveRequest, RuleError, ShopName, SurprisePolicy, Title,
    UserId,
};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// Why a storage action failed. Server functions turn it into an [`crate::error::AppError`],
/// which has the words for people (they depend on the action: see `AppError::reserving`); this
/// one never reaches the browser, and its messages are for logs.
///
/// Nothing here carries internal details: the adapter logs those (once, with context) and
/// returns the plain variant.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// No such list, or the list is not the caller's: the two look the same, so that nobody
    /// learns that a list they don't own exists.
    #[error("list not found")]
    NotFound,
    /// No such gift on the list.
    #[error("gift not found")]
    GiftNotFound,
    /// No reservation has this link (it may have been replaced by a newer one).
    #[error("reservation not found")]
    ReservationNotFound,
    /// A domain rule refused the change; its message says why.
    #[error("refused by a rule: {0}")]
    Rule(#[from] RuleError),
    /// Other requests kept changing the same gift or list, and the retries ran out.
    #[error("lost every race")]
    Conflict,
    /// The database could not be reached or refused the request.
    #[error("storage unavailable")]
    Unavailable,
    /// Stored data could not be read.
    #[error("stored data cannot be decoded")]
    Corrupt,
}

/// What the public list page shows: the list and its gifts (never reservations).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListPage {
    pub list: GiftList,
    /// Oldest first.
    pub gifts: Vec<Gift>,
}

/// Everything about one list, for its owner: the list, its gifts and every reservation.
///
/// What the owner may actually *see* of the reservations is decided by the caller with
/// [`GiftList::owner_visibility`] and [`domain::owner_reservations`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnerListData {
    pub list: GiftList,
    pub gifts: Vec<Gift>,
    pub reservations: Vec<Reservation>,
}

/// A reservation found by its token, with its gift and list when they still exist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReservationDetails {
    pub reservation: Reservation,
    pub gift: Option<Gift>,
    pub list: Option<GiftList>,
}

/// An owner's change to a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListEdit {
    Details(ListDetails),
    Surprise(SurprisePolicy),
    /// Closing is final and idempotent.
    Close,
}

/// What a guest's action stored, for the mails it causes ([`Letters`]).
#[derive(Debug, Clone, Copy)]
pub struct GuestNews<'a> {
    /// The list as read in the action (its surprise setting decides what the owner is told).
    pub list: &'a GiftList,
    /// The gift with its new counters.
    pub gift: &'a Gift,
    /// The reservation as stored.
    pub reservation: &'a Reservation,
    /// The reservation's (new) token: its private link, sent only to its mailbox.
    pub token: &'a ReservationToken,
}

/// The mails an action causes, written from what it stored. The store puts them in its outbox
/// in the same transaction as the change: a committed change always has its mails, a refused
/// one has none, and nobody waits for the mail service (a courier delivers them).
pub type Letters<'a> = &'a (dyn Fn(&GuestNews<'_>) -> Vec<Mail> + Send + Sync);

/// The letters of an action that mails nobody.
pub fn no_mail(_: &GuestNews<'_>) -> Vec<Mail> {
    Vec::new()
}

/// What [`Store::reserve`] stored: always a new reservation (reservations are never merged).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reserved {
    /// The new reservation's token: its only key, shown to the browser that reserved and
    /// mailed to the address typed.
    pub token: ReservationToken,
    pub reservation: Reservation,
    /// The gift as stored, with its new counters.
    pub gift: Gift,
}

/// What [`Store::reserve_once`] came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReserveDone {
    /// A new reservation was stored.
    New(Box<Reserved>),
    /// The same request was done before (its [`OnceRequest`] has a record): the reservation it
    /// made, by its token. Nothing was stored and nothing is mailed again.
    Again(ReservationToken),
}

impl ReserveDone {
    /// The reservation's token, whichever request made it.
    pub fn token(&self) -> &ReservationToken {
        match self {
            Self::New(reserved) => &reserved.token,
            Self::Again(token) => token,
        }
    }
}

/// Storage for lists, gifts, reservations and the product catalogue.
///
/// Owner actions take the acting user and answer [`StoreError::NotFound`] when the list is
/// not theirs. Guest actions on a reservation take its token; only the token's hash is stored.
#[async_trait::async_trait]
pub trait Store: Send + Sync + 'static {
    /// Stores a new list (refused with `Conflict` if its id is taken, which never happens with
    /// generated ids).
    async fn create_list(&self, list: &GiftList) -> Result<(), StoreError>;

    /// The list, if it exists.
    async fn get_list(&self, list_id: &ListId) -> Result<Option<GiftList>, StoreError>;

    /// The user's lists, newest first.
    async fn lists_of_owner(&self, owner: &UserId) -> Result<Vec<GiftList>, StoreError>;

    /// Changes a list of `owner`'s and returns it as stored.
    async fn edit_list(
        &self,
        owner: &UserId,
        list_id: &ListId,
        edit: ListEdit,
        now: OffsetDateTime,
    ) -> Result<GiftList, StoreError>;

    /// Deletes a list of `owner`'s with its gifts and reservations.
    async fn delete_list(&self, owner: &UserId, list_id: &ListId) -> Result<(), StoreError>;

    /// The public page's data: the list and its gifts.
    async fn list_page(&self, list_id: &ListId) -> Result<Option<ListPage>, StoreError>;

    /// Everything about a list of `owner`'s.
    async fn owner_list(
        &self,
        owner: &UserId,
        list_id: &ListId,
    ) -> Result<OwnerListData, StoreError>;

    /// Keeps a message from the contact page under `id`, with the mails it causes, in one
    /// transaction; [`StoreError::Conflict`] when `id` is taken (the same post again).
    async fn keep_contact(
        &self,
        id: &str,
        message: &ContactMessage,
        mails: &[Mail],
    ) -> Result<(), StoreError>;

    /// Adds a gift to a list of `owner`'s (the list is `gift.list_id`), applying
    /// [`domain::rules::add_gift`].
    async fn add_gift(&self, owner: &UserId, gift: &Gift) -> Result<(), StoreError>;

    /// Applies an owner's edit to a gift on a list of `owner`'s ([`domain::rules::edit_gift`],
    /// one conditional write) and returns the gift as stored.
    async fn edit_gift(
        &self,
        owner: &UserId,
        list_id: &ListId,
        gift_id: &GiftId,
        edit: GiftEdit,
        now: OffsetDateTime,
    ) -> Result<Gift, StoreError>;

    /// Removes a gift nobody has reserved or bought ([`domain::rules::remove_gift`]).
    async fn remove_gift(
        &self,
        owner: &UserId,
        list_id: &ListId,
        gift_id: &GiftId,
        now: OffsetDateTime,
    ) -> Result<(), StoreError>;

    /// Whether reserving `quantity` of the gift could succeed now
    /// ([`domain::rules::check_reservable`]): `Ok` for a real attempt, else why not. Nothing is
    /// written.
    async fn reservable(
        &self,
        list_id: &ListId,
        gift_id: &GiftId,
        quantity: Quantity,
    ) -> Result<(), StoreError>;

    /// Reserves some of a gift for a guest ([`domain::rules::reserve`]): always a new
    /// reservation, with the mails `letters` writes (in the same transaction).
    async fn reserve(
        &self,
        list_id: &ListId,
        gift_id: &GiftId,
        request: ReserveRequest,
        now: OffsetDateTime,
        letters: Letters<'_>,
    ) -> Result<Reserved, StoreError> {
        match self
            .reserve_once(list_id, gift_id, request, now, letters, None)
            .await?
        {
            ReserveDone::New(reserved) => Ok(*reserved),
            // Only a request with a record can have been done before.
            ReserveDone::Again(_) => Err(StoreError::Conflict),
        }
    }

    /// The reservation `once` made on `list_id`, if that request was done before (and its record
    /// is still kept).
    async fn reserved_before(
        &self,
        list_id: &ListId,
        once: &OnceRequest,
        now: OffsetDateTime,
    ) -> Result<Option<ReservationToken>, StoreError>;

    /// [`Store::reserve`] done once for `once` (a form's post, [`domain::once`]): when the same
    /// request was done before, its reservation's token, and nothing else happens.
    async fn reserve_once(
        &self,
        list_id: &ListId,
        gift_id: &GiftId,
        request: ReserveRequest,
        now: OffsetDateTime,
        letters: Letters<'_>,
        once: Option<&OnceRequest>,
    ) -> Result<ReserveDone, StoreError>;

    /// The reservation this token opens, if any.
    async fn reservation(
        &self,
        token: &ReservationToken,
    ) -> Result<Option<ReservationDetails>, StoreError>;

    /// The reservations these tokens open (those that exist), read at once.
    async fn reservations(
        &self,
        tokens: &[ReservationToken],
    ) -> Result<Vec<Reservation>, StoreError>;

    /// Changes how many an active reservation holds ([`domain::rules::change_quantity`]).
    async fn change_reservation(
        &self,
        token: &ReservationToken,
        quantity: Quantity,
        now: OffsetDateTime,
    ) -> Result<(Gift, Reservation), StoreError>;

    /// Cancels an active reservation ([`domain::rules::cancel`]).
    async fn cancel_reservation(
        &self,
        token: &ReservationToken,
        now: OffsetDateTime,
    ) -> Result<(Gift, Reservation), StoreError>;

    /// Marks an active reservation as bought ([`domain::rules::confirm_purchase`]), with the
    /// mails `letters` writes (in the same transaction).
    async fn confirm_purchase(
        &self,
        token: &ReservationToken,
        now: OffsetDateTime,
        letters: Letters<'_>,
    ) -> Result<(Gift, Reservation), StoreError>;

    /// Adds or replaces a catalogue product.
    async fn put_catalogue_product(&self, product: &CatalogueProduct) -> Result<(), StoreError>;

    /// The catalogue product whose link normalises to `normalised_url`
    /// ([`domain::normalise_product_url`]), if any.
    async fn catalogue_product_by_url(
        &self,
        normalised_url: &str,
    ) -> Result<Option<CatalogueProduct>, StoreError>;

    /// Whether the storage answers (for `/healthz`).
    async fn ping(&self) -> bool;
}

pub use domain::CatalogueLine;

/// Storage for the team's tools. Every change takes the admin who makes it and writes an audit
/// entry ([`domain::AuditEntry`]) in the same transaction.
#[async_trait::async_trait]
pub trait Tools: Send + Sync + 'static {
    /// The counts of the `days` days up to and including `last` (oldest first, every day).
    async fn kpis(&self, last: time::Date, days: u16) -> Result<Vec<domain::KpiDay>, StoreError>;

    /// The queue's products in `state`, the latest added first, at most `limit`.
    async fn queue(
        &self,
        state: domain::QueueState,
        limit: usize,
    ) -> Result<Vec<domain::QueuedProduct>, StoreError>;

    /// One product of the queue, by its normalised link.
    async fn queued(&self, url: &str) -> Result<Option<domain::QueuedProduct>, StoreError>;

    /// Puts `product` in the catalogue (a new one, or the one with the same link) and marks
    /// the queue's `url` promoted.
    async fn promote(
        &self,
        admin: &Email,
        url: &str,
        product: &CatalogueProduct,
        now: OffsetDateTime,
    ) -> Result<(), StoreError>;

    /// Marks the queue's `url` dismissed: owners adding it again do not bring it back.
    async fn dismiss(
        &self,
        admin: &Email,
        url: &str,
        now: OffsetDateTime,
    ) -> Result<(), StoreError>;

    /// Catalogue products whose title, brand or link contains `query` (any case), at most
    /// `limit`, by title.
    async fn search_catalogue(
        &self,
        query: &str,
        limit: usize,
    ) -> Result<Vec<CatalogueLine>, StoreError>;

    /// One catalogue product by id.
    async fn catalogue_line(
        &self,
        id: &domain::CatalogueProductId,
    ) -> Result<Option<CatalogueLine>, StoreError>;

    /// Stores an admin's edit of a catalogue product (or a new one).
    async fn save_product(
        &self,
        admin: &Email,
        product: &CatalogueProduct,
        now: OffsetDateTime,
    ) -> Result<(), StoreError>;

    /// Retires a catalogue product, or brings it back.
    async fn set_retired(
        &self,
        admin: &Email,
        id: &domain::CatalogueProductId,
        retired: bool,
        now: OffsetDateTime,
    ) -> Result<(), StoreError>;

    /// Notes a change made outside the other methods (a catalogue file loaded from the page).
    async fn audit(&self, entry: &domain::AuditEntry) -> Result<(), StoreError>;

    /// The latest audit entries, newest first (this month and the one before), at most `limit`.
    async fn audit_log(
        &self,
        now: OffsetDateTime,
        limit: usize,
    ) -> Result<Vec<domain::AuditEntry>, StoreError>;
}

/// An email, as the facts it is written from. The store keeps it in its outbox (as JSON) until
/// a courier hands it to the mail adapter, which writes it (subject, HTML and plain text, in
/// the site's look); every value is escaped there. Links are absolute
/// (`https://ewelists.com/...`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Mail {
    /// Sent once, after a person's first sign-in created their account.
    Welcome { to: Email, name: PersonName },
    /// To a guest who reserved a gift: the private link to manage it. It carries no link
    /// chosen by the list's owner (the shop's link is on the reservation page): anyone can type
    /// any address into the reserve form, so this mail must not become a way to send a stranger
    /// an owner's link from the site's own address.
    ReservationConfirmed {
        to: Email,
        guest_name: PersonName,
        gift: ProductTitle,
        quantity: Quantity,
        list_title: Title,
        /// The public list.
        list_url: String,
        /// The reservation page: the guest's capability, sent only to their mailbox.
        manage_url: String,
    },
    /// To a guest who confirmed they bought a gift.
    PurchaseConfirmed {
        to: Email,
        guest_name: PersonName,
        gift: ProductTitle,
        quantity: Quantity,
        list_title: Title,
        list_url: String,
    },
    /// To the list's owner: a gift was bought. Never sent in surprise mode; `guest_name` only
    /// when the owner may see names.
    GiftBought {
        to: Email,
        owner_name: PersonName,
        gift: ProductTitle,
        quantity: Quantity,
        guest_name: Option<PersonName>,
        list_title: Title,
        /// The owner's list editor.
        list_url: String,
    },
    /// To the team: a message from the contact page, with the address to answer.
    ContactReceived {
        to: Email,
        from_name: PersonName,
        from_email: Email,
        message: ContactText,
        /// The message's id in the table, to find it again.
        reference: String,
    },
    /// To whoever wrote on the contact page: a copy of their message. It holds no link, so it
    /// cannot carry one that a stranger typed to someone else's address.
    ContactCopy {
        to: Email,
        name: PersonName,
        message: ContactText,
    },
}

impl Mail {
    /// Who receives it.
    pub fn recipient(&self) -> &Email {
        match self {
            Self::Welcome { to, .. }
            | Self::ReservationConfirmed { to, .. }
            | Self::PurchaseConfirmed { to, .. }
            | Self::GiftBought { to, .. }
            | Self::ContactReceived { to, .. }
            | Self::ContactCopy { to, .. } => to,
        }
    }
}

/// Why an email was not sent. The courier tries again later when it may pass; a failed
/// email never undoes what the person did.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MailError {
    /// The mail service could not be reached or failed; trying again later may work.
    #[error("We couldn't send the email just now.")]
    Unavailable,
    /// The mail service refused this message (for example the address); retrying won't help.
    #[error("The email could not be delivered to that address.")]
    Rejected,
}

/// Sends email. Only the outbox's courier calls it, never a request.
#[async_trait::async_trait]
pub trait Mailer: Send + Sync + 'static {
    /// Sends `mail` once. `key` names this mail in the outbox and is the same on every try,
    /// so that the mail service's records (and its bounce reports) can be matched to it.
    async fn send(&self, mail: &Mail, key: &str) -> Result<(), MailError>;
}

/// What a shop's page says about its product (Open Graph and JSON-LD `Product` data). Every
/// field is optional: pages vary, and the owner checks the details before adding the gift.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageProduct {
    pub title: Option<ProductTitle>,
    pub image_url: Option<HttpUrl>,
    pub price: Option<Price>,
    /// The shop's name (`og:site_name`, or the JSON-LD brand/seller).
    pub site_name: Option<ShopName>,
}

/// Why a shop's page could not be read, in words for the owner (who can still type the
/// details by hand).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LookupError {
    /// Not a public web address on the usual ports (a private network, a local machine, …).
    #[error("We can't look up that address. Please check the link, or type the details yourself.")]
    Forbidden,
    #[error("The shop's page took too long to answer. Please type the details yourself.")]
    Timeout,
    #[error("We couldn't open the shop's page. Please type the details yourself.")]
    Unreachable,
    #[error("That link doesn't lead to a web page. Please type the details yourself.")]
    NotHtml,
    #[error("The shop's page is too large to read. Please type the details yourself.")]
    TooLarge,
    /// Too many lookups are running at this moment.
    #[error("We're looking up many links just now. Please try again in a moment, or type the details yourself.")]
    Busy,
}

/// Reads product details from a shop's page on the web, safely (see the server's adapter).
#[async_trait::async_trait]
pub trait PageReader: Send + Sync + 'static {
    async fn read(&self, url: &HttpUrl) -> Result<PageProduct, LookupError>;
}

/// The adapters the server functions reach, provided by the server as context for every
/// request.
#[derive(Clone)]
pub struct Services {
    pub store: std::sync::Arc<dyn Store>,
    /// The team's tools: counts, the not-found queue, the catalogue editor, the audit trail.
    pub tools: std::sync::Arc<dyn Tools>,
    /// Reads product details from shops' web pages (the link lookup).
    pub shop_pages: std::sync::Arc<dyn PageReader>,
    pub directory: std::sync::Arc<dyn Directory>,
    pub limits: std::sync::Arc<dyn RateLimiter>,
    pub remembered: std::sync::Arc<dyn RememberedReservations>,
    /// The site's origin without a trailing slash, e.g. `https://ewelists.com`: shared links.
    pub site_url: String,
    /// Where messages from the contact page go.
    pub team_email: Email,
}

/// What is rate limited, each with its own quota per key (see the server's `limits`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LimitedAction {
    /// Reserving a gift, per client address.
    Reserve,
    /// Reserving a gift, per list and mailbox: counted only for a real attempt (a gift that
    /// exists on an open list, with enough left), so that a stranger who knows a guest's email
    /// cannot use up the guest's quota with attempts that go nowhere.
    ReserveFor,
    /// A reservation's confirmation mail, per recipient mailbox (on any list).
    MailTo,
    /// A reservation's confirmation mail, per list.
    MailFromList,
    /// Opening or acting on a reservation page (a token in the link), per client address.
    Reservation,
    /// Opening a public list, per client address.
    PublicList,
    /// Starting a sign-in (which stores the pending sign-in), per client address.
    SignIn,
    /// Looking up a shop's page, per account.
    Lookup,
    /// Creating a list, per account.
    CreateList,
    /// Adding a gift, per account.
    AddGift,
    /// A mail handed to the mail service by the courier, for the whole site: mails over the
    /// quota wait in the outbox for the next window.
    CourierMail,
    /// Downloading one's data or deleting one's account, per account.
    Account,
    /// Sending a message from the contact page, per client address.
    Contact,
}

impl LimitedAction {
    /// Every action, in the order of their discriminants.
    pub const ALL: [LimitedAction; 13] = [
        Self::Reserve,
        Self::ReserveFor,
        Self::MailTo,
        Self::MailFromList,
        Self::Reservation,
        Self::PublicList,
        Self::SignIn,
        Self::Lookup,
        Self::CreateList,
        Self::AddGift,
        Self::CourierMail,
        Self::Account,
        Self::Contact,
    ];

    /// The action's name in its counters' keys and in logs.
    pub fn name(self) -> &'static str {
        match self {
            Self::Reserve => "reserve",
            Self::ReserveFor => "reserve-for",
            Self::MailTo => "mail-to",
            Self::MailFromList => "mail-from-list",
            Self::Reservation => "reservation",
            Self::PublicList => "public-list",
            Self::SignIn => "sign-in",
            Self::Lookup => "lookup",
            Self::CreateList => "create-list",
            Self::AddGift => "add-gift",
            Self::CourierMail => "courier-mail",
            Self::Account => "account",
            Self::Contact => "contact",
        }
    }
}

/// Limits how often people (and scripts) may act, per key (a client address, an account, a
/// list and a mailbox...). The counts are shared by every instance of the server.
#[async_trait::async_trait]
pub trait RateLimiter: Send + Sync + 'static {
    /// Counts one attempt against each (action, key), all at once; `false` when any is over
    /// its limit (the attempt should then be refused with a 429).
    async fn allow_all(&self, checks: &[(LimitedAction, &str)]) -> bool;

    /// Counts one attempt of `action` against each key; `false` when any key is over its
    /// limit.
    async fn allow(&self, action: LimitedAction, keys: &[&str]) -> bool {
        let checks: Vec<(LimitedAction, &str)> = keys.iter().map(|key| (action, *key)).collect();
        self.allow_all(&checks).await
    }
}

/// The list owners' contact details (for the owner's notice).
#[async_trait::async_trait]
pub trait Directory: Send + Sync + 'static {
    async fn user(&self, id: &UserId) -> Result<Option<domain::User>, StoreError>;
}

/// The guest's browser remembers their reservation tokens (never the email) in a signed cookie,
/// so that a list can say "You reserved 1" when they come back.
pub trait RememberedReservations: Send + Sync + 'static {
    /// The tokens the request's cookie holds (none when absent or tampered with).
    fn read(&self, headers: &http::HeaderMap) -> Vec<ReservationToken>;
    /// The `Set-Cookie` value that remembers `tokens` (the newest kept when there are too many).
    fn write(&self, tokens: &[ReservationToken]) -> http::HeaderValue;
}
