//! The charts as SVG documents: well-formed XML, one bar per filled day, the deadline line,
//! the incidents' bands and labels, Russian text, both themes, and «нет данных» for nothing.

use chrono::{Duration, NaiveDate};
use proptest::prelude::*;
use quick_xml::events::Event;
use std::collections::HashMap;
use tsur_charts::replies::DAY_MS;
use tsur_charts::{replies_svg, timeline_svg, Frame, Incident, ReplyTimes, Theme, Timeline};

/// One element of the SVG: its name, attributes and the text directly inside it.
#[derive(Debug)]
struct Node {
    name: String,
    attrs: HashMap<String, String>,
    text: String,
}

/// Parses `svg` as XML (panicking on anything malformed) into its elements in order; checks
/// that the root is one `<svg>` and that no character XML 1.0 forbids is in the text.
fn parse(svg: &str) -> Vec<Node> {
    assert!(svg.chars().all(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t')), "a control character in the SVG");
    let mut reader = quick_xml::Reader::from_str(svg);
    reader.config_mut().check_end_names = true;
    let mut nodes: Vec<Node> = Vec::new();
    let mut open: Vec<usize> = Vec::new();
    let mut roots = 0;
    loop {
        let event = reader.read_event().unwrap_or_else(|e| panic!("not XML at {}: {e}", reader.buffer_position()));
        let element = |e: &quick_xml::events::BytesStart| Node {
            name: e.name().as_ref().to_owned(),
            attrs: e
                .attributes()
                .map(|a| {
                    let a = a.expect("a well-formed attribute");
                    (a.key.as_ref().to_owned(), a.normalized_value(quick_xml::XmlVersion::Implicit1_0).expect("a well-escaped value").into_owned())
                })
                .collect(),
            text: String::new(),
        };
        match event {
            Event::Start(e) => {
                roots += usize::from(open.is_empty());
                nodes.push(element(&e));
                open.push(nodes.len() - 1);
            }
            Event::Empty(e) => {
                roots += usize::from(open.is_empty());
                nodes.push(element(&e));
            }
            Event::End(_) => {
                open.pop().expect("an end tag closes an open element");
            }
            Event::Text(t) => {
                let text = t.xml10_content();
                match open.last() {
                    Some(&i) => nodes[i].text.push_str(text.trim()),
                    None => assert!(text.trim().is_empty(), "text outside the root: {text}"),
                }
            }
            Event::GeneralRef(r) => {
                let c = match r.resolve_char_ref().expect("a valid character reference") {
                    Some(c) => c.to_string(),
                    None => quick_xml::escape::resolve_predefined_entity(&r).expect("a predefined entity").to_owned(),
                };
                nodes[*open.last().expect("a reference inside an element")].text.push_str(&c);
            }
            Event::Eof => break,
            other => panic!("unexpected XML: {other:?}"),
        }
    }
    assert!(open.is_empty(), "unclosed elements");
    assert_eq!(roots, 1, "one root element");
    assert_eq!(nodes[0].name, "svg");
    nodes
}

fn texts(nodes: &[Node]) -> Vec<&str> {
    nodes.iter().filter(|n| n.name == "text").map(|n| n.text.as_str()).collect()
}

/// Rectangles filled with `fill` at `opacity` (how bars, bands and legend squares differ).
fn rects<'a>(nodes: &'a [Node], fill: &str, opacity: &str) -> Vec<&'a Node> {
    nodes.iter().filter(|n| n.name == "rect" && n.attrs.get("fill").map(String::as_str) == Some(fill) && n.attrs["opacity"] == opacity).collect()
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

const LIGHT_SERIES: &str = "#1D4ED8";
const LIGHT_ALARM: &str = "#DC2626";
const LIGHT_OVERDUE: &str = "#7F1D1D";

#[test]
fn the_timeline_draws_a_point_per_day_or_week_and_bands_the_incidents() {
    let inc = |d: NaiveDate, label: &str| Incident { day: d, label: label.into(), weight: 3.0 };
    // (first day, days, incidents, points of the line, bands, title, labels that must be there)
    type Case = (NaiveDate, usize, Vec<Incident>, usize, usize, &'static str, Vec<&'static str>);
    let cases: Vec<Case> = vec![
        (day(2026, 3, 1), 1, vec![], 1, 0, "Обращения по дням", vec!["01.03", "01.03.2026 · всего 10"]),
        (
            day(2026, 3, 1),
            30,
            vec![inc(day(2026, 3, 13), "Камызякский — Вывоз ТКО")],
            30,
            1,
            "Обращения по дням",
            vec!["01.03.2026–30.03.2026 · всего 300", "Камызякский — Вывоз ТКО", "сигналы раннего предупреждения: 1", "обращений в день"],
        ),
        // Two on one day make one band and one label that counts the other; one outside is left out.
        (
            day(2026, 3, 1),
            30,
            vec![inc(day(2026, 3, 5), "Астрахань — Вода"), inc(day(2026, 3, 5), "Астрахань — Свет"), inc(day(2026, 4, 5), "после")],
            30,
            1,
            "Обращения по дням",
            vec!["Астрахань — Вода и ещё 1", "сигналы раннего предупреждения: 2"],
        ),
        // A year by weeks: 2026-01-01 is a Thursday, 53 weeks in all.
        (
            day(2026, 1, 1),
            365,
            vec![inc(day(2026, 6, 1), "Ахтубинский — Дороги")],
            53,
            1,
            "Обращения по неделям, в среднем за день",
            vec!["01.01.2026–31.12.2026 · всего 3\u{a0}650", "01.01"],
        ),
    ];
    for (first, days, incidents, points, bands, title, labels) in cases {
        let t = Timeline { first, daily: vec![10; days], incidents };
        let nodes = parse(&timeline_svg(&t, &Frame::default()).unwrap());
        let all = texts(&nodes);
        assert_eq!(all[0], title);
        for label in labels {
            assert!(all.contains(&label), "{first} + {days}: no «{label}» in {all:?}");
        }
        // The line: the only polyline of the series' colour with more than the legend's two
        // points; it is held flat to both edges, hence two more than the buckets.
        let line: Vec<&Node> =
            nodes.iter().filter(|n| n.name == "polyline" && n.attrs["stroke"] == LIGHT_SERIES && n.attrs["points"].split_whitespace().count() > 2).collect();
        assert_eq!(line.len(), 1, "{first} + {days}");
        assert_eq!(line[0].attrs["points"].split_whitespace().count(), points + 2, "{first} + {days}");
        assert_eq!(rects(&nodes, LIGHT_ALARM, "0.22").len(), bands, "{first} + {days}");
        assert!(!all.contains(&"нет данных"));
    }
}

#[test]
fn the_reply_histogram_has_a_bar_per_filled_day_and_the_deadline() {
    // (answers' lateness in days, unanswered overdue days, on-time bars, late bars, unanswered bars, subtitle)
    type Case = (Vec<f64>, Vec<f64>, usize, usize, usize, &'static str);
    let cases: Vec<Case> = vec![
        (vec![-3.5, -3.2, -0.5, 0.0], vec![], 2, 0, 0, "ответов 4, в срок 100,0\u{a0}%"),
        (vec![-2.5, 0.5, 0.7, 4.0], vec![], 1, 2, 0, "ответов 4, в срок 25,0\u{a0}%"),
        (vec![-10.0, 1.5], vec![1.5, 40.0, 41.0], 1, 1, 2, "ответов 2, в срок 20,0\u{a0}% · без ответа после срока 3"),
        (vec![-45.0, -31.0], vec![], 1, 0, 0, "ответов 2, в срок 100,0\u{a0}%"),
        (vec![], vec![3.0], 0, 0, 1, "ответов 0, в срок 0,0\u{a0}% · без ответа после срока 1"),
    ];
    for (answers, unanswered, on_time, late, open, subtitle) in cases {
        let mut r = ReplyTimes::new();
        answers.iter().for_each(|d| r.add_answer((d * DAY_MS as f64) as i64));
        unanswered.iter().for_each(|d| r.add_unanswered((d * DAY_MS as f64) as i64));
        let nodes = parse(&replies_svg(&r, &Frame::default()).unwrap());
        let all = texts(&nodes);
        assert_eq!(&all[..2], ["Сроки ответов", subtitle], "{answers:?}");
        for label in ["в срок", "с опозданием", "срок", "дней до срока (−) и после него (+)", "0"] {
            assert!(all.contains(&label), "no «{label}» in {all:?}");
        }
        assert_eq!(all.contains(&"без ответа, срок прошёл"), open > 0);
        // Bars are drawn at 0.85 opacity, as are the legend's squares (one per legend item).
        let legend_open = usize::from(open > 0);
        assert_eq!(rects(&nodes, LIGHT_SERIES, "0.85").len(), on_time + 1, "{answers:?}");
        assert_eq!(rects(&nodes, LIGHT_ALARM, "0.85").len(), late + 1, "{answers:?}");
        assert_eq!(rects(&nodes, LIGHT_OVERDUE, "0.85").len(), open + legend_open, "{answers:?}");
        // The deadline: a vertical line of the text's colour, two pixels wide.
        let deadline: Vec<&Node> = nodes
            .iter()
            .filter(|n| n.name == "polyline" && n.attrs["stroke"] == "#111827" && n.attrs["stroke-width"] == "2")
            .filter(|n| {
                let xs: Vec<&str> = n.attrs["points"].split_whitespace().map(|p| p.split(',').next().unwrap()).collect();
                xs.len() == 2 && xs[0] == xs[1]
            })
            .collect();
        assert_eq!(deadline.len(), 1, "{answers:?}");
    }
}

#[test]
fn nothing_to_show_draws_no_data_not_a_panic() {
    let no_appeals = Timeline { first: day(2026, 3, 1), daily: vec![0; 30], incidents: vec![] };
    let cases = [
        (timeline_svg(&Timeline::default(), &Frame::default()).unwrap(), "Обращения по дням"),
        (timeline_svg(&no_appeals, &Frame::panel(Theme::Dark)).unwrap(), "Обращения по дням"),
        (replies_svg(&ReplyTimes::new(), &Frame::default()).unwrap(), "Сроки ответов"),
    ];
    for (svg, title) in cases {
        let nodes = parse(&svg);
        let all = texts(&nodes);
        assert_eq!(all[0], title);
        assert!(all.contains(&"нет данных"), "{all:?}");
        assert!(!nodes.iter().any(|n| n.name == "polyline"), "an empty chart draws no series");
    }
}

#[test]
fn themes_colour_the_background_and_sizes_are_kept_in_bounds() {
    let t = Timeline { first: day(2026, 3, 1), daily: vec![3; 7], incidents: vec![] };
    // (frame, background, width, height)
    let cases = [
        (Frame::default(), "#FFFFFF", "420", "240"),
        (Frame::panel(Theme::Dark), "#111A2E", "420", "240"),
        (Frame { width: 10, height: 10, theme: Theme::Light }, "#FFFFFF", "240", "160"),
        (Frame { width: 1920, height: 600, theme: Theme::Dark }, "#111A2E", "1920", "600"),
    ];
    for (frame, background, width, height) in cases {
        let nodes = parse(&timeline_svg(&t, &frame).unwrap());
        assert_eq!((nodes[0].attrs["width"].as_str(), nodes[0].attrs["height"].as_str()), (width, height));
        assert_eq!(nodes[0].attrs["viewBox"], format!("0 0 {width} {height}"));
        assert_eq!(nodes[1].name, "rect");
        assert_eq!(nodes[1].attrs["fill"], background);
    }
}

#[test]
fn labels_are_escaped_and_cleaned() {
    let t = Timeline {
        first: day(2026, 3, 1),
        daily: vec![5; 10],
        incidents: vec![Incident { day: day(2026, 3, 3), label: "<script>alert(1)</script> & \u{0}\"Вода\"".into(), weight: 1.0 }],
    };
    let svg = timeline_svg(&t, &Frame::default()).unwrap();
    assert!(!svg.contains("<script"));
    let nodes = parse(&svg);
    assert!(!nodes.iter().any(|n| n.name == "script"));
    let all = texts(&nodes);
    assert!(all.iter().any(|t| t.starts_with("<script>alert(1)")), "{all:?}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn any_timeline_is_well_formed_svg(
        start in 0i64..20_000,
        daily in prop::collection::vec(prop_oneof![0u32..50, Just(0u32), any::<u32>()], 0..420),
        incidents in prop::collection::vec((-10i64..430, ".{0,40}", any::<f64>()), 0..30),
        width in 0u32..3000,
        height in 0u32..1500,
        dark in any::<bool>(),
    ) {
        let first = day(1990, 1, 1) + Duration::days(start);
        let incidents = incidents.into_iter().map(|(d, label, weight)| Incident { day: first + Duration::days(d), label, weight }).collect();
        let frame = Frame { width, height, theme: if dark { Theme::Dark } else { Theme::Light } };
        let svg = timeline_svg(&Timeline { first, daily, incidents }, &frame).unwrap();
        parse(&svg);
    }

    #[test]
    fn any_reply_times_are_well_formed_svg(
        answers in prop::collection::vec(any::<i64>(), 0..300),
        near in prop::collection::vec(-40 * DAY_MS..40 * DAY_MS, 0..300),
        unanswered in prop::collection::vec(any::<i64>(), 0..100),
        width in 0u32..3000,
        height in 0u32..1500,
        dark in any::<bool>(),
    ) {
        let mut r = ReplyTimes::new();
        answers.iter().chain(&near).for_each(|&l| r.add_answer(l));
        unanswered.iter().for_each(|&o| r.add_unanswered(o));
        prop_assert_eq!(r.on_time() + r.late(), (answers.len() + near.len()) as u64);
        let frame = Frame { width, height, theme: if dark { Theme::Dark } else { Theme::Light } };
        let svg = replies_svg(&r, &frame).unwrap();
        parse(&svg);
    }
}
