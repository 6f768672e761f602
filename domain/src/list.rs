//! Gift lists: what they are for, who owns them and what the owner may see.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use crate::ids::{ListId, UserId};
use crate::text::{Message, Title};

choice!(
    /// What a list is for; it picks the list's picture.
    Occasion, what: "occasion",
    {
        BabyShower => "baby-shower",
        Birthday => "birthday",
        Christmas => "christmas",
        Baptism => "baptism",
        Christening => "christening",
        Other => "other",
    }
);

impl Occasion {
    /// The name shown to people, e.g. "Baby shower".
    pub fn label(self) -> &'static str {
        match self {
            Occasion::BabyShower => "Baby shower",
            Occasion::Birthday => "Birthday",
            Occasion::Christmas => "Christmas",
            Occasion::Baptism => "Baptism",
            Occasion::Christening => "Christening",
            Occasion::Other => "Other",
        }
    }

    /// The site path of the occasion's picture, e.g. "/images/occasions/birthday.svg".
    pub fn image_path(self) -> String {
        format!("/images/occasions/{}.svg", self.as_str())
    }
}

choice!(
    /// Whether guests can still reserve gifts on a list.
    ListState, what: "list state",
    {
        /// Guests can reserve.
        Open => "open",
        /// No new reservations or gifts; guests can still cancel or mark as bought.
        Closed => "closed",
    }
);

choice!(
    /// How much the owner sees of what guests reserved.
    SurpriseMode, what: "surprise setting", derive: [Default],
    {
        /// Nothing at all.
        Surprise => "surprise",
        /// How many of each gift are reserved or bought, not by whom (the default).
        #[default]
        Counts => "counts",
        /// Who reserved or bought what.
        Names => "names",
    }
);

impl SurpriseMode {
    /// What the owner will see, in plain words, for the settings page.
    pub fn description(self) -> &'static str {
        match self {
            SurpriseMode::Surprise => {
                "You won't see what has been reserved or bought, so every gift stays a surprise."
            }
            SurpriseMode::Counts => {
                "You'll see how many of each gift have been reserved or bought, but not by whom."
            }
            SurpriseMode::Names => "You'll see who has reserved or bought each gift.",
        }
    }
}

/// The owner's surprise settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SurprisePolicy {
    pub mode: SurpriseMode,
    /// Show names once the event date has passed, whatever the mode.
    pub reveal_names_after_event: bool,
}

/// What the owner may see of reservations right now (see [`GiftList::owner_visibility`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OwnerVisibility {
    Nothing,
    Counts,
    Names,
}

/// What the owner fills in about a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListDetails {
    pub title: Title,
    pub occasion: Occasion,
    #[serde(with = "crate::iso_date::option")]
    pub event_date: Option<Date>,
    pub message: Option<Message>,
}

/// A gift list. Its methods change it in place and stamp `updated_at` with the given time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GiftList {
    pub id: ListId,
    pub owner: UserId,
    pub details: ListDetails,
    pub state: ListState,
    pub surprise: SurprisePolicy,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl GiftList {
    /// A new, open list with the default surprise settings.
    pub fn new(id: ListId, owner: UserId, details: ListDetails, now: OffsetDateTime) -> Self {
        Self {
            id,
            owner,
            details,
            state: ListState::Open,
            surprise: SurprisePolicy::default(),
            created_at: now,
            updated_at: now,
        }
    }

    /// The picture for the list's occasion.
    pub fn image_path(&self) -> String {
        self.details.occasion.image_path()
    }

    /// Whether guests can reserve.
    pub fn is_open(&self) -> bool {
        self.state == ListState::Open
    }

    /// Whether `user` owns the list.
    pub fn is_owned_by(&self, user: &UserId) -> bool {
        self.owner == *user
    }

    /// Replaces the title, occasion, date and message.
    pub fn update_details(&mut self, details: ListDetails, now: OffsetDateTime) {
        self.details = details;
        self.updated_at = now;
    }

    /// Replaces the surprise settings.
    pub fn set_surprise(&mut self, policy: SurprisePolicy, now: OffsetDateTime) {
        self.surprise = policy;
        self.updated_at = now;
    }

    /// Closes the list; closing a closed list changes nothing.
    pub fn close(&mut self, now: OffsetDateTime) {
        if self.is_open() {
            self.state = ListState::Closed;
            self.updated_at = now;
        }
    }

    /// What the owner may see on `today`: the mode's view, or names once the event is over
    /// when the owner asked for that.
    pub fn owner_visibility(&self, today: Date) -> OwnerVisibility {
        let event_over = self.details.event_date.is_some_and(|event| today > event);
        if self.surprise.reveal_names_after_event && event_over {
            return OwnerVisibility::Names;
        }
        match self.surprise.mode {
            SurpriseMode::Surprise => OwnerVisibility::Nothing,
            SurpriseMode::Counts => OwnerVisibility::Counts,
            SurpriseMode::Names => OwnerVisibility::Names,
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use time::macros::{date, datetime};

    pub(crate) fn sample_list() -> GiftList {
        let details = ListDetails {
            title: Title::parse("Mia's baby shower").unwrap(),
            occasion: Occasion::BabyShower,
            event_date: Some(date!(2025 - 06 - 01)),
            message: None,
        };
        GiftList::new(
            ListId::generate(),
            UserId::generate(),
            details,
            datetime!(2025-01-01 12:00 UTC),
        )
    }

    #[test]
    fn occasions() {
        assert_eq!(Occasion::ALL.len(), 6);
        for occasion in Occasion::ALL {
            assert_eq!(Occasion::parse(occasion.as_str()), Ok(occasion));
            assert_eq!(occasion.as_str().parse::<Occasion>(), Ok(occasion));
            let json = serde_json::to_string(&occasion).unwrap();
            assert_eq!(json, format!("\"{}\"", occasion.as_str()));
            assert_eq!(serde_json::from_str::<Occasion>(&json).unwrap(), occasion);
        }
        assert_eq!(Occasion::BabyShower.as_str(), "baby-shower");
        assert_eq!(Occasion::BabyShower.label(), "Baby shower");
        assert_eq!(Occasion::Christening.label(), "Christening");
        assert_eq!(
            Occasion::Birthday.image_path(),
            "/images/occasions/birthday.svg"
        );
        assert_eq!(
            Occasion::parse("Wedding").unwrap_err().to_string(),
            "This occasion is not one of the available choices."
        );
        assert!(Occasion::parse("Birthday").is_err());
        assert!(serde_json::from_str::<Occasion>("\"BabyShower\"").is_err());
    }

    #[test]
    fn states_and_modes() {
        assert_eq!(ListState::parse("closed"), Ok(ListState::Closed));
        assert_eq!(ListState::Open.as_str(), "open");
        assert!(ListState::parse("shut").is_err());
        assert_eq!(SurpriseMode::default(), SurpriseMode::Counts);
        for mode in SurpriseMode::ALL {
            assert_eq!(SurpriseMode::parse(&mode.to_string()), Ok(mode));
            assert!(!mode.description().is_empty());
        }
        assert_eq!(
            SurprisePolicy::default(),
            SurprisePolicy {
                mode: SurpriseMode::Counts,
                reveal_names_after_event: false
            }
        );
    }

    #[test]
    fn new_list_is_open_with_default_policy() {
        let list = sample_list();
        assert!(list.is_open());
        assert_eq!(list.surprise, SurprisePolicy::default());
        assert_eq!(list.created_at, list.updated_at);
        assert!(list.is_owned_by(&list.owner.clone()));
        assert!(!list.is_owned_by(&UserId::generate()));
        assert_eq!(list.image_path(), "/images/occasions/baby-shower.svg");
    }

    #[test]
    fn edits_stamp_updated_at() {
        let mut list = sample_list();
        let later = datetime!(2025-02-01 09:00 UTC);
        let mut details = list.details.clone();
        details.occasion = Occasion::Birthday;
        list.update_details(details, later);
        assert_eq!(list.details.occasion, Occasion::Birthday);
        assert_eq!(list.updated_at, later);
        let policy = SurprisePolicy {
            mode: SurpriseMode::Names,
            reveal_names_after_event: true,
        };
        let later = datetime!(2025-02-02 09:00 UTC);
        list.set_surprise(policy, later);
        assert_eq!(list.surprise, policy);
        assert_eq!(list.updated_at, later);
    }

    #[test]
    fn close_is_idempotent() {
        let mut list = sample_list();
        let first = datetime!(2025-03-01 00:00 UTC);
        list.close(first);
        assert!(!list.is_open());
        assert_eq!(list.updated_at, first);
        list.close(datetime!(2025-04-01 00:00 UTC));
        assert_eq!(list.state, ListState::Closed);
        assert_eq!(list.updated_at, first);
    }

    #[test]
    fn owner_visibility_follows_mode_and_reveal() {
        let mut list = sample_list();
        let before = date!(2025 - 05 - 31);
        let on_the_day = date!(2025 - 06 - 01);
        let after = date!(2025 - 06 - 02);
        let now = list.updated_at;
        let cases = [
            (SurpriseMode::Surprise, OwnerVisibility::Nothing),
            (SurpriseMode::Counts, OwnerVisibility::Counts),
            (SurpriseMode::Names, OwnerVisibility::Names),
        ];
        for (mode, seen) in cases {
            let policy = |reveal| SurprisePolicy {
                mode,
                reveal_names_after_event: reveal,
            };
            list.set_surprise(policy(false), now);
            assert_eq!(list.owner_visibility(before), seen);
            assert_eq!(list.owner_visibility(after), seen);
            list.set_surprise(policy(true), now);
            assert_eq!(list.owner_visibility(before), seen);
            assert_eq!(list.owner_visibility(on_the_day), seen);
            assert_eq!(list.owner_visibility(after), OwnerVisibility::Names);
        }
        // No event date: nothing is ever revealed.
        list.details.event_date = None;
        list.set_surprise(
            SurprisePolicy {
                mode: SurpriseMode::Surprise,
                reveal_names_after_event: true,
            },
            now,
        );
        assert_eq!(list.owner_visibility(after), OwnerVisibility::Nothing);
    }

    #[test]
    fn serde_round_trip_uses_plain_dates_and_rfc3339() {
        let list = sample_list();
        let json = serde_json::to_value(&list).unwrap();
        assert_eq!(json["details"]["event_date"], "2025-06-01");
        assert_eq!(json["created_at"], "2025-01-01T12:00:00Z");
        assert_eq!(json["state"], "open");
        assert_eq!(json["surprise"]["mode"], "counts");
        let back: GiftList = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(back, list);
        let mut bad = json;
        bad["details"]["title"] = "".into();
        assert!(serde_json::from_value::<GiftList>(bad).is_err());
    }
}
