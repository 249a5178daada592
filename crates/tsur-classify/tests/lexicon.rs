//! The lexicon model on the shipped lexicon: it parses, covers every topic, and classifies
//! hand-written sentences (written for this test, one or more per block) and misspelt ones.

use tsur_classify::lexicon::within_one_edit;
use tsur_classify::{ClassifyError, Lexicon};
use tsur_core::reference::Topic;

const TOPICS: &str = include_str!("../../../data/reference/catalog/topics.csv");
const LEXICON: &str = include_str!("../../../data/reference/classify/lexicon.csv");

fn topics() -> Vec<Topic> {
    csv::Reader::from_reader(TOPICS.as_bytes()).deserialize().collect::<Result<_, _>>().expect("topics parse")
}

fn shipped() -> Lexicon {
    Lexicon::parse("lexicon.csv", LEXICON, &topics()).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn shipped_lexicon_parses_and_covers_every_topic() {
    let lexicon = shipped();
    assert!(lexicon.len() > 900, "{} terms", lexicon.len());
    assert_eq!(lexicon.topics_without_terms(), Vec::<tsur_core::TopicId>::new());
}

/// Asserts the block (and, when given, the topic) the shipped lexicon gives a sentence.
fn check(text: &str, block: &str, topic: Option<&str>) {
    let p = shipped().predict(text);
    assert_eq!(p.block.as_ref().map(|b| b.as_str()), Some(block), "{text}: {:?}", p.matches);
    if let Some(topic) = topic {
        assert_eq!(p.topic.as_ref().map(|t| t.as_str()), Some(topic), "{text}: {:?}", p.matches);
    }
    assert!(p.confidence > 0.0 && p.confidence <= 1.0);
    assert!(!p.matches.is_empty());
}

#[test]
fn one_sentence_per_block() {
    check("Третий день не можем вызвать скорую к бабушке, диспетчер кладёт трубку", "health", Some("health_ambulance"));
    check("Сына не берут в детский сад, говорят мест нет до следующего года", "education", Some("edu_kindergarten_place"));
    check("Не пришло единое пособие на детей за март, в соцзащите ничего не объясняют", "social", Some("social_benefit_payment"));
    check("<p>В квартире холодные батареи,&nbsp;отопление не работает</p>", "housing", Some("housing_heating"));
    check("мусорные баки переполнены уже неделю, мусоровоз не приезжает", "waste", None);
    check("На улице огромные ямы, асфальт разбит, машины ломают подвеску", "roads", Some("road_potholes"));
    check("Маршрутка номер 5 ходит раз в час, расписание не соблюдается", "transport", Some("transport_schedule"));
    check("Отключили свет во всём посёлке, электричества нет с утра", "energy", Some("energy_power_outage"));
    check("Во дворе стая бродячих собак бросается на детей", "other", Some("other_stray_dogs"));
}

#[test]
fn phrases_match_with_words_between() {
    // «нет горячей воды» with two words inside it.
    check("Нет у нас горячей воды вторую неделю", "housing", Some("housing_hot_water"));
}

#[test]
fn nothing_matches_nothing() {
    let p = shipped().predict("Здравствуйте, спасибо.");
    assert_eq!(p.block, None);
    assert_eq!(p.topic, None);
    assert_eq!(p.confidence, 0.0);
    assert!(p.matches.is_empty());
}

#[test]
fn typos_within_one_edit_of_long_stems_still_match() {
    for (text, block) in [
        ("мусоравоз не приезжал", "waste"),            // substitution
        ("сломался светафор на перекрестке", "roads"), // substitution
        ("не работает канлизация", "housing"),         // deletion
        ("газифиикация улицы", "energy"),              // insertion
        ("педаитр не принимает", "health"),            // swap of neighbours
    ] {
        let p = shipped().predict(text);
        assert_eq!(p.block.as_ref().map(|b| b.as_str()), Some(block), "{text}: {:?}", p.matches);
        assert!(p.matches.iter().any(|m| m.fuzzy), "{text}: a fuzzy match expected, got {:?}", p.matches);
    }
    // Short stems match only exactly: «ямв» is not «яма».
    assert_eq!(shipped().predict("ямв").block, None);
}

#[test]
fn edit_distance_table() {
    for (a, b, expected) in [
        ("мусоровоз", "мусоровоз", true),
        ("мусоровоз", "мусоравоз", true),
        ("мусоровоз", "мусорвоз", true),
        ("мусоровоз", "мусоровооз", true),
        ("мусоровоз", "мусорвоаз", false),
        ("абвгде", "бавгде", true),
        ("абвгде", "бавгед", false),
        ("абв", "абвгд", false),
    ] {
        assert_eq!(within_one_edit(a, b), expected, "{a} / {b}");
        assert_eq!(within_one_edit(b, a), expected, "{b} / {a}");
    }
}

#[test]
fn parse_errors_name_the_file_and_line_in_russian() {
    let topics = topics();
    let check_err = |text: &str, needle: &str| match Lexicon::parse("my.csv", text, &topics) {
        Err(e @ ClassifyError::Csv { .. }) => {
            let m = e.to_string();
            assert!(m.starts_with("my.csv: строка "), "{m}");
            assert!(m.contains(needle), "{m} should contain {needle}");
        }
        other => panic!("expected a CSV error, got {other:?}"),
    };
    check_err("topic_id,term,weight\nroad_potholes,яма,2\nno_such_topic,слово,1\n", "строка 3: неизвестная тематика «no_such_topic»");
    check_err("topic_id,term,weight\nroad_potholes,яма,0\n", "строка 2: вес 0");
    check_err("topic_id,term,weight\nroad_potholes,яма,много\n", "строка 2");
    check_err("topic_id,term,weight\nroad_potholes,...,1\n", "нет ни одного слова");
    check_err("topic_id,term,weight\nroad_potholes,яма,1\nroad_potholes,Ямы,2\n", "строка 3: термин «Ямы» у тематики «road_potholes» повторяется");
    // Comments are skipped and do not shift the line numbers.
    check_err("# note\ntopic_id,term,weight\nroad_potholes,яма,1\nbad,x,1\n", "строка 4:");
}
