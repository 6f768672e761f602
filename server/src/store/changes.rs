//! Which lists changed on this instance, and when. Every write to a list's partition (its
//! meta item, gifts, reservations) goes through [`super::Table`], which notes it here; the page
//! cache (`crate::http::page_cache`) asks before it answers with a page it kept, so that on
//! this instance a kept page never outlives a change. Other instances' changes reach a kept
//! page within its short lifetime.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem};

use super::codec::Item;
use super::keys;
use super::schema::PK;

/// Changes older than this are forgotten: no kept page lives that long.
const REMEMBERED_FOR: Duration = Duration::from_secs(600);
/// Forgetting starts once this many lists changed.
const PRUNE_ABOVE: usize = 10_000;

/// When each list last changed on this instance, by its partition key.
#[derive(Debug, Default)]
pub struct ListChanges {
    last: Mutex<HashMap<String, Instant>>,
}

/// This process's changes.
pub static LISTS: LazyLock<ListChanges> = LazyLock::new(ListChanges::default);

impl ListChanges {
    /// The list whose partition is `pk` changes now.
    pub fn changed(&self, pk: &str) {
        let now = Instant::now();
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        if last.len() >= PRUNE_ABOVE {
            last.retain(|_, at| now.duration_since(*at) < REMEMBERED_FOR);
        }
        last.insert(pk.to_owned(), now);
    }

    /// Whether the list whose partition is `pk` changed at or after `since`.
    pub fn changed_since(&self, pk: &str, since: Instant) -> bool {
        let last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        last.get(pk).is_some_and(|at| *at >= since)
    }

    /// Notes the list `key` (or item) is in, if it is one's.
    pub fn note(&self, key: &Item) {
        if let Some(AttributeValue::S(pk)) = key.get(PK) {
            if pk.starts_with(keys::LIST) {
                self.changed(pk);
            }
        }
    }

    /// Notes the lists a transaction writes to.
    pub fn note_all(&self, writes: &[TransactWriteItem]) {
        for write in writes {
            let key = write
                .put()
                .map(|p| p.item())
                .or_else(|| write.update().map(|u| u.key()))
                .or_else(|| write.delete().map(|d| d.key()));
            if let Some(key) = key {
                self.note(key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_is_seen_from_then_on_and_only_for_its_list() {
        let changes = ListChanges::default();
        let before = Instant::now();
        changes.changed("LIST#a");
        assert!(changes.changed_since("LIST#a", before));
        assert!(!changes.changed_since("LIST#b", before));
        let after = Instant::now() + Duration::from_millis(1);
        assert!(!changes.changed_since("LIST#a", after));
        let mut item = Item::new();
        item.insert(PK.into(), AttributeValue::S("SESSION#x".into()));
        changes.note(&item);
        assert!(!changes.changed_since("SESSION#x", before));
    }
}
