//! Contract tests of the storage port's DynamoDB adapter, against DynamoDB Local.
//!
//! Every test makes its own table, so they run in parallel. They need
//! `EWELISTS_DYNAMODB_ENDPOINT` (set by `./dev test`) and FAIL without it.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};

use crate::common::{
    fixture, new_gift, new_list, now, number, product, quantity, request, text, Fixture, Item,
};
use app::ports::{no_mail, ListEdit, Reserved, Store, StoreError};
use aws_sdk_dynamodb::types::AttributeValue;
use domain::GiftEdit;
use domain::{
    normalise_product_url, CatalogueProduct, CatalogueProductId, GiftId, HttpUrl, ListDetails,
    ListId, ListState, Notes, Occasion, ProductTitle, ReservationState, ReservationToken,
    RuleError, ShopName, SurpriseMode, SurprisePolicy, Title, UserId,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use time::macros::datetime;
use time::Duration;

/// A list of `owner`'s, stored, with one gift per entry of `wanted`.
async fn seeded(f: &Fixture, owner: UserId, wanted: &[u32]) -> (domain::GiftList, Vec<GiftId>) {
    let list = new_list(owner, "Party", now());
    f.store.create_list(&list).await.expect("create list");
    let mut gifts = Vec::new();
    for (i, &w) in wanted.iter().enumerate() {
        let gift = new_gift(list.id, w, Some(&format!("https://shop.example/item/{i}")));
        f.store.add_gift(&owner, &gift).await.expect("add gift");
        gifts.push(gift.id);
    }
    (list, gifts)
}

fn edit(wanted: u32, notes: Option<Notes>) -> GiftEdit {
    GiftEdit {
        wanted: quantity(wanted),
        notes,
    }
}

fn created(r: Reserved) -> ReservationToken {
    r.token
}

/// Reserves, expecting a brand-new reservation, and returns its token.
async fn reserve_new(
    f: &Fixture,
    list: &ListId,
    gift: &GiftId,
    email: &str,
    quantity: u32,
) -> ReservationToken {
    created(
        f.store
            .reserve(list, gift, request(email, quantity), now(), &no_mail)
            .await
            .unwrap(),
    )
}

fn sk(item: &Item) -> &str {
    text(item, "sk")
}

// ---- Lists ----

#[tokio::test]
async fn lists_are_created_read_and_listed_newest_first_per_owner() {
    let f = fixture("store-lists").await;
    let owner = UserId::generate();
    let other = UserId::generate();
    let t0 = now();
    let mut mine = Vec::new();
    for (i, title) in ["First", "Second", "Third"].into_iter().enumerate() {
        let list = new_list(owner, title, t0 + Duration::seconds(i as i64));
        f.store.create_list(&list).await.unwrap();
        mine.push(list);
    }
    let theirs = new_list(other, "Theirs", t0 + Duration::seconds(10));
    f.store.create_list(&theirs).await.unwrap();

    assert_eq!(
        f.store.get_list(&mine[1].id).await.unwrap(),
        Some(mine[1].clone())
    );
    assert_eq!(f.store.get_list(&ListId::generate()).await.unwrap(), None);
    // The same id again is refused.
    assert_eq!(
        f.store.create_list(&mine[0]).await,
        Err(StoreError::Conflict)
    );

    let listed = f.store.lists_of_owner(&owner).await.unwrap();
    let titles: Vec<&str> = listed.iter().map(|l| l.details.title.as_str()).collect();
    assert_eq!(titles, ["Third", "Second", "First"]);
    assert_eq!(listed[0], mine[2]);
    assert_eq!(f.store.lists_of_owner(&other).await.unwrap(), vec![theirs]);
    assert!(f
        .store
        .lists_of_owner(&UserId::generate())
        .await
        .unwrap()
        .is_empty());
    f.drop_table().await;
}

#[tokio::test]
async fn owner_edits_details_surprise_and_close() {
    let f = fixture("store-edit").await;
    let owner = UserId::generate();
    let (list, _) = seeded(&f, owner, &[1]).await;
    let later = now() + Duration::minutes(1);

    let details = ListDetails {
        title: Title::parse("Renamed").unwrap(),
        occasion: Occasion::Christmas,
        event_date: Some(time::macros::date!(2030 - 12 - 25)),
        message: Some(domain::Message::parse("Thank you!").unwrap()),
    };
    let edited = f
        .store
        .edit_list(&owner, &list.id, ListEdit::Details(details.clone()), later)
        .await
        .unwrap();
    assert_eq!(edited.details, details);
    assert_eq!(edited.updated_at, later);

    let policy = SurprisePolicy {
        mode: SurpriseMode::Names,
        reveal_names_after_event: true,
    };
    let edited = f
        .store
        .edit_list(&owner, &list.id, ListEdit::Surprise(policy), later)
        .await
        .unwrap();
    assert_eq!(edited.surprise, policy);

    let closed = f
        .store
        .edit_list(&owner, &list.id, ListEdit::Close, later)
        .await
        .unwrap();
    assert_eq!(closed.state, ListState::Closed);
    // Closing again changes nothing.
    let again = f
        .store
        .edit_list(
            &owner,
            &list.id,
            ListEdit::Close,
            later + Duration::hours(1),
        )
        .await
        .unwrap();
    assert_eq!(again, closed);
    assert_eq!(
        f.store.get_list(&list.id).await.unwrap(),
        Some(closed.clone())
    );
    // The dashboard shows the stored version; the gift count survived the edits.
    assert_eq!(f.store.lists_of_owner(&owner).await.unwrap(), vec![closed]);
    let meta = f
        .raw_partition(&list.id)
        .await
        .into_iter()
        .find(|i| sk(i) == "L")
        .unwrap();
    assert_eq!(number(&meta, "gift_count"), 1);
    f.drop_table().await;
}

#[tokio::test]
async fn other_users_get_not_found_and_change_nothing() {
    let f = fixture("store-others").await;
    let owner = UserId::generate();
    let stranger = UserId::generate();
    let (list, gifts) = seeded(&f, owner, &[2]).await;
    f.store
        .reserve(
            &list.id,
            &gifts[0],
            request("ann@example.com", 1),
            now(),
            &no_mail,
        )
        .await
        .unwrap();
    let before = f.raw_partition(&list.id).await;
    let t = now();
    let s = &f.store;

    let results = [
        s.edit_list(&stranger, &list.id, ListEdit::Close, t)
            .await
            .map(drop),
        s.delete_list(&stranger, &list.id).await,
        s.owner_list(&stranger, &list.id).await.map(drop),
        s.add_gift(&stranger, &new_gift(list.id, 1, None)).await,
        s.edit_gift(&stranger, &list.id, &gifts[0], edit(9, None), t)
            .await
            .map(drop),
        s.remove_gift(&stranger, &list.id, &gifts[0], t).await,
    ];
    for (i, result) in results.into_iter().enumerate() {
        assert_eq!(result, Err(StoreError::NotFound), "action {i}");
    }
    assert_eq!(f.raw_partition(&list.id).await, before);
    // A missing list looks the same to its would-be owner.
    assert_eq!(
        s.owner_list(&owner, &ListId::generate()).await.map(drop),
        Err(StoreError::NotFound)
    );
    assert_eq!(
        s.delete_list(&owner, &ListId::generate()).await,
        Err(StoreError::NotFound)
    );
    f.drop_table().await;
}

#[tokio::test]
async fn delete_list_removes_every_item() {
    let f = fixture("store-delete").await;
    let owner = UserId::generate();
    // More than one batch of 25 items: meta, 30 gifts, 12 reservations.
    let wanted = vec![3; 30];
    let (list, gifts) = seeded(&f, owner, &wanted).await;
    for (i, gift) in gifts.iter().take(12).enumerate() {
        f.store
            .reserve(
                &list.id,
                gift,
                request(&format!("g{i}@example.com"), 1),
                now(),
                &no_mail,
            )
            .await
            .unwrap();
    }
    let (keep, keep_gifts) = seeded(&f, owner, &[1]).await;
    let raw = f.raw_partition(&list.id).await;
    // Meta, 30 gifts and 12 reservations.
    assert_eq!(raw.len(), 43);

    f.store.delete_list(&owner, &list.id).await.unwrap();
    assert!(f.raw_partition(&list.id).await.is_empty());
    assert_eq!(f.store.get_list(&list.id).await.unwrap(), None);
    assert_eq!(f.store.list_page(&list.id).await.unwrap(), None);
    assert_eq!(
        f.store.lists_of_owner(&owner).await.unwrap(),
        vec![keep.clone()]
    );
    assert_eq!(
        f.store.delete_list(&owner, &list.id).await,
        Err(StoreError::NotFound)
    );
    // The owner's other list is untouched.
    let page = f.store.list_page(&keep.id).await.unwrap().unwrap();
    assert_eq!(page.gifts.len(), 1);
    assert_eq!(page.gifts[0].id, keep_gifts[0]);
    f.drop_table().await;
}

// ---- Pages ----

#[tokio::test]
async fn list_page_has_meta_and_gifts_but_no_reservations() {
    let f = fixture("store-page").await;
    let owner = UserId::generate();
    let (list, gifts) = seeded(&f, owner, &[2, 3]).await;
    let token = reserve_new(&f, &list.id, &gifts[1], "ann@example.com", 2).await;

    let page = f.store.list_page(&list.id).await.unwrap().unwrap();
    assert_eq!(page.list, list);
    let ids: Vec<GiftId> = page.gifts.iter().map(|g| g.id).collect();
    assert_eq!(ids, gifts, "gifts in the order they were added");
    assert_eq!(page.gifts[1].reserved, 2);
    let json = serde_json::to_string(&(&page.list, &page.gifts)).unwrap();
    assert!(
        !json.contains("ann@example.com"),
        "no reservation data on the public page"
    );

    let owned = f.store.owner_list(&owner, &list.id).await.unwrap();
    assert_eq!(owned.list, list);
    assert_eq!(owned.gifts, page.gifts);
    assert_eq!(owned.reservations.len(), 1);
    assert_eq!(owned.reservations[0].key, token.key());
    assert_eq!(f.store.list_page(&ListId::generate()).await.unwrap(), None);
    f.drop_table().await;
}

/// A page past DynamoDB's 1 MB response limit (and past 100 items).
///
/// Bounded texts count characters, and DynamoDB counts UTF-8 bytes: a gift whose title, brand
/// and notes are at their maximum in 4-byte characters, with two ~2,000-character links, is
/// about 7 KB, so 150 such gifts make a ~1.1 MB partition. The raw first page proves that
/// DynamoDB did split it; the store must still return every gift.
#[tokio::test]
async fn pages_past_one_megabyte_are_read_whole() {
    let f = fixture("store-big").await;
    let owner = UserId::generate();
    let list = new_list(owner, "Big", now());
    f.store.create_list(&list).await.unwrap();
    let wide = |n: usize| "🎁".repeat(n);
    let count = 150;
    for i in 0..count {
        let mut gift = new_gift(list.id, 5, None);
        gift.product.title = ProductTitle::parse(&wide(200)).unwrap();
        gift.product.brand = Some(ShopName::parse(&wide(100)).unwrap());
        let path = "p".repeat(1_950);
        gift.product.url =
            Some(HttpUrl::parse(&format!("https://shop.example/{i}/{path}")).unwrap());
        gift.product.image_url =
            Some(HttpUrl::parse(&format!("https://img.example/{i}/{path}")).unwrap());
        gift.notes = Some(Notes::parse(&wide(500)).unwrap());
        f.store.add_gift(&owner, &gift).await.unwrap();
    }
    let first_gift = f.store.list_page(&list.id).await.unwrap().unwrap().gifts[0].id;
    f.store
        .reserve(
            &list.id,
            &first_gift,
            request("ann@example.com", 1),
            now(),
            &no_mail,
        )
        .await
        .unwrap();

    let first_page = f
        .client
        .query()
        .table_name(&f.table)
        .key_condition_expression("pk = :pk")
        .expression_attribute_values(":pk", AttributeValue::S(format!("LIST#{}", list.id)))
        .send()
        .await
        .unwrap();
    assert!(
        first_page.last_evaluated_key.is_some(),
        "the partition should not fit in one 1 MB page"
    );
    assert!(first_page.count < 150);

    let page = f.store.list_page(&list.id).await.unwrap().unwrap();
    assert_eq!(page.gifts.len(), count);
    let distinct: HashSet<GiftId> = page.gifts.iter().map(|g| g.id).collect();
    assert_eq!(distinct.len(), count);
    let owned = f.store.owner_list(&owner, &list.id).await.unwrap();
    assert_eq!(owned.gifts.len(), count);
    assert_eq!(owned.reservations.len(), 1);
    f.drop_table().await;
}

#[tokio::test]
async fn a_malformed_item_is_corrupt_not_a_panic() {
    let f = fixture("store-corrupt").await;
    let owner = UserId::generate();
    let (list, gifts) = seeded(&f, owner, &[2]).await;
    f.client
        .update_item()
        .table_name(&f.table)
        .key("pk", AttributeValue::S(format!("LIST#{}", list.id)))
        .key("sk", AttributeValue::S(format!("L#G#{}", gifts[0])))
        .update_expression("SET wanted = :zero")
        .expression_attribute_values(":zero", AttributeValue::N("0".into()))
        .send()
        .await
        .unwrap();
    assert_eq!(f.store.list_page(&list.id).await, Err(StoreError::Corrupt));
    assert_eq!(
        f.store
            .reserve(
                &list.id,
                &gifts[0],
                request("a@example.com", 1),
                now(),
                &no_mail
            )
            .await,
        Err(StoreError::Corrupt)
    );
    f.drop_table().await;
}

#[tokio::test]
async fn an_earlier_version_s_markers_are_passed_over() {
    let f = fixture("store-old-marker").await;
    let owner = UserId::generate();
    let (list, gifts) = seeded(&f, owner, &[2]).await;
    // What an earlier version wrote beside each active reservation.
    f.client
        .put_item()
        .table_name(&f.table)
        .item("pk", AttributeValue::S(format!("LIST#{}", list.id)))
        .item(
            "sk",
            AttributeValue::S(format!("M#{}#a@example.com", gifts[0])),
        )
        .item("kind", AttributeValue::S("marker".into()))
        .item("v", AttributeValue::N("1".into()))
        .send()
        .await
        .unwrap();
    f.store
        .reserve(
            &list.id,
            &gifts[0],
            request("a@example.com", 1),
            now(),
            &no_mail,
        )
        .await
        .unwrap();
    let owned = f.store.owner_list(&owner, &list.id).await.unwrap();
    assert_eq!((owned.gifts.len(), owned.reservations.len()), (1, 1));
    f.drop_table().await;
}

// ---- Gifts ----

#[tokio::test]
async fn add_gift_refuses_duplicates_closed_lists_and_missing_lists() {
    let f = fixture("store-add").await;
    let owner = UserId::generate();
    let (list, _) = seeded(&f, owner, &[1]).await;

    // The same product under another spelling of its link.
    let dup = new_gift(list.id, 1, Some("http://SHOP.example/item/0/?ref=mail"));
    assert_eq!(
        f.store.add_gift(&owner, &dup).await,
        Err(StoreError::Rule(RuleError::DuplicateGift))
    );
    let fine = new_gift(list.id, 1, None);
    f.store.add_gift(&owner, &fine).await.unwrap();
    assert_eq!(
        f.store.add_gift(&owner, &fine).await,
        Err(StoreError::Rule(RuleError::GiftAlreadyOnList))
    );
    assert_eq!(
        f.store
            .add_gift(&owner, &new_gift(ListId::generate(), 1, None))
            .await,
        Err(StoreError::NotFound)
    );

    f.store
        .edit_list(&owner, &list.id, ListEdit::Close, now())
        .await
        .unwrap();
    let before = f.raw_partition(&list.id).await;
    assert_eq!(
        f.store.add_gift(&owner, &new_gift(list.id, 1, None)).await,
        Err(StoreError::Rule(RuleError::ListClosed))
    );
    assert_eq!(f.raw_partition(&list.id).await, before);
    let meta = before.iter().find(|i| sk(i) == "L").unwrap();
    assert_eq!(number(meta, "gift_count"), 2);
    f.drop_table().await;
}

#[tokio::test]
async fn concurrent_additions_of_one_link_store_it_once() {
    let f = fixture("store-add-race").await;
    let owner = UserId::generate();
    let (list, _) = seeded(&f, owner, &[]).await;
    let tasks: Vec<_> = (0..12)
        .map(|_| {
            let store = f.store.clone();
            let gift = new_gift(list.id, 1, Some("https://shop.example/same"));
            tokio::spawn(async move { store.add_gift(&owner, &gift).await })
        })
        .collect();
    let mut added = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(()) => added += 1,
            Err(StoreError::Rule(RuleError::DuplicateGift) | StoreError::Conflict) => {}
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(added, 1);
    let page = f.store.list_page(&list.id).await.unwrap().unwrap();
    assert_eq!(page.gifts.len(), 1);
    let meta = f
        .raw_partition(&list.id)
        .await
        .into_iter()
        .find(|i| sk(i) == "L")
        .unwrap();
    assert_eq!(number(&meta, "gift_count"), 1);
    f.drop_table().await;
}

#[tokio::test]
async fn an_interrupted_delete_leaves_the_list_gone_everywhere_and_a_sweep_finishes_it() {
    let f = fixture("store-delete-interrupted").await;
    let owner = UserId::generate();
    // 300 gifts (written raw: adding them one by one would take minutes), then 20 guests'
    // reservations through the store: 321 items, 13 batches.
    let list = new_list(owner, "Big party", now());
    let gifts: Vec<_> = (0..300)
        .map(|i| new_gift(list.id, 2, Some(&format!("https://shop.example/big/{i}"))))
        .collect();
    let mut items = vec![server::store::items::list_item(&list, 300, 1)];
    items.extend(gifts.iter().map(|g| server::store::items::gift_item(g, 1)));
    f.raw_put(items).await;
    let mut tokens = Vec::new();
    for (i, gift) in gifts.iter().take(20).enumerate() {
        tokens.push(reserve_new(&f, &list.id, &gift.id, &format!("g{i}@example.com"), 1).await);
    }
    let before = f.raw_partition(&list.id).await.len();
    assert_eq!(before, 321);

    // The store stops after 5 batches (125 items).
    let failing = f.store_failing_after("BatchWriteItem", 5);
    assert_eq!(
        failing.delete_list(&owner, &list.id).await,
        Err(StoreError::Unavailable)
    );
    let left = f.raw_partition(&list.id).await;
    assert_eq!(left.len(), before - 125, "it stopped halfway");
    assert!(
        left.iter().any(|i| sk(i) == "L"),
        "the tombstone stays until the end"
    );

    // Gone for everyone, at once.
    let s = &f.store;
    assert_eq!(s.get_list(&list.id).await, Ok(None));
    assert_eq!(s.list_page(&list.id).await, Ok(None));
    assert_eq!(
        s.owner_list(&owner, &list.id).await.map(drop),
        Err(StoreError::NotFound)
    );
    assert!(s.lists_of_owner(&owner).await.unwrap().is_empty());
    let last_gift = gifts.last().unwrap().id;
    assert_eq!(
        s.reserve(
            &list.id,
            &last_gift,
            request("late@example.com", 1),
            now(),
            &no_mail
        )
        .await
        .map(drop),
        Err(StoreError::NotFound)
    );
    assert_eq!(
        s.edit_list(&owner, &list.id, ListEdit::Close, now())
            .await
            .map(drop),
        Err(StoreError::NotFound)
    );
    assert_eq!(
        s.add_gift(&owner, &new_gift(list.id, 1, None)).await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        s.edit_gift(&owner, &list.id, &last_gift, edit(1, None), now())
            .await
            .map(drop),
        Err(StoreError::NotFound)
    );
    // A guest's link still opens the reservation, without its list, and changes nothing.
    for token in tokens.iter().rev().take(3) {
        if let Some(details) = s.reservation(token).await.unwrap() {
            assert_eq!(details.list, None);
            assert_eq!(
                s.cancel_reservation(token, now()).await.map(drop),
                Err(StoreError::NotFound)
            );
            assert_eq!(
                s.change_reservation(token, quantity(1), now())
                    .await
                    .map(drop),
                Err(StoreError::NotFound)
            );
        }
    }
    // Someone else cannot finish it for the owner.
    assert_eq!(
        s.delete_list(&UserId::generate(), &list.id).await,
        Err(StoreError::NotFound)
    );
    assert_eq!(f.raw_partition(&list.id).await.len(), before - 125);

    // A later run removes the rest, and a second one finds nothing to do.
    assert_eq!(s.finish_deletions().await, Ok(1));
    assert!(f.raw_partition(&list.id).await.is_empty());
    assert_eq!(s.finish_deletions().await, Ok(0));
    f.drop_table().await;
}

#[tokio::test]
async fn the_owner_deleting_again_finishes_an_interrupted_delete() {
    let f = fixture("store-delete-again").await;
    let owner = UserId::generate();
    let (list, _) = seeded(&f, owner, &[1; 30]).await;
    let failing = f.store_failing_after("BatchWriteItem", 0);
    assert_eq!(
        failing.delete_list(&owner, &list.id).await,
        Err(StoreError::Unavailable)
    );
    assert_eq!(f.raw_partition(&list.id).await.len(), 31);
    assert_eq!(f.store.list_page(&list.id).await, Ok(None));
    f.store.delete_list(&owner, &list.id).await.unwrap();
    assert!(f.raw_partition(&list.id).await.is_empty());
    assert_eq!(
        f.store.delete_list(&owner, &list.id).await,
        Err(StoreError::NotFound)
    );
    f.drop_table().await;
}

#[tokio::test]
async fn edit_gift_changes_fields_and_refuses_what_the_rules_refuse() {
    let f = fixture("store-edit-gift").await;
    let owner = UserId::generate();
    let (list, gifts) = seeded(&f, owner, &[5, 1]).await;
    let t = now() + Duration::minutes(5);
    let token = reserve_new(&f, &list.id, &gifts[0], "ann@example.com", 2).await;
    f.store
        .confirm_purchase(&token, now(), &no_mail)
        .await
        .unwrap();
    f.store
        .reserve(
            &list.id,
            &gifts[0],
            request("bob@example.com", 1),
            now(),
            &no_mail,
        )
        .await
        .unwrap();

    let notes = Notes::parse("Blue, please").unwrap();
    let before = f.raw_partition(&list.id).await;
    // Below what guests hold: refused whole, the notes with it.
    assert_eq!(
        f.store
            .edit_gift(&owner, &list.id, &gifts[0], edit(2, Some(notes.clone())), t)
            .await,
        Err(StoreError::Rule(RuleError::BelowCommitted { committed: 3 }))
    );
    assert_eq!(
        f.raw_partition(&list.id).await,
        before,
        "refusals write nothing"
    );

    // Quantity and notes in one edit: one write, one version.
    let gift = f
        .store
        .edit_gift(&owner, &list.id, &gifts[0], edit(3, Some(notes.clone())), t)
        .await
        .unwrap();
    assert_eq!(
        (
            gift.wanted.get(),
            gift.reserved,
            gift.bought,
            &gift.notes,
            gift.updated_at
        ),
        (3, 1, 2, &Some(notes), t)
    );
    let version = |items: &[Item]| -> u64 {
        let gift_sk = format!("L#G#{}", gifts[0]);
        let item = items.iter().find(|i| sk(i) == gift_sk).expect("the gift");
        number(item, "v")
    };
    assert_eq!(
        version(&f.raw_partition(&list.id).await),
        version(&before) + 1,
        "one edit raises the gift's version once"
    );
    // The same edit again changes nothing.
    let after = f.raw_partition(&list.id).await;
    let same = f
        .store
        .edit_gift(&owner, &list.id, &gifts[0], edit(3, gift.notes.clone()), t)
        .await
        .unwrap();
    assert_eq!(same, gift);
    assert_eq!(f.raw_partition(&list.id).await, after);
    let page = f.store.list_page(&list.id).await.unwrap().unwrap();
    assert_eq!(page.gifts[0], gift);
    assert_eq!(
        f.store
            .edit_gift(&owner, &list.id, &GiftId::generate(), edit(1, None), t)
            .await,
        Err(StoreError::GiftNotFound)
    );
    f.drop_table().await;
}

#[tokio::test]
async fn remove_gift_is_refused_while_reserved_and_writes_nothing() {
    let f = fixture("store-remove").await;
    let owner = UserId::generate();
    let (list, gifts) = seeded(&f, owner, &[3, 1]).await;
    let token = reserve_new(&f, &list.id, &gifts[0], "ann@example.com", 2).await;

    let before = f.raw_partition(&list.id).await;
    assert_eq!(
        f.store
            .remove_gift(&owner, &list.id, &gifts[0], now())
            .await,
        Err(StoreError::Rule(RuleError::GiftHasReservations {
            reserved: 2,
            bought: 0
        }))
    );
    assert_eq!(f.raw_partition(&list.id).await, before);

    f.store
        .remove_gift(&owner, &list.id, &gifts[1], now())
        .await
        .unwrap();
    assert_eq!(
        f.store
            .remove_gift(&owner, &list.id, &gifts[1], now())
            .await,
        Err(StoreError::GiftNotFound)
    );
    // Once cancelled, the reserved gift can go too.
    f.store.cancel_reservation(&token, now()).await.unwrap();
    f.store
        .remove_gift(&owner, &list.id, &gifts[0], now())
        .await
        .unwrap();
    let left = f.raw_partition(&list.id).await;
    let kinds: Vec<&str> = left.iter().map(|i| text(i, "kind")).collect();
    assert_eq!(kinds, ["list", "reservation"]);
    assert_eq!(number(&left[0], "gift_count"), 0);
    f.drop_table().await;
}

// ---- Reservations ----

#[tokio::test]
async fn reserve_is_refused_on_closed_lists_and_when_none_are_left() {
    let f = fixture("store-reserve").await;
    let owner = UserId::generate();
    let (list, gifts) = seeded(&f, owner, &[2, 2]).await;

    let reserved = f
        .store
        .reserve(
            &list.id,
            &gifts[0],
            request("ann@example.com", 2),
            now(),
            &no_mail,
        )
        .await
        .unwrap();
    assert_eq!(reserved.gift.reserved, 2);
    assert_eq!(reserved.reservation.state, ReservationState::Reserved);
    assert_eq!(
        f.store
            .reserve(
                &list.id,
                &gifts[0],
                request("bob@example.com", 1),
                now(),
                &no_mail
            )
            .await
            .map(drop),
        Err(StoreError::Rule(RuleError::NoneLeft))
    );
    assert_eq!(
        f.store
            .reserve(
                &list.id,
                &gifts[1],
                request("bob@example.com", 3),
                now(),
                &no_mail
            )
            .await
            .map(drop),
        Err(StoreError::Rule(RuleError::NotEnoughLeft { remaining: 2 }))
    );
    assert_eq!(
        f.store
            .reserve(
                &list.id,
                &GiftId::generate(),
                request("bob@example.com", 1),
                now(),
                &no_mail
            )
            .await
            .map(drop),
        Err(StoreError::GiftNotFound)
    );
    assert_eq!(
        f.store
            .reserve(
                &ListId::generate(),
                &gifts[0],
                request("bob@example.com", 1),
                now(),
                &no_mail
            )
            .await
            .map(drop),
        Err(StoreError::NotFound)
    );

    f.store
        .edit_list(&owner, &list.id, ListEdit::Close, now())
        .await
        .unwrap();
    let before = f.raw_partition(&list.id).await;
    assert_eq!(
        f.store
            .reserve(
                &list.id,
                &gifts[1],
                request("bob@example.com", 1),
                now(),
                &no_mail
            )
            .await
            .map(drop),
        Err(StoreError::Rule(RuleError::ListClosed))
    );
    assert_eq!(
        f.raw_partition(&list.id).await,
        before,
        "nothing half-written"
    );
    f.drop_table().await;
}

#[tokio::test]
async fn the_same_mailbox_twice_holds_two_reservations_each_with_its_own_link() {
    let f = fixture("store-twice").await;
    let owner = UserId::generate();
    let (list, gifts) = seeded(&f, owner, &[5]).await;
    let first = reserve_new(&f, &list.id, &gifts[0], "Ann.Lee@gmail.com", 1).await;
    // The same Gmail mailbox, spelled differently, typed by whoever: a reservation of its own.
    let again = f
        .store
        .reserve(
            &list.id,
            &gifts[0],
            request("annlee+party@googlemail.com", 2),
            now() + Duration::minutes(1),
            &no_mail,
        )
        .await
        .unwrap();
    assert_ne!(again.token, first);
    assert_eq!(again.reservation.quantity.get(), 2);
    assert_eq!(again.gift.reserved, 3);
    // The first is as it was, and still opens with its own link.
    let details = f.store.reservation(&first).await.unwrap().unwrap();
    assert_eq!(details.reservation.quantity.get(), 1);
    assert_eq!(details.reservation.guest_name.as_str(), "Guest");
    let second = f.store.reservation(&again.token).await.unwrap().unwrap();
    assert_eq!(second.reservation, again.reservation);

    let raw = f.raw_partition(&list.id).await;
    let reservations: Vec<&Item> = raw.iter().filter(|i| sk(i).starts_with("R#")).collect();
    assert_eq!(reservations.len(), 2);
    assert!(
        !format!("{raw:?}").contains(&again.token.to_string()),
        "tokens are never stored"
    );
    check_invariants(&raw);
    // Cancelling one leaves the other.
    f.store.cancel_reservation(&first, now()).await.unwrap();
    let details = f.store.reservation(&again.token).await.unwrap().unwrap();
    assert_eq!(details.gift.map(|g| g.reserved), Some(2));
    check_invariants(&f.raw_partition(&list.id).await);
    f.drop_table().await;
}

#[tokio::test]
async fn guest_data_past_its_retention_is_deleted_and_the_counts_stay() {
    let f = fixture("store-retention").await;
    let owner = UserId::generate();
    let start = datetime!(2026-01-05 10:00 UTC);
    // A list for an event on 1 March, and one without a date.
    let mut dated = new_list(owner, "Dated", start);
    dated.details.event_date = Some(time::macros::date!(2026 - 03 - 01));
    let undated = new_list(owner, "Undated", start);
    let mut gifts = Vec::new();
    for list in [&dated, &undated] {
        f.store.create_list(list).await.unwrap();
        let gift = new_gift(list.id, 3, None);
        f.store.add_gift(&owner, &gift).await.unwrap();
        gifts.push(gift.id);
    }
    let reserve_at = |list: ListId, gift: GiftId, email: &'static str, at| {
        let store = f.store.clone();
        async move {
            store
                .reserve(&list, &gift, request(email, 1), at, &no_mail)
                .await
                .unwrap()
                .token
        }
    };
    let early = reserve_at(dated.id, gifts[0], "early@example.com", start).await;
    // A guest who changed their reservation after the event is kept longer.
    let late = reserve_at(dated.id, gifts[0], "late@example.com", start).await;
    f.store
        .confirm_purchase(&late, datetime!(2026-04-01 12:00 UTC), &no_mail)
        .await
        .unwrap();
    let open_ended = reserve_at(undated.id, gifts[1], "open@example.com", start).await;

    // The day after the event plus 90 days: only the early guest's data is due.
    let due = datetime!(2026-03-02 00:00 UTC) + Duration::days(90);
    let purged = f
        .store
        .purge_guest_data(due - Duration::seconds(1))
        .await
        .unwrap();
    assert_eq!(purged.reservations, 0);
    let purged = f.store.purge_guest_data(due).await.unwrap();
    assert_eq!((purged.lists, purged.reservations), (2, 1));
    assert_eq!(f.store.reservation(&early).await.unwrap(), None);
    assert!(f.store.reservation(&late).await.unwrap().is_some());
    assert!(f.store.reservation(&open_ended).await.unwrap().is_some());
    // The gift still counts what was reserved and bought, without the names.
    let page = f.store.list_page(&dated.id).await.unwrap().unwrap();
    assert_eq!((page.gifts[0].reserved, page.gifts[0].bought), (1, 1));
    let owned = f.store.owner_list(&owner, &dated.id).await.unwrap();
    assert_eq!(owned.reservations.len(), 1);

    // Eighteen months after the last change, on the list without a date, and 90 days after
    // the late guest's purchase.
    let much_later = start + Duration::days(540);
    let purged = f.store.purge_guest_data(much_later).await.unwrap();
    assert_eq!(purged.reservations, 2);
    assert_eq!(f.store.reservation(&open_ended).await.unwrap(), None);
    assert_eq!(f.store.reservation(&late).await.unwrap(), None);
    f.drop_table().await;
}

#[tokio::test]
async fn change_cancel_and_confirm_with_their_refusals() {
    let f = fixture("store-change").await;
    let owner = UserId::generate();
    let (list, gifts) = seeded(&f, owner, &[5]).await;
    let ann = reserve_new(&f, &list.id, &gifts[0], "ann@example.com", 2).await;
    let bob = reserve_new(&f, &list.id, &gifts[0], "bob@example.com", 1).await;

    let (gift, r) = f
        .store
        .change_reservation(&ann, quantity(4), now())
        .await
        .unwrap();
    assert_eq!((gift.reserved, r.quantity.get()), (5, 4));
    assert_eq!(
        f.store.change_reservation(&bob, quantity(2), now()).await,
        Err(StoreError::Rule(RuleError::NotEnoughLeft { remaining: 1 }))
    );
    let (gift, _) = f
        .store
        .change_reservation(&ann, quantity(1), now())
        .await
        .unwrap();
    assert_eq!(gift.reserved, 2);
    // The same quantity changes nothing.
    let (gift, _) = f
        .store
        .change_reservation(&ann, quantity(1), now())
        .await
        .unwrap();
    assert_eq!(gift.reserved, 2);

    let (gift, r) = f
        .store
        .confirm_purchase(&ann, now(), &no_mail)
        .await
        .unwrap();
    assert_eq!(
        (gift.reserved, gift.bought, r.state),
        (1, 1, ReservationState::Bought)
    );
    let (gift, r) = f.store.cancel_reservation(&bob, now()).await.unwrap();
    assert_eq!(
        (gift.reserved, gift.bought, r.state),
        (0, 1, ReservationState::Cancelled)
    );

    let before = f.raw_partition(&list.id).await;
    let bought = Err(StoreError::Rule(RuleError::ReservationNotActive {
        state: ReservationState::Bought,
    }));
    let cancelled = Err(StoreError::Rule(RuleError::ReservationNotActive {
        state: ReservationState::Cancelled,
    }));
    assert_eq!(f.store.cancel_reservation(&ann, now()).await, bought);
    assert_eq!(
        f.store.confirm_purchase(&ann, now(), &no_mail).await,
        bought
    );
    assert_eq!(
        f.store.change_reservation(&ann, quantity(2), now()).await,
        bought
    );
    assert_eq!(f.store.cancel_reservation(&bob, now()).await, cancelled);
    assert_eq!(
        f.store.confirm_purchase(&bob, now(), &no_mail).await,
        cancelled
    );
    assert_eq!(f.raw_partition(&list.id).await, before);

    // On a closed list guests may still cancel, confirm and reduce, not increase.
    let cy = reserve_new(&f, &list.id, &gifts[0], "cy@example.com", 3).await;
    f.store
        .edit_list(&owner, &list.id, ListEdit::Close, now())
        .await
        .unwrap();
    assert_eq!(
        f.store.change_reservation(&cy, quantity(4), now()).await,
        Err(StoreError::Rule(RuleError::ListClosed))
    );
    let (gift, _) = f
        .store
        .change_reservation(&cy, quantity(2), now())
        .await
        .unwrap();
    assert_eq!(gift.reserved, 2);
    let (gift, _) = f
        .store
        .confirm_purchase(&cy, now(), &no_mail)
        .await
        .unwrap();
    assert_eq!((gift.reserved, gift.bought), (0, 3));
    let raw = f.raw_partition(&list.id).await;
    check_invariants(&raw);

    let unknown = ReservationToken::generate(list.id);
    assert_eq!(
        f.store
            .change_reservation(&unknown, quantity(1), now())
            .await,
        Err(StoreError::ReservationNotFound)
    );
    assert_eq!(f.store.reservation(&unknown).await.unwrap(), None);
    f.drop_table().await;
}

// ---- Catalogue ----

#[tokio::test]
async fn catalogue_products_are_found_by_normalised_link() {
    let f = fixture("store-catalogue").await;
    let link =
        HttpUrl::parse("https://www.amazon.co.uk/Monitor/dp/B07XJ8C8F5/ref=x?tag=y").unwrap();
    let mut product = CatalogueProduct {
        id: CatalogueProductId::generate(),
        product: domain::ProductSnapshot {
            brand: Some(ShopName::parse("Philips").unwrap()),
            url: Some(link),
            ..product("Baby monitor", None)
        },
        retailer: Some(ShopName::parse("Amazon").unwrap()),
    };
    f.store.put_catalogue_product(&product).await.unwrap();
    let other_spelling = HttpUrl::parse("http://amazon.co.uk/gp/product/b07xj8c8f5").unwrap();
    let key = normalise_product_url(&other_spelling);
    assert_eq!(
        f.store.catalogue_product_by_url(&key).await.unwrap(),
        Some(product.clone())
    );
    assert_eq!(
        f.store
            .catalogue_product_by_url("https://shop.example/none")
            .await
            .unwrap(),
        None
    );

    // Replacing it drops what the new version lacks, and moves its link.
    product.retailer = None;
    product.product.price = None;
    product.product.url = Some(HttpUrl::parse("https://shop.example/monitor").unwrap());
    f.store.put_catalogue_product(&product).await.unwrap();
    assert_eq!(f.store.catalogue_product_by_url(&key).await.unwrap(), None);
    assert_eq!(
        f.store
            .catalogue_product_by_url("https://shop.example/monitor")
            .await
            .unwrap(),
        Some(product.clone())
    );
    // The product, and its line in the editor's listing (which follows it).
    let raw = f.raw_scan().await;
    assert_eq!(raw.len(), 2);
    let stored = raw.iter().find(|i| text(i, "kind") == "product").unwrap();
    assert_eq!(number(stored, "v"), 2);
    assert!(!stored.contains_key("retailer") && !stored.contains_key("price"));
    let line = raw
        .iter()
        .find(|i| text(i, "kind") == "catalogue-line")
        .unwrap();
    assert!(text(line, "search").contains("shop.example/monitor"));
    f.drop_table().await;
}

#[tokio::test]
async fn ping_tells_whether_the_table_answers() {
    let f = fixture("store-ping").await;
    assert!(f.store.ping().await);
    let missing = server::store::DynamoStore::new(f.client.clone(), "no-such-table");
    assert!(!missing.ping().await);
    f.drop_table().await;
}

// ---- Concurrency ----

/// The invariants of a list's partition, read raw: for every gift, `reserved + bought <=
/// wanted`, and `reserved` and `bought` equal the sums of its reservations in those states.
fn check_invariants(items: &[Item]) {
    #[derive(Default, Debug)]
    struct Sums {
        reserved: u64,
        bought: u64,
    }
    let mut sums: HashMap<String, Sums> = HashMap::new();
    for r in items.iter().filter(|i| sk(i).starts_with("R#")) {
        let gift = text(r, "gift_id").to_owned();
        let q = number(r, "quantity");
        let entry = sums.entry(gift.clone()).or_default();
        match text(r, "state") {
            "reserved" => entry.reserved += q,
            "bought" => entry.bought += q,
            "cancelled" => {}
            other => panic!("unknown state {other}"),
        }
    }
    for g in items.iter().filter(|i| sk(i).starts_with("L#G#")) {
        let id = sk(g).trim_start_matches("L#G#");
        let sums = sums.remove(id).unwrap_or_default();
        let (wanted, reserved, bought) = (
            number(g, "wanted"),
            number(g, "reserved"),
            number(g, "bought"),
        );
        assert!(reserved + bought <= wanted, "over-reserved gift {g:?}");
        assert_eq!(reserved, sums.reserved, "reserved != Σ active for {id}");
        assert_eq!(bought, sums.bought, "bought != Σ bought for {id}");
    }
    assert!(sums.is_empty(), "reservations of unknown gifts: {sums:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_guests_racing_for_five_get_exactly_five() {
    let f = fixture("store-race").await;
    let owner = UserId::generate();
    let (list, gifts) = seeded(&f, owner, &[5]).await;
    let gift_id = gifts[0];
    let guests = 240;
    let tasks: Vec<_> = (0..guests)
        .map(|i| {
            let store = f.store.clone();
            let list_id = list.id;
            tokio::spawn(async move {
                store
                    .reserve(
                        &list_id,
                        &gift_id,
                        request(&format!("guest{i}@example.com"), 1),
                        now(),
                        &no_mail,
                    )
                    .await
            })
        })
        .collect();
    let (mut won, mut none_left, mut conflicts) = (0, 0, 0);
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => won += 1,
            Err(StoreError::Rule(RuleError::NoneLeft | RuleError::NotEnoughLeft { .. })) => {
                none_left += 1
            }
            Err(StoreError::Conflict) => conflicts += 1,
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    println!(
        "{guests} guests: {won} reserved, {none_left} told none left, {conflicts} conflicts, \
         {} lost races retried",
        f.store.lost_races()
    );
    assert_eq!(won, 5);
    assert_eq!(won + none_left + conflicts, guests);

    let raw = f.raw_partition(&list.id).await;
    let gift = raw.iter().find(|i| sk(i).starts_with("L#G#")).unwrap();
    assert_eq!(number(gift, "reserved"), 5);
    let reservations: Vec<&Item> = raw.iter().filter(|i| sk(i).starts_with("R#")).collect();
    // Failed transactions left nothing behind: one item per winner.
    assert_eq!(reservations.len(), 5);
    assert_eq!(
        reservations
            .iter()
            .map(|r| number(r, "quantity"))
            .sum::<u64>(),
        5
    );
    check_invariants(&raw);
    f.drop_table().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_mixed_storm_keeps_every_invariant() {
    let f = fixture("store-storm").await;
    let owner = UserId::generate();
    let (list, gifts) = seeded(&f, owner, &[6, 10, 20, 30]).await;
    // A few mailboxes, two of them one Gmail mailbox (each reservation its own), while others
    // change, cancel or confirm them.
    let emails = [
        "ann.lee@gmail.com",
        "annlee+gifts@googlemail.com",
        "bob@example.com",
        "cy@example.org",
        "dee@example.net",
        "eve@example.com",
        "fay@example.com",
        "gus@example.com",
    ];
    let tokens: Arc<Mutex<Vec<ReservationToken>>> = Arc::default();
    let seed: u64 = rand::random();
    println!("storm seed {seed}");
    let tasks: Vec<_> = (0..40u64)
        .map(|task| {
            let store = f.store.clone();
            let tokens = tokens.clone();
            let gifts = gifts.clone();
            let list_id = list.id;
            tokio::spawn(async move {
                let mut rng = StdRng::seed_from_u64(seed.wrapping_add(task));
                let mut outcomes: BTreeMap<&'static str, u32> = BTreeMap::new();
                for _ in 0..12 {
                    let pick = |rng: &mut StdRng| {
                        let tokens = tokens.lock().unwrap();
                        (!tokens.is_empty())
                            .then(|| tokens[rng.random_range(0..tokens.len())].clone())
                    };
                    let roll = rng.random_range(0..100);
                    let result = if roll < 45 {
                        let gift = gifts[rng.random_range(0..gifts.len())];
                        let email = emails[rng.random_range(0..emails.len())];
                        let n = rng.random_range(1..=3);
                        store
                            .reserve(&list_id, &gift, request(email, n), now(), &no_mail)
                            .await
                            .map(|r| tokens.lock().unwrap().push(r.token))
                    } else if let Some(token) = pick(&mut rng) {
                        match roll {
                            45..=69 => {
                                let n = quantity(rng.random_range(1..=4));
                                store.change_reservation(&token, n, now()).await.map(drop)
                            }
                            70..=84 => store.cancel_reservation(&token, now()).await.map(drop),
                            85..=94 => store
                                .confirm_purchase(&token, now(), &no_mail)
                                .await
                                .map(drop),
                            _ => store.reservation(&token).await.map(drop),
                        }
                    } else {
                        continue;
                    };
                    let outcome = match result {
                        Ok(()) => "ok",
                        Err(StoreError::Rule(_)) => "refused by a rule",
                        Err(StoreError::Conflict) => "conflict",
                        // Its reservation was re-keyed by a later reservation of the mailbox.
                        Err(StoreError::ReservationNotFound) => "old token",
                        Err(other) => panic!("unexpected {other:?}"),
                    };
                    *outcomes.entry(outcome).or_default() += 1;
                }
                outcomes
            })
        })
        .collect();
    let mut totals: BTreeMap<&str, u32> = BTreeMap::new();
    for task in tasks {
        for (outcome, n) in task.await.unwrap() {
            *totals.entry(outcome).or_default() += n;
        }
    }
    println!(
        "storm outcomes {totals:?}, {} lost races retried",
        f.store.lost_races()
    );
    assert!(totals.get("ok").copied().unwrap_or(0) > 20, "{totals:?}");

    let raw = f.raw_partition(&list.id).await;
    check_invariants(&raw);
    // The store's own view agrees with the raw one.
    let owned = f.store.owner_list(&owner, &list.id).await.unwrap();
    for gift in &owned.gifts {
        let active: u32 = owned
            .reservations
            .iter()
            .filter(|r| r.gift_id == gift.id && r.is_active())
            .map(|r| r.quantity.get())
            .sum();
        assert_eq!(gift.reserved, active);
    }
    f.drop_table().await;
}
