//! The drill-down's last steps on a demo store: a problem's appeals and the case view of an
//! appeal, against SQL over the store, and what each scope may see of them.

mod common;

use sqlx::Row;
use tsur_api::{Api, DemoParams, ErrorCode, Scope};
use tsur_core::{BlockId, Role};

async fn demo() -> (tempfile::TempDir, Api) {
    let dir = tempfile::tempdir().unwrap();
    let api = Api::open(&dir.path().join("tsur.db")).await.unwrap();
    api.seed_demo(DemoParams::year(4_000, 11), |_, _| {}).await.unwrap();
    (dir, api)
}

fn hex(id: &str) -> String {
    id.replace('-', "").to_uppercase()
}

async fn scalar(api: &Api, sql: &str) -> i64 {
    sqlx::query(sql).fetch_one(api.store().pool()).await.unwrap().get::<i64, _>(0)
}

async fn uuid_of(api: &Api, sql: &str) -> String {
    let bytes: Vec<u8> = sqlx::query_scalar(sql).fetch_one(api.store().pool()).await.unwrap();
    uuid::Uuid::from_slice(&bytes).unwrap().to_string()
}

#[tokio::test]
async fn the_case_view_tells_the_whole_history_of_an_appeal() {
    let (_dir, api) = demo().await;
    let now = chrono::Utc::now();
    // An appeal of a problem, with an author and a rejected answer, if the demo has one.
    let id = uuid_of(
        &api,
        "SELECT s.appeal_id FROM appeal_state s JOIN appeal_authors a ON a.appeal_id = s.appeal_id \
         WHERE s.problem_id IS NOT NULL ORDER BY s.rejected_answers DESC, s.event_count DESC LIMIT 1",
    )
    .await;
    let c = api.case(&id, &Scope::local_curator(), now).await.unwrap();
    assert_eq!(c.id, id);
    let events = scalar(&api, &format!("SELECT count(*) FROM events WHERE hex(appeal_id) = '{}'", hex(&id))).await;
    assert_eq!(c.timeline.len() as i64, events, "every event is in the timeline");
    assert_eq!(c.timeline[0].kind, "registered");
    let text: String = sqlx::query_scalar(&format!("SELECT text FROM appeals WHERE hex(id) = '{}'", hex(&id))).fetch_one(api.store().pool()).await.unwrap();
    assert_eq!(c.text, text);
    assert!(c.author.is_some() && !c.author_hidden, "the local curator sees the author");

    // Deadlines: every stage explained; a stage done is met or late, never overdue.
    assert!(!c.deadlines.is_empty());
    for d in &c.deadlines {
        assert!(!d.deadline.rule.is_empty());
        assert!(matches!(d.state.as_str(), "met" | "late" | "overdue" | "running"), "{}", d.state);
        assert_eq!(d.done.is_some(), matches!(d.state.as_str(), "met" | "late"), "{d:?}");
    }

    // Answers: one per answer event; rejections as the store counts them.
    let answers = scalar(&api, &format!("SELECT count(*) FROM events WHERE hex(appeal_id) = '{}' AND kind IN ('answered', 'interim_answer')", hex(&id))).await;
    assert_eq!(c.answers.len() as i64, answers);
    let rejected = scalar(&api, &format!("SELECT rejected_answers FROM appeal_state WHERE hex(appeal_id) = '{}'", hex(&id))).await;
    assert_eq!(c.answers.iter().filter(|a| a.rejected_because.is_some()).count() as i64, rejected);

    // The problem's other appeals: as many as SQL counts, none of them this one.
    let problem = c.problem_id.clone().expect("linked to a problem");
    let in_problem = scalar(&api, &format!("SELECT count(*) FROM appeal_state WHERE hex(problem_id) = '{}'", hex(&problem))).await;
    assert_eq!(i64::from(c.linked_total), in_problem - 1);
    assert!(c.linked.iter().all(|b| b.id != id));
    assert_eq!(c.linked.len(), (in_problem as usize - 1).min(tsur_api::case::LINKED_IN_CASE as usize));

    // The problem's list: the same appeals, newest first.
    let p = api.problem_appeals(&problem, 500, &Scope::local_curator(), now).await.unwrap();
    assert_eq!(i64::from(p.total), in_problem);
    assert_eq!(p.appeals.len() as i64, in_problem.min(500));
    assert!(p.appeals.iter().any(|b| b.id == id));
    let order: Vec<chrono::NaiveDateTime> = p.appeals.iter().map(|b| chrono::NaiveDateTime::parse_from_str(&b.received, "%d.%m.%Y %H:%M").unwrap()).collect();
    assert!(order.windows(2).all(|w| w[0] >= w[1]), "newest first");
}

#[tokio::test]
async fn each_scope_sees_of_a_case_only_what_it_may() {
    let (_dir, api) = demo().await;
    let now = chrono::Utc::now();
    let row = sqlx::query(
        "SELECT s.appeal_id, s.block_id FROM appeal_state s JOIN appeal_authors a ON a.appeal_id = s.appeal_id WHERE s.block_id IS NOT NULL LIMIT 1",
    )
    .fetch_one(api.store().pool())
    .await
    .unwrap();
    let id = uuid::Uuid::from_slice(&row.get::<Vec<u8>, _>(0)).unwrap().to_string();
    let block: String = row.get(1);

    // A meeting's screen (no personal data): the case without its author, said so.
    let meeting = Scope { may_see_personal_data: false, ..Scope::local_curator() };
    let c = api.case(&id, &meeting, now).await.unwrap();
    assert!(c.author.is_none() && c.author_hidden);
    let json = serde_json::to_string(&c).unwrap();
    let name: String =
        sqlx::query_scalar(&format!("SELECT full_name FROM appeal_authors WHERE hex(appeal_id) = '{}'", hex(&id))).fetch_one(api.store().pool()).await.unwrap();
    assert!(!json.contains(&name), "the author's name is nowhere in the case");

    // The head of this block sees it; the head of another block does not.
    let head = |b: &str| Scope { role: Role::BlockHead, blocks: Some(vec![BlockId(b.to_owned())]), municipalities: None, may_see_personal_data: false };
    assert!(api.case(&id, &head(&block), now).await.is_ok());
    let other = if block == "roads" { "health" } else { "roads" };
    let e = api.case(&id, &head(other), now).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidInput);
    assert!(e.message.contains("не найдено"), "{}", e.message);

    // The wall gets no case and no list at all.
    let e = api.case(&id, &Scope::wall(), now).await.unwrap_err();
    assert!(e.message.contains("стена"), "{}", e.message);
    let problem = uuid_of(&api, "SELECT problem_id FROM appeal_state WHERE problem_id IS NOT NULL LIMIT 1").await;
    assert!(api.problem_appeals(&problem, 10, &Scope::wall(), now).await.is_err());

    // Nonsense ids are refused with a clear word; an unknown one is not found.
    for bad in ["", "ПОС-1", "123"] {
        let e = api.case(bad, &Scope::local_curator(), now).await.unwrap_err();
        assert!(e.message.contains("UUID"), "{bad}: {}", e.message);
    }
    let e = api.case(&uuid::Uuid::now_v7().to_string(), &Scope::local_curator(), now).await.unwrap_err();
    assert!(e.message.contains("не найдено"));
    let e = api.problem_appeals(&uuid::Uuid::now_v7().to_string(), 10, &Scope::local_curator(), now).await.unwrap_err();
    assert!(e.message.contains("не найдено"));
}

#[tokio::test]
async fn the_live_feed_is_the_newest_of_the_slice_and_points_nowhere_on_the_wall() {
    let (_dir, api) = demo().await;
    let room = api.room(&tsur_api::RoomFilter::default(), &Scope::local_curator()).await.unwrap();
    assert!(!room.feed.is_empty());
    let newest: String = {
        let ms: i64 = scalar(&api, "SELECT max(received_at) FROM appeal_state").await;
        chrono::DateTime::from_timestamp_millis(ms).unwrap().with_timezone(&tsur_core::time::ZONE).format("%d.%m.%Y %H:%M").to_string()
    };
    let first_appeal = room.feed.iter().find(|f| f.kind == "appeal").unwrap();
    assert_eq!(first_appeal.at, newest, "the newest appeal leads the feed");
    assert!(room.feed.iter().filter(|f| f.kind == "appeal").all(|f| f.appeal_id.is_some()));

    // A municipality's view: only its appeals.
    let kamyzyak = tsur_api::RoomFilter { municipality: Some("kamyzyaksky".into()), ..Default::default() };
    let room = api.room(&kamyzyak, &Scope::local_curator()).await.unwrap();
    for f in room.feed.iter().filter(|f| f.kind == "appeal") {
        assert!(f.text_ru.contains("Камызяк"), "{}", f.text_ru);
    }

    // The wall: the same lines, no way to the appeals, no names or texts.
    let wall = api.room(&tsur_api::RoomFilter::default(), &Scope::wall()).await.unwrap();
    assert!(!wall.feed.is_empty());
    assert!(wall.feed.iter().all(|f| f.appeal_id.is_none()));
    let names: Vec<String> = sqlx::query_scalar("SELECT full_name FROM appeal_authors LIMIT 200").fetch_all(api.store().pool()).await.unwrap();
    let json = serde_json::to_string(&wall.feed).unwrap();
    assert!(names.iter().all(|n| !json.contains(n.as_str())));
}

/// The words of a text as the index cuts them: letters and digits, lowercased, ё as е.
fn tokens(text: &str) -> Vec<String> {
    text.to_lowercase().replace('ё', "е").split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_owned).collect()
}

#[tokio::test]
async fn search_by_text_finds_every_form_of_the_words_within_the_scope() {
    let (_dir, api) = demo().await;
    let now = chrono::Utc::now();
    let rows = sqlx::query("SELECT a.text, a.address_text, s.block_id, s.received_at FROM appeals a JOIN appeal_state s ON s.appeal_id = a.id")
        .fetch_all(api.store().pool())
        .await
        .unwrap();
    let curator = Scope::local_curator();
    let head = Scope { role: Role::BlockHead, blocks: Some(vec![BlockId("housing".into())]), municipalities: None, may_see_personal_data: true };
    for query in ["вода", "Яма дорогой", "мусора", "не горят фонари", "ул"] {
        let stems = tsur_api::search::query_stems(query);
        let matches = |text: &str, address: &str| {
            let words: Vec<String> = tokens(text).into_iter().chain(tokens(address)).collect();
            stems.iter().all(|s| words.iter().any(|w| w.starts_with(s.as_str())))
        };
        let want = rows.iter().filter(|r| matches(&r.get::<String, _>(0), &r.get::<String, _>(1))).count();
        let want_housing = rows
            .iter()
            .filter(|r| r.get::<Option<String>, _>(2).as_deref() == Some("housing") && matches(&r.get::<String, _>(0), &r.get::<String, _>(1)))
            .count();
        let found = api.search(query, 20, &curator, now).await.unwrap();
        assert_eq!(found.total as usize, want, "«{query}» ({stems:?})");
        assert_eq!(found.appeals.len(), want.min(20));
        let narrowed = api.search(query, 20, &head, now).await.unwrap();
        assert_eq!(narrowed.total as usize, want_housing, "«{query}» in housing");
        // Newest first: the order of the list is the order of receipt, backwards.
        let received: Vec<i64> =
            found.appeals.iter().map(|b| chrono::NaiveDateTime::parse_from_str(&b.received, "%d.%m.%Y %H:%M").unwrap().and_utc().timestamp()).collect();
        assert!(received.windows(2).all(|w| w[0] >= w[1]), "«{query}»: {received:?}");
    }
    assert!(api.search("вода", 5, &curator, now).await.unwrap().total > 0, "the demo's texts speak of water");

    // The index follows new appeals without a rebuild.
    assert_eq!(api.search("водопроводчика", 5, &curator, now).await.unwrap().total, 0);
    let some = uuid_of(&api, "SELECT id FROM appeals LIMIT 1").await;
    let mut appeal = api.store().appeal(tsur_core::AppealId(some.parse().unwrap()), &curator).await.unwrap().unwrap();
    appeal.id = tsur_core::AppealId(uuid::Uuid::now_v7());
    appeal.external_id = "search-test-1".into();
    appeal.text = "Третий день ждём водопроводчика, трубу так и не заменили".into();
    api.store().insert_appeals(&[common::registered(appeal.clone())]).await.unwrap();
    let found = api.search("водопроводчик", 5, &curator, now).await.unwrap();
    assert_eq!((found.total, found.appeals[0].id.clone()), (1, appeal.id.to_string()));

    // Operators of the index's query language are words like any other, never syntax.
    for odd in ["\"", "NEAR(вода", "вода OR мусор", "*", "вода -мусор", "^вода"] {
        assert!(api.search(odd, 5, &curator, now).await.is_ok() || tsur_api::search::query_stems(odd).is_empty(), "{odd}");
    }
    // No words, no search; no personal data, no search; the wall, no search.
    assert!(api.search(" ,. ", 5, &curator, now).await.unwrap_err().message.contains("нет ни одного слова"));
    let meeting = Scope { may_see_personal_data: false, ..Scope::local_curator() };
    assert!(api.search("вода", 5, &meeting, now).await.unwrap_err().message.contains("персональные данные"));
    assert!(api.search("вода", 5, &Scope::wall(), now).await.is_err());
}
