use super::*;
use crate::{AppealId, EventId};
use chrono::{Duration, TimeZone};
use proptest::prelude::*;
use uuid::Uuid;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 6, 0, 0).unwrap()
}

fn ev(n: u64, kind: EventKind) -> Event {
    Event {
        id: EventId(Uuid::from_u128(n as u128 + 1)),
        appeal_id: AppealId(Uuid::nil()),
        at: t0() + Duration::hours(n as i64),
        actor: "test".into(),
        node: "test".into(),
        kind,
    }
}

fn assign() -> EventKind {
    EventKind::Assigned { agency: "omsu-kamyzyaksky".into() }
}
fn answer() -> EventKind {
    EventKind::Answered { text: "Ответ".into() }
}
fn reject() -> EventKind {
    EventKind::AnswerRejected { reason: "отписка".into() }
}
fn resolve() -> EventKind {
    EventKind::Resolved { note: "отремонтировано".into() }
}
fn not_solved() -> EventKind {
    EventKind::CitizenNotSolved { comment: "ничего не сделано".into() }
}
fn extend(days: u32) -> EventKind {
    EventKind::DeadlineExtended { days, reason: "проверка".into() }
}
fn fast_track() -> EventKind {
    EventKind::FastTrackApplied { fast_track: "ft-no-water".into(), agency: "minstroy".into() }
}
fn defer(days_from_t0: i64) -> EventKind {
    EventKind::Deferred { plan_date: (t0() + Duration::days(days_from_t0)).date_naive(), plan: "в программе 2027".into() }
}

/// Folds `kinds` (registration prepended) and compares the outcome with `expected`:
/// `Ok(status)` or `Err(message)`.
fn check(kinds: Vec<EventKind>, expected: Result<Status, &str>) {
    let mut events = vec![ev(0, EventKind::Registered)];
    events.extend(kinds.into_iter().enumerate().map(|(i, k)| ev(i as u64 + 1, k)));
    let got = AppealState::fold(&events).unwrap().map(|s| s.status).map_err(|e| e.to_string());
    assert_eq!(got, expected.map_err(str::to_owned), "events: {:?}", events.iter().map(|e| e.kind.code()).collect::<Vec<_>>());
}

#[test]
fn lifecycle_table() {
    use Status as S;
    let cases: Vec<(Vec<EventKind>, Result<Status, &str>)> = vec![
        (vec![], Ok(S::Registered)),
        (vec![assign()], Ok(S::Assigned)),
        (vec![assign(), EventKind::InterimAnswer { text: "принято".into() }], Ok(S::InterimAnswered)),
        (vec![assign(), answer()], Ok(S::Answered)),
        (vec![assign(), answer(), reject()], Ok(S::Rework)),
        (vec![assign(), answer(), reject(), answer()], Ok(S::Answered)),
        (vec![assign(), answer(), resolve()], Ok(S::Resolved)),
        (vec![assign(), answer(), resolve(), EventKind::CitizenConfirmed], Ok(S::Confirmed)),
        (vec![assign(), answer(), resolve(), EventKind::CitizenConfirmed, EventKind::Closed], Ok(S::Closed)),
        (vec![assign(), answer(), resolve(), not_solved()], Ok(S::Reopened)),
        (vec![assign(), answer(), resolve(), EventKind::Closed, not_solved(), answer()], Ok(S::Answered)),
        (vec![assign(), answer(), defer(90)], Ok(S::Deferred)),
        (vec![assign(), answer(), defer(90), resolve()], Ok(S::Resolved)),
        (vec![EventKind::Redirected { to: "minzdrav".into(), reason: "не по компетенции".into() }], Ok(S::Assigned)),
        (vec![assign(), extend(30), answer()], Ok(S::Answered)),
        (vec![assign(), answer(), EventKind::Satisfaction { score: 4 }], Ok(S::Answered)),
        (vec![EventKind::Comment { text: "позвонили".into() }], Ok(S::Registered)),
        (vec![fast_track()], Ok(S::Assigned)),
        (vec![assign(), fast_track(), answer()], Ok(S::Answered)),
        // Impossible transitions, each with its clear message.
        (vec![answer()], Err("событие «ответ» невозможно: не назначен исполнитель")),
        (vec![assign(), resolve()], Err("событие «решение проблемы» невозможно в состоянии «На исполнении»")),
        (vec![assign(), answer(), EventKind::CitizenConfirmed], Err("событие «подтверждение заявителем» невозможно в состоянии «Дан ответ»")),
        (vec![assign(), reject()], Err("событие «отклонение ответа модерацией» невозможно в состоянии «На исполнении»")),
        (vec![assign(), extend(30), extend(10)], Err("срок уже продлевался: повторное продление не допускается")),
        (vec![assign(), extend(0)], Err("продление срока должно быть на 1 день или больше")),
        (vec![assign(), answer(), EventKind::Satisfaction { score: 6 }], Err("оценка удовлетворённости должна быть от 1 до 5, а не 6")),
        (vec![assign(), EventKind::Satisfaction { score: 3 }], Err("событие «оценка удовлетворённости» невозможно в состоянии «На исполнении»")),
        (vec![EventKind::Registered], Err("обращение уже зарегистрировано")),
        (vec![assign(), answer(), EventKind::Closed, EventKind::Closed], Err("событие «закрытие» невозможно в состоянии «Закрыто»")),
        (vec![assign(), answer(), defer(-30)], Err("плановая дата 2026-01-31 раньше даты решения об отсрочке 2026-03-02")),
        (vec![assign(), answer(), fast_track()], Err("событие «фаст-трек» невозможно в состоянии «Дан ответ»")),
        (vec![not_solved()], Err("событие ««не решено» от заявителя» невозможно в состоянии «Зарегистрировано»")),
    ];
    for (kinds, expected) in cases {
        check(kinds, expected);
    }
}

#[test]
fn first_event_must_be_registration() {
    let got = AppealState::fold(&[ev(0, assign())]).unwrap();
    assert_eq!(got.unwrap_err().to_string(), "первым событием обращения должна быть регистрация, а пришло «назначение исполнителя»");
}

#[test]
fn counters_follow_history() {
    let kinds = [assign(), answer(), reject(), answer(), resolve(), not_solved(), answer(), resolve(), EventKind::CitizenConfirmed];
    let mut events = vec![ev(0, EventKind::Registered)];
    events.extend(kinds.into_iter().enumerate().map(|(i, k)| ev(i as u64 + 1, k)));
    let s = AppealState::fold(&events).unwrap().unwrap();
    assert_eq!((s.answers, s.rejected_answers, s.reopen_count), (3, 1, 1));
    assert_eq!(s.first_answer_at, Some(t0() + Duration::hours(2)));
    assert_eq!(s.last_answer_at, Some(t0() + Duration::hours(7)));
    assert_eq!(s.confirmed_at, Some(t0() + Duration::hours(9)));
    assert_eq!(s.event_count, 10);
}

fn any_kind() -> impl Strategy<Value = EventKind> {
    prop_oneof![
        Just(assign()),
        Just(answer()),
        Just(reject()),
        Just(resolve()),
        Just(not_solved()),
        Just(EventKind::CitizenConfirmed),
        Just(EventKind::Closed),
        Just(EventKind::InterimAnswer { text: "x".into() }),
        (1u32..40).prop_map(extend),
        (0u8..8).prop_map(|score| EventKind::Satisfaction { score }),
        (0i64..200).prop_map(defer),
        Just(EventKind::Comment { text: "c".into() }),
        Just(fast_track()),
        Just(EventKind::Redirected { to: "minzdrav".into(), reason: "r".into() }),
        positional(),
    ]
}

/// The events [`AppealState::apply_anywhere`] may take: comments and links to one of three problems.
fn positional() -> impl Strategy<Value = EventKind> {
    prop_oneof![
        Just(EventKind::Comment { text: "c".into() }),
        (1u128..4).prop_map(|p| EventKind::ProblemLinked { problem: crate::ProblemId(Uuid::from_u128(p)) }),
    ]
}

/// A 59-ФЗ appeal and rules with the ft-no-water fast-track, for deadline properties.
fn appeal_and_rules() -> (crate::Appeal, crate::rules::Rules) {
    let regimes = "id,channel,name_ru,register_days,redirect_days,answer_days,answer_day_kind,answer_from,first_reply_working_hours,extension_days,max_extensions,source\n\
                   fz59,fz59,59-ФЗ,3,7,30,calendar,registration,,30,1,закон\n";
    let regimes = csv::Reader::from_reader(regimes.as_bytes()).deserialize().collect::<Result<Vec<_>, _>>().unwrap();
    let mut record = crate::rules::RulesRecord { regimes, ..Default::default() };
    for (w, closes) in [("mon", "18:00"), ("tue", "18:00"), ("wed", "18:00"), ("thu", "18:00"), ("fri", "16:45"), ("sat", "16:45"), ("sun", "16:45")] {
        record.office_hours.push(crate::calendar::OfficeHoursRow {
            weekday: w.into(),
            opens: "09:00".into(),
            closes: closes.into(),
            pre_holiday_cut_minutes: 60,
        });
    }
    record.fast_tracks.push(crate::fast_track::FastTrack {
        id: "ft-no-water".into(),
        name_ru: "вода".into(),
        topics: vec!["housing_no_water".into()],
        municipalities: vec![],
        answer_term: 2,
        answer_unit: crate::fast_track::TermUnit::WorkingDays,
        agency_id: "minstroy".into(),
        approved_by: "руководитель блока".into(),
        approved_at: chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        valid_from: chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        valid_until: None,
        source: String::new(),
    });
    let appeal = crate::Appeal {
        id: AppealId(Uuid::nil()),
        channel: crate::Channel::Fz59,
        external_id: "1".into(),
        received_at: t0() - Duration::hours(30),
        regime: "fz59".into(),
        text: String::new(),
        address_text: String::new(),
        point: None,
        municipality: "limansky".into(),
        settlement: None,
        node: "test".into(),
    };
    (appeal, crate::rules::Rules::from_record(record).unwrap())
}

proptest! {
    /// Whatever order a node receives a set of events in, the fold gives the same result.
    #[test]
    fn fold_is_independent_of_arrival_order(kinds in prop::collection::vec(any_kind(), 0..25), seed in any::<u64>()) {
        let mut events = vec![ev(0, EventKind::Registered)];
        events.extend(kinds.into_iter().enumerate().map(|(i, k)| ev(i as u64 + 1, k)));
        let expected = AppealState::fold(&events);
        let mut shuffled = events.clone();
        // A deterministic shuffle driven by the seed.
        let mut x = seed | 1;
        for i in (1..shuffled.len()).rev() {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            shuffled.swap(i, (x % (i as u64 + 1)) as usize);
        }
        prop_assert_eq!(AppealState::fold(&shuffled), expected);
    }

    /// The deadlines of a history do not depend on the order its events arrived in either;
    /// and every deadline is after the start of its term.
    #[test]
    fn deadlines_are_independent_of_arrival_order(kinds in prop::collection::vec(any_kind(), 0..25), seed in any::<u64>(), now_h in 0i64..2000) {
        let (appeal, rules) = appeal_and_rules();
        let mut events = vec![ev(0, EventKind::Registered)];
        events.extend(kinds.into_iter().enumerate().map(|(i, k)| ev(i as u64 + 1, k)));
        let mut shuffled = events.clone();
        let mut x = seed | 1;
        for i in (1..shuffled.len()).rev() {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            shuffled.swap(i, (x % (i as u64 + 1)) as usize);
        }
        let now = t0() + Duration::hours(now_h);
        let assess = |events: &[Event]| AppealState::fold(events).unwrap().ok().map(|s| rules.assess(&crate::rules::Facts::of(&appeal, &s), now).unwrap());
        let sorted = assess(&events);
        prop_assert_eq!(assess(&shuffled), sorted);
        for stage in sorted.iter().flatten().flatten() {
            prop_assert!(stage.due > stage.start, "{:?}", stage);
        }
    }

    /// Applying events one by one never panics, and a refused event leaves the state usable.
    #[test]
    fn apply_never_panics_and_keeps_counts(kinds in prop::collection::vec(any_kind(), 0..40)) {
        let mut state = AppealState::registered(t0());
        let mut applied = 1;
        for (i, k) in kinds.into_iter().enumerate() {
            if let Ok(next) = state.apply(&ev(i as u64 + 1, k)) {
                state = next;
                applied += 1;
            }
        }
        prop_assert_eq!(state.event_count, applied);
        prop_assert!(state.rejected_answers <= state.answers);
    }

    /// The merge of sync: the same set of events gives the same state and the same inert
    /// events whatever order they arrived in; a history the strict fold accepts merges to the
    /// same state with nothing inert; and splitting a history between two "nodes" and merging
    /// the union equals merging the whole.
    #[test]
    fn merge_is_order_independent_and_agrees_with_fold(kinds in prop::collection::vec(any_kind(), 0..30), seed in any::<u64>()) {
        let mut events = vec![ev(0, EventKind::Registered)];
        events.extend(kinds.into_iter().enumerate().map(|(i, k)| ev(i as u64 + 1, k)));
        let merged = AppealState::merge(&events).unwrap();
        let mut shuffled = events.clone();
        let mut x = seed | 1;
        for i in (1..shuffled.len()).rev() {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            shuffled.swap(i, (x % (i as u64 + 1)) as usize);
        }
        prop_assert_eq!(AppealState::merge(&shuffled).unwrap(), merged.clone());
        match (AppealState::fold(&events).unwrap(), merged) {
            (Ok(strict), Ok(merged)) => {
                prop_assert_eq!(&merged.state, &strict);
                prop_assert!(merged.inert.is_empty());
            }
            (Ok(_), Err(e)) => prop_assert!(false, "the strict fold accepted what the merge refused: {e}"),
            (Err(e), Ok(merged)) => {
                prop_assert!(!e.is_malformed(), "a malformed event was merged: {e}");
                prop_assert!(!merged.inert.is_empty());
                prop_assert_eq!(merged.state.event_count as usize, events.len() - merged.inert.len());
            }
            (Err(strict), Err(merged)) => prop_assert!(strict.is_malformed() || merged.is_malformed()),
        }
    }

    /// An event applied "anywhere" gives what folding (or merging) the whole history with it
    /// gives, and changes nothing but the problem, the count and the latest instant: what lets
    /// the store append a link without reading the history back.
    #[test]
    fn an_event_applied_anywhere_equals_the_history_folded_again(
        kinds in prop::collection::vec(any_kind(), 0..25),
        extra in positional(),
        hour in -3i64..30,
    ) {
        let mut events = vec![ev(0, EventKind::Registered)];
        events.extend(kinds.into_iter().enumerate().map(|(i, k)| ev(i as u64 + 1, k)));
        let event = Event { id: EventId(Uuid::from_u128(1_000)), at: t0() + Duration::minutes(hour * 60 + 30), ..ev(0, extra) };
        let mut with = events.clone();
        with.push(event.clone());
        let Ok(merged) = AppealState::merge(&events).unwrap() else { return Ok(()) };
        let Some(applied) = merged.state.apply_anywhere(&event) else {
            // Only a second link is refused, and it is one whose place matters.
            let second_link = matches!(event.kind, EventKind::ProblemLinked { .. }) && merged.state.problem.is_some();
            prop_assert!(second_link, "refused: {:?}", event.kind);
            return Ok(());
        };
        match (applied, AppealState::merge(&with).unwrap()) {
            (Ok(state), Ok(again)) => {
                prop_assert_eq!(&again.state, &state);
                prop_assert_eq!(&again.inert, &merged.inert);
                let same = AppealState { problem: merged.state.problem, event_count: merged.state.event_count, last_event_at: merged.state.last_event_at, ..state.clone() };
                prop_assert_eq!(&same, &merged.state);
                if let Some(Ok(strict)) = AppealState::fold(&events) {
                    prop_assert_eq!(AppealState::fold(&with), Some(Ok(strict.apply_anywhere(&event).unwrap().unwrap())));
                }
            }
            (Err(e), Err(again)) => prop_assert!(e.is_malformed() && again.is_malformed(), "{e} / {again}"),
            (applied, again) => prop_assert!(false, "applied {applied:?}, folded again {again:?}"),
        }
    }
}
