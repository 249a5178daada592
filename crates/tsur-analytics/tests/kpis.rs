//! Every statistic of the KPI panel, the ratings and the register against small cases
//! computed by hand, on the region's real reference books.

use chrono::{TimeZone, Utc};
use tsur_analytics::kpi::{kpis, Filter};
use tsur_analytics::rating::{groups, rate, RatingOf};
use tsur_analytics::screen::{screen, Pass};
use tsur_analytics::snapshot::{Dims, Lateness, Row, Snapshot};
use tsur_analytics::weights::{RatingComponent, Weights};
use tsur_core::calendar::CompiledCalendar;
use tsur_core::reference::{ReferenceData, ReferenceTexts};

fn reference() -> ReferenceData {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/reference");
    ReferenceData::parse(ReferenceTexts::load(|name| std::fs::read_to_string(dir.join(name))).unwrap()).unwrap()
}

fn weights() -> Weights {
    Weights::parse(&std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/reference/analytics/weights.csv")).unwrap())
        .unwrap()
}

/// Monday 2 March 2026, 09:00 in Astrakhan (UTC+4), as Unix ms.
fn monday_9am() -> i64 {
    Utc.with_ymd_and_hms(2026, 3, 2, 5, 0, 0).unwrap().timestamp_millis()
}

const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;

/// A row registered Monday 09:00 + `offset`, in Astrakhan (`astrakhan`) unless told.
fn row(id: u128) -> Row<'static> {
    let at = monday_9am();
    Row { id, received_at: at, registered_at: at, municipality: "astrakhan", channel: "pos", status: "registered", ..Row::default() }
}

struct Fixture {
    dims: Dims,
    calendar: CompiledCalendar,
    snap: Snapshot,
}

fn fixture(rows: &[Row<'static>]) -> Fixture {
    let reference = reference();
    let dims = Dims::from_reference(&reference).unwrap();
    let calendar = CompiledCalendar::new(reference.calendar.clone());
    let mut snap = Snapshot::default();
    for r in rows {
        snap.upsert(&dims, &calendar, r).unwrap();
    }
    Fixture { dims, calendar, snap }
}

fn all_march() -> Filter {
    Filter::period(monday_9am() - 2 * DAY, monday_9am() + 28 * DAY)
}

/// The check helpers: each statistic against its hand-computed value.
fn check_share(what: &str, got: tsur_analytics::Share, k: u64, n: u64) {
    assert_eq!((got.k, got.n), (k, n), "{what}");
    if n > 0 {
        assert!((got.value.unwrap() - k as f64 / n as f64).abs() < 1e-12, "{what}");
        assert!(got.lo.unwrap() <= got.value.unwrap() && got.value.unwrap() <= got.hi.unwrap(), "{what}: the interval holds the value");
    } else {
        assert_eq!(got.value, None, "{what}");
    }
}

fn check_hours(what: &str, got: Option<f64>, want: f64) {
    let got = got.unwrap_or_else(|| panic!("{what}: none"));
    assert!((got - want).abs() < 1e-9, "{what}: {got} ≠ {want}");
}

#[test]
fn every_kpi_against_a_hand_computed_case() {
    let t0 = monday_9am();
    let rows = vec![
        // 1: first reply 2 office hours later (11:00), answered on time, resolved and confirmed, score 5.
        Row {
            status: "confirmed",
            first_reply_at: Some(t0 + 2 * HOUR),
            last_answer_at: Some(t0 + 2 * HOUR),
            answer_due: Some(t0 + 10 * DAY),
            resolved_at: Some(t0 + 3 * HOUR),
            confirmed_at: Some(t0 + 4 * HOUR),
            answers: 1,
            satisfaction: Some(5),
            ..row(1)
        },
        // 2: first reply Tuesday 10:00 = Monday's office day from 09:00 plus an hour on Tuesday,
        //    answered late, one answer rejected of two, not resolved, reopened, score 2.
        Row {
            status: "reopened",
            first_reply_at: Some(t0 + 25 * HOUR),
            last_answer_at: Some(t0 + 12 * DAY),
            answer_due: Some(t0 + 10 * DAY),
            answers: 2,
            rejected_answers: 1,
            reopen_count: 1,
            satisfaction: Some(2),
            ..row(2)
        },
        // 3: answered on time, resolved, not confirmed; first reply 1 office hour; score 4.
        Row {
            status: "resolved",
            first_reply_at: Some(t0 + HOUR),
            last_answer_at: Some(t0 + HOUR),
            answer_due: Some(t0 + 10 * DAY),
            resolved_at: Some(t0 + 2 * DAY),
            answers: 1,
            satisfaction: Some(4),
            ..row(3)
        },
        // 4: no reply at all, due passed: overdue.
        Row { status: "assigned", answer_due: Some(t0 + 10 * DAY), ..row(4) },
        // 5: no reply, not yet due: counts in appeals only.
        Row { status: "assigned", answer_due: Some(t0 + 40 * DAY), ..row(5) },
        // 6: another municipality, outside a municipality filter.
        Row { municipality: "narimanovsky", ..row(6) },
    ];
    let f = fixture(&rows);
    let now = t0 + 20 * DAY;
    let astrakhan = f.dims.municipality("astrakhan").unwrap();
    let filter = Filter { municipalities: Some(1u128 << astrakhan), ..all_march() };
    let population = f.dims.population_of(filter.municipalities);
    let k = kpis(&f.snap, &filter, population, now);

    assert_eq!(k.appeals, 5);
    assert_eq!(k.population, 475_629);
    check_hours("per 1,000", k.per_1000, 5.0 * 1000.0 / 475_629.0);
    // First reply in office hours: 2, 9, 1 → sorted 1, 2, 9: median 2, p90 = 3rd value 9.
    let office_day = (f
        .calendar
        .working_time_between(chrono::DateTime::from_timestamp_millis(t0).unwrap(), chrono::DateTime::from_timestamp_millis(t0 + 25 * HOUR).unwrap())
        .num_minutes()) as f64
        / 60.0;
    assert_eq!(k.first_reply.n, 3);
    check_hours("median first reply", k.first_reply.median, 2.0);
    check_hours("p90 first reply", k.first_reply.p90, office_day);
    assert_eq!(k.first_reply.lo, None, "no distribution-free interval below 6 values");
    // On time: rows 1 and 3 on time, 2 late, 4 overdue; 5 not due → 2 of 4.
    check_share("on time", k.on_time, 2, 4);
    // Resolved among answered (1, 2, 3): 1 and 3 → 2 of 3.
    check_share("resolved", k.resolved, 2, 3);
    // Confirmed among resolved: 1 of 2.
    check_share("confirmed", k.confirmed, 1, 2);
    // Reopened among answered: 1 of 3.
    check_share("reopened", k.reopened, 1, 3);
    // Rejected among answers: 1 + 2 + 1 = 4 answers, 1 rejected.
    check_share("rejected", k.rejected, 1, 4);
    // Satisfaction: 5, 2, 4 → mean 11/3, 4–5: 2 of 3.
    check_hours("satisfaction mean", k.satisfaction_mean, 11.0 / 3.0);
    check_share("satisfaction 4–5", k.satisfaction_good, 2, 3);

    // Filters by channel, status and topic narrow the same rows.
    let by_status =
        Filter { statuses: Some(1u128 << tsur_core::Status::ALL.iter().position(|s| *s == tsur_core::Status::Assigned).unwrap()), ..filter.clone() };
    assert_eq!(kpis(&f.snap, &by_status, population, now).appeals, 2);
    let by_channel = Filter { channels: Some(1u128 << f.dims.channel("im").unwrap()), ..filter.clone() };
    assert_eq!(kpis(&f.snap, &by_channel, population, now).appeals, 0);
    let nothing = Filter { topics: Some(vec![true; f.dims.topics.len()]), ..filter.clone() };
    assert_eq!(kpis(&f.snap, &nothing, population, now).appeals, 0, "unclassified appeals match no topic set");
    // An upsert replaces the row: appeal 5 answered now on time.
    let mut snap = f.snap.clone();
    snap.upsert(
        &f.dims,
        &f.calendar,
        &Row {
            status: "answered",
            last_answer_at: Some(t0 + 3 * DAY),
            first_reply_at: Some(t0 + 3 * DAY),
            answers: 1,
            answer_due: Some(t0 + 40 * DAY),
            ..row(5)
        },
    )
    .unwrap();
    let k2 = kpis(&snap, &filter, population, now);
    assert_eq!(k2.appeals, 5);
    check_share("on time after the answer", k2.on_time, 3, 5);
}

#[test]
fn unknown_ids_are_refused_and_change_nothing() {
    let mut f = fixture(&[row(1)]);
    let e = f.snap.upsert(&f.dims, &f.calendar, &Row { topic: Some("no_such_topic"), ..row(2) }).unwrap_err();
    assert_eq!(e.to_string(), "нет в справочниках: тематика «no_such_topic»");
    assert_eq!(f.snap.len(), 1);
}

/// Rows for an agency: `n` appeals, of which `on_time` answered by the due, the rest late.
fn agency_rows(first_id: u128, agency: &'static str, n: u32, on_time: u32) -> Vec<Row<'static>> {
    let t0 = monday_9am();
    (0..n)
        .map(|i| Row {
            agency: Some(agency),
            status: "answered",
            first_reply_at: Some(t0 + HOUR),
            last_answer_at: Some(if i < on_time { t0 + DAY } else { t0 + 11 * DAY }),
            answer_due: Some(t0 + 10 * DAY),
            answers: 1,
            ..row(first_id + u128::from(i))
        })
        .collect()
}

#[test]
fn ratings_rank_only_with_enough_data_and_explain_the_rank() {
    let mut rows = Vec::new();
    rows.extend(agency_rows(1_000, "minzdrav", 40, 36)); // 0.9 on time
    rows.extend(agency_rows(2_000, "minobr", 40, 20)); // 0.5 on time
    rows.extend(agency_rows(3_000, "minsoc", 1, 1)); // one perfect appeal: not ranked
    let f = fixture(&rows);
    let w = weights();
    let pass = Pass::run(&f.snap, &f.dims, &all_march(), monday_9am() + 30 * DAY);
    let counts: Vec<u64> = pass.by_municipality.iter().map(|a| a.n).collect();
    let r = rate(RatingOf::Agencies, groups(RatingOf::Agencies, &f.dims, &pass.by_agency, &counts), &w);
    let ranked: Vec<&str> = r.entities.iter().filter(|e| e.rank.is_some()).map(|e| e.id.as_str()).collect();
    assert_eq!(ranked, ["minzdrav", "minobr"]);
    let minsoc = r.entities.iter().find(|e| e.id == "minsoc").unwrap();
    assert!(!minsoc.enough_data && minsoc.rank.is_none(), "a single perfect case never heads the table");
    let first = &r.entities[0];
    let on_time = first.components.iter().find(|c| c.component == RatingComponent::OnTime).unwrap();
    assert!((on_time.value.unwrap() - 0.9).abs() < 1e-12);
    // The regional median over the two ranked: (0.9 + 0.5) / 2.
    assert!((on_time.regional_median.unwrap() - 0.7).abs() < 1e-12);
    // Explain: the contributions add up to the score minus the weighted medians.
    let used: Vec<_> = first.components.iter().filter(|c| c.weight > 0.0 && c.score.is_some()).collect();
    let w_total: f64 = used.iter().map(|c| c.weight).sum();
    let medians: f64 = used.iter().map(|c| c.weight / w_total * c.regional_median.unwrap()).sum();
    let contributions: f64 = used.iter().map(|c| c.contribution.unwrap()).sum();
    assert!((contributions - (first.score.unwrap() - medians)).abs() < 1e-12);
    // The interval holds the score and is narrower with more data.
    for e in r.entities.iter().filter(|e| e.score.is_some()) {
        assert!(e.lo.unwrap() <= e.score.unwrap() && e.score.unwrap() <= e.hi.unwrap(), "{}", e.id);
    }
    let width = |id: &str| {
        let e = r.entities.iter().find(|e| e.id == id).unwrap();
        e.hi.unwrap() - e.lo.unwrap()
    };
    assert!(width("minsoc") > width("minzdrav"));
}

#[test]
fn the_screen_adds_up() {
    let mut rows = Vec::new();
    rows.extend(agency_rows(1_000, "minzdrav", 40, 36));
    rows.extend(agency_rows(2_000, "omsu-astrakhan", 35, 30));
    // The previous period: 10 appeals a month earlier.
    for i in 0..10 {
        rows.push(Row { received_at: monday_9am() - 20 * DAY, registered_at: monday_9am() - 20 * DAY, ..row(5_000 + i) });
    }
    let f = fixture(&rows);
    let filter = Filter::period(monday_9am() - 10 * DAY, monday_9am() + 10 * DAY);
    let s = screen(&f.snap, &f.dims, &weights(), &filter, monday_9am() + 30 * DAY, 10);
    assert_eq!(s.kpis.appeals, 75);
    assert_eq!(s.previous.appeals, 10);
    assert_eq!(s.areas.iter().map(|a| a.appeals).sum::<u64>(), 75);
    let astrakhan = s.areas.iter().find(|a| a.municipality == "astrakhan").unwrap();
    assert!((astrakhan.overdue_share.unwrap() - 9.0 / 75.0).abs() < 1e-12);
    assert!(astrakhan.rating_score.is_some(), "the city's administration has 35 appeals ≥ 30");
    assert_eq!(s.municipalities.entities.iter().filter(|e| e.rank.is_some()).count(), 1);
}

#[test]
fn the_snapshot_survives_its_bytes_and_refuses_damaged_ones() {
    let mut rows = agency_rows(1_000, "minzdrav", 40, 36);
    rows.push(Row { problem: Some(77), fast_track: Some("ft-no-water"), lon: Some(48.0), lat: Some(46.3), settlement: None, ..row(9) });
    let mut f = fixture(&rows);
    let bytes = f.snap.to_bytes();
    let back = Snapshot::from_bytes(&bytes).unwrap();
    // Read back, the rows are in order of id: the bytes of the snapshot settled.
    f.snap.settle();
    assert_eq!(back.to_bytes(), f.snap.to_bytes());
    let filter = all_march();
    assert_eq!(kpis(&back, &filter, 1, monday_9am() + 30 * DAY), kpis(&f.snap, &filter, 1, monday_9am() + 30 * DAY));
    // An upsert after reading finds the row by its id (the position map is rebuilt).
    let mut back = back;
    back.upsert(&f.dims, &f.calendar, &row(9)).unwrap();
    assert_eq!(back.len(), f.snap.len());
    for cut in [0, 7, 8, 12, 100, bytes.len() - 1] {
        assert!(Snapshot::from_bytes(&bytes[..cut]).is_none(), "cut at {cut}");
    }
    let mut other = bytes.clone();
    other[8] = 99;
    assert!(Snapshot::from_bytes(&other).is_none(), "another format");
    // The id column begins after the magic, the format and its length; the second id made the
    // first's: one appeal in two rows.
    let mut twice = bytes.clone();
    twice.copy_within(20..36, 36);
    assert!(Snapshot::from_bytes(&twice).is_none(), "an appeal twice");
}

#[test]
fn rows_are_found_by_id_before_and_after_settling_and_keep_their_values() {
    // A row's values follow from its id (and from its update round), so each can be checked.
    let made = |id: u128, round: i64| Row {
        received_at: monday_9am() + (id as i64 + 1_000 * round) * 1_000,
        registered_at: monday_9am(),
        channel: ["pos", "im", "fz59"][id as usize % 3],
        municipality: ["astrakhan", "narimanovsky"][id as usize % 2],
        ..row(id)
    };
    let dims = Dims::from_reference(&reference()).unwrap();
    let check = |s: &Snapshot, rounds: &std::collections::HashMap<u128, i64>, stage: &str| {
        assert_eq!(s.len(), rounds.len(), "{stage}");
        for (&id, &round) in rounds {
            let i = s.index_of(id).unwrap_or_else(|| panic!("{stage}: {id} not found"));
            let row = made(id, round);
            let got =
                (s.id[i], i64::from(s.at[i]) * 1_000, dims.municipalities[s.municipality[i] as usize].as_str(), dims.channels[s.channel[i] as usize].as_str());
            assert_eq!(got, (id, row.received_at, row.municipality, row.channel), "{stage}: {id}");
        }
        for absent in [0u128, 5_000, u128::MAX] {
            assert_eq!(s.index_of(absent), None, "{stage}: {absent}");
        }
    };
    // Ids out of order, as appeals arrive; then some updated, some added below and above the
    // settled ones.
    let first: Vec<u128> = (1..=300u128).map(|i| (i * 7_919) % 1_009 + 1).collect();
    let rows: Vec<Row> = first.iter().map(|&id| made(id, 0)).collect();
    let mut f = fixture(&rows);
    let mut rounds: std::collections::HashMap<u128, i64> = first.iter().map(|&id| (id, 0)).collect();
    check(&f.snap, &rounds, "as added");
    let filter = all_march();
    let now = monday_9am() + 30 * DAY;
    let before = kpis(&f.snap, &filter, 1, now);
    f.snap.settle();
    check(&f.snap, &rounds, "settled");
    assert!(f.snap.id.windows(2).all(|w| w[0] < w[1]), "in order of id");
    assert_eq!(kpis(&f.snap, &filter, 1, now), before, "the same figures in another order");
    for &id in first.iter().step_by(15).chain(&[1_200, 1_010, 1_500]) {
        f.snap.upsert(&f.dims, &f.calendar, &made(id, 1)).unwrap();
        rounds.insert(id, 1);
    }
    check(&f.snap, &rounds, "updated and added after settling");
    let back = Snapshot::from_bytes(&f.snap.to_bytes()).unwrap();
    check(&back, &rounds, "read back");
    f.snap.settle();
    check(&f.snap, &rounds, "settled again");
    assert_eq!(back.to_bytes(), f.snap.to_bytes());
}

#[test]
fn each_row_keeps_the_map_cell_of_its_point_as_it_moves_and_across_its_bytes() {
    use tsur_analytics::snapshot::{MAP_CELLS, NONE32};
    let cell = |lon: f64, lat: f64| h3o::LatLng::new(lat, lon).unwrap().to_cell(MAP_CELLS);
    // (id, point): two in one hexagon of the city, one in Akhtubinsk, one without a point, one
    // with a point that is not finite.
    let points = [(1, Some((48.0330, 46.3490))), (2, Some((48.0335, 46.3492))), (3, Some((46.2530, 48.2790))), (4, None), (5, Some((f64::NAN, 46.0)))];
    let rows: Vec<Row> = points.iter().map(|&(id, p)| Row { lon: p.map(|p| p.0), lat: p.map(|p| p.1), ..row(id) }).collect();
    let mut f = fixture(&rows);
    let of = |s: &Snapshot, id: u128| {
        let code = s.cell[s.index_of(id).unwrap()];
        (code != NONE32).then(|| s.cells[code as usize])
    };
    assert_eq!(of(&f.snap, 1), Some(cell(48.0330, 46.3490)));
    assert_eq!(f.snap.cell[0], f.snap.cell[1], "one hexagon, one code");
    assert_eq!(of(&f.snap, 3), Some(cell(46.2530, 48.2790)));
    assert_eq!((of(&f.snap, 4), of(&f.snap, 5)), (None, None));
    assert_eq!(f.snap.cells.len(), 2);
    // A changed appeal that moved is found in its new cell; one that lost its point in none.
    f.snap.upsert(&f.dims, &f.calendar, &Row { lon: Some(46.2531), lat: Some(48.2791), ..row(1) }).unwrap();
    f.snap.upsert(&f.dims, &f.calendar, &Row { lon: None, lat: None, ..row(3) }).unwrap();
    assert_eq!((of(&f.snap, 1), of(&f.snap, 3)), (Some(cell(46.2530, 48.2790)), None));
    let back = Snapshot::from_bytes(&f.snap.to_bytes()).unwrap();
    assert_eq!((back.cell.clone(), back.cells.clone()), (f.snap.cell.clone(), f.snap.cells.clone()));
    // Read back, a new row in a known cell gets its code, not a new one.
    let mut back = back;
    back.upsert(&f.dims, &f.calendar, &Row { lon: Some(48.0332), lat: Some(46.3491), ..row(6) }).unwrap();
    assert_eq!((of(&back, 6), back.cells.len()), (Some(cell(48.0330, 46.3490)), 2));
}

#[test]
fn a_pass_split_over_threads_adds_up_like_one() {
    let mut rows = agency_rows(1_000, "minzdrav", 40, 36);
    rows.extend(agency_rows(2_000, "omsu-astrakhan", 35, 30));
    let f = fixture(&rows);
    // 75 rows × 4,000 copies = 300,000 rows: more than one thread's share on two cores.
    let copies = 4_000u64;
    let big = f.snap.replicated(copies as usize);
    let filter = Filter::period(monday_9am() - 10 * DAY, monday_9am() + 10 * DAY);
    let now = monday_9am() + 30 * DAY;
    let one = screen(&f.snap, &f.dims, &weights(), &filter, now, 10);
    let many = screen(&big, &f.dims, &weights(), &filter, now, 10);
    assert_eq!(many.kpis.appeals, one.kpis.appeals * copies);
    assert_eq!((many.kpis.on_time.k, many.kpis.on_time.n), (one.kpis.on_time.k * copies, one.kpis.on_time.n * copies));
    assert_eq!(many.kpis.first_reply.median, one.kpis.first_reply.median);
    for (a, b) in many.areas.iter().zip(&one.areas) {
        assert_eq!(a.appeals, b.appeals * copies);
        assert_eq!(a.overdue_share, b.overdue_share);
    }
    let scores = |s: &tsur_analytics::Screen| s.agencies.entities.iter().map(|e| (e.id.clone(), e.components[0].value)).collect::<Vec<_>>();
    assert_eq!(scores(&many), scores(&one));
}

proptest::proptest! {
    /// The snapshot keeps its instants to the second. That changes no verdict where the
    /// instants are whole seconds, and elsewhere only within the second around a due
    /// instant: a late answer is never counted on time, an appeal never overdue before its
    /// term ends.
    #[test]
    fn lateness_to_the_second_keeps_the_verdicts(
        due in 1_600_000_000_000i64..1_900_000_000_000,
        answer_offset in -40 * DAY..40 * DAY,
        now_offset in -40 * DAY..40 * DAY,
        answered in proptest::bool::ANY,
        whole in proptest::bool::ANY,
    ) {
        let second = |v: i64| if whole { v - v.rem_euclid(1000) } else { v };
        let (due, answer, now) = (second(due), second(due + answer_offset), second(due + now_offset));
        let received = due - 3 * DAY;
        let f = fixture(&[Row {
            received_at: received,
            registered_at: received,
            status: if answered { "answered" } else { "assigned" },
            answer_due: Some(due),
            last_answer_at: answered.then_some(answer),
            ..row(1)
        }]);
        let got = f.snap.lateness(0, now);
        let exact = if answered { Some(Lateness::Answered(answer - due)) } else { (due < now).then_some(Lateness::Overdue(now - due)) };
        match (got, exact) {
            (Some(Lateness::Answered(a)), Some(Lateness::Answered(b))) => {
                proptest::prop_assert_eq!(a > 0, b > 0, "late stays late, on time stays on time");
                proptest::prop_assert!(a >= b && a - b < 1000, "{} against {}", a, b);
                proptest::prop_assert!(!whole || a == b);
            }
            (Some(Lateness::Overdue(a)), Some(Lateness::Overdue(b))) => {
                proptest::prop_assert!(a <= b && b - a < 1000, "{} against {}", a, b);
                proptest::prop_assert!(!whole || a == b);
            }
            (None, Some(Lateness::Overdue(b))) => proptest::prop_assert!(!whole && b < 1000, "overdue by {} ms and not counted", b),
            (got, exact) => proptest::prop_assert_eq!(got, exact),
        }
        proptest::prop_assert_eq!(f.snap.at_ms(0), received.div_euclid(1000) * 1000);
    }
}
