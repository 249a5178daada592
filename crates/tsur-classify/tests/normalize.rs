//! Normalisation, table-driven: HTML, entities, ё, case, invisible characters, stems.

use tsur_classify::normalize::{clean_text, words, Normalizer};

fn check(raw: &str, expected_words: &[&str]) {
    let clean = clean_text(raw);
    let got: Vec<&str> = words(&clean).collect();
    assert_eq!(got, expected_words, "raw: {raw:?}, clean: {clean:?}");
}

#[test]
fn html_tags_are_dropped_and_separate_words() {
    check("<p>Нет воды</p><p>третий день</p>", &["нет", "воды", "третий", "день"]);
    check("<p style=`text-align:justify;`><span style=`background-color:rgb(255,255,255);`>Яма</span></p>", &["яма"]);
    check("слово<br/>другое", &["слово", "другое"]);
    check("до <!-- комментарий --> после", &["до", "после"]);
    check("a < b и c > d", &["a", "b", "и", "c", "d"]);
    check("x<5 и y>3", &["x", "5", "и", "y", "3"]);
}

#[test]
fn entities_are_decoded() {
    check("Рядом&nbsp;с&nbsp;домом", &["рядом", "с", "домом"]);
    check("&laquo;Площадь Рокоссовского&raquo;", &["площадь", "рокоссовского"]);
    check("&quot;Водоканал&quot; &amp; УК", &["водоканал", "ук"]);
    check("&#171;Мир&#187; &#x410;втобус", &["мир", "автобус"]);
    check("&unknown; текст", &["unknown", "текст"]);
    check("AT&T", &["at", "t"]);
    assert_eq!(clean_text("&laquo;А&raquo;&nbsp;&mdash;"), "«а» —");
}

#[test]
fn case_and_yo_are_folded() {
    check("ЁЛКА Ёлка ёлка елка", &["елка", "елка", "елка", "елка"]);
    check("МУСОРОВОЗ Не Приезжает", &["мусоровоз", "не", "приезжает"]);
    check("Street LIGHT", &["street", "light"]);
    // Combining characters: е + U+0308 is ё, и + U+0306 is й.
    check("Свёкла е\u{308}ж чаи\u{306}ник", &["свекла", "еж", "чайник"]);
}

#[test]
fn invisible_characters_and_punctuation() {
    check("пере\u{ad}полнены кон\u{200b}тейнеры", &["переполнены", "контейнеры"]);
    check("яма!!!на,дороге...срочно", &["яма", "на", "дороге", "срочно"]);
    check("тел. +7 (927) 555-12-34, д.19Д", &["тел", "7", "927", "555", "12", "34", "д", "19д"]);
    check("", &[]);
    check("<p>&nbsp;</p>", &[]);
}

#[test]
fn stems_merge_word_forms() {
    let n = Normalizer::russian();
    let stem = |w: &str| n.stem(w).into_owned();
    assert_eq!(stem("ямы"), stem("яма"));
    assert_eq!(stem("дороги"), stem("дорогой"));
    assert_eq!(stem("контейнеры"), stem("контейнеров"));
    assert_eq!(stem("light"), "light", "Latin words are left as they are");
    assert_eq!(n.stems("<p>Переполненные КОНТЕЙНЕРЫ</p>"), vec![stem("переполненные"), stem("контейнеры")]);
}
