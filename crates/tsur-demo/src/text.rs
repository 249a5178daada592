//! Composing an appeal's text and a synthetic author, the way real ones vary.

use crate::phrases::{pick, PhraseBank};
use rand::Rng;
use tsur_core::reference::{Settlement, Topic};
use tsur_core::{AppealId, Author, Channel};

/// The text of an appeal: formal or colloquial by channel, slots filled, typos added.
pub fn compose(bank: &PhraseBank, topic: &Topic, channel: Channel, settlement: &Settlement, street: &str, house: u32, rng: &mut impl Rng) -> String {
    let formal = match channel {
        Channel::Im => rng.random_bool(0.08),
        Channel::Pos => rng.random_bool(0.7),
        Channel::Regional => rng.random_bool(0.75),
        Channel::Fz59 | Channel::Other => true,
    };
    let addr = format!("{street}, д. {house}");
    let body = bank.body(topic.id.as_str(), formal, rng);
    let mentions_place = body.contains("{addr}") || body.contains("{place}");
    let body = body.replace("{addr}", &addr).replace("{place}", &settlement.place_ru).replace("{duration}", pick(&bank.durations, rng));
    let mut parts: Vec<String> = Vec::with_capacity(4);
    if formal {
        if rng.random_bool(0.6) {
            parts.push(pick(&bank.formal_openers, rng).to_owned());
        }
        parts.push(body);
        if !mentions_place && rng.random_bool(0.6) {
            parts.push(format!("Адрес: {}, {addr}.", settlement.place_ru));
        }
        if rng.random_bool(0.65) {
            parts.push(pick(&bank.formal_closings, rng).to_owned());
        }
    } else {
        if rng.random_bool(0.45) {
            parts.push(pick(&bank.colloquial_openers, rng).to_owned());
        }
        parts.push(body);
        if !mentions_place && rng.random_bool(0.4) {
            parts.push(format!("{} {}", settlement.place_ru, street));
        }
        if rng.random_bool(0.35) {
            parts.push(pick(&bank.colloquial_closings, rng).to_owned());
        }
    }
    let mut text = parts.join(" ");
    let typos = match channel {
        Channel::Im => rng.random_range(0..=3),
        Channel::Pos | Channel::Regional => rng.random_range(0..=1),
        _ => u32::from(rng.random_bool(0.1)),
    };
    for _ in 0..typos {
        text = typo(&text, rng);
    }
    if !formal && rng.random_bool(0.3) {
        text = lowercase_first(&text);
    }
    if channel == Channel::Pos && rng.random_bool(0.12) {
        text = format!("<p>{}</p>", sentences_as_lines(&text));
    }
    text
}

/// One human slip: two letters swapped, a letter lost or doubled, ё written as е, a comma dropped.
fn typo(text: &str, rng: &mut impl Rng) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    let letters: Vec<usize> = (1..chars.len().saturating_sub(1)).filter(|&i| chars[i].is_alphabetic() && chars[i + 1].is_alphabetic()).collect();
    if letters.is_empty() {
        return text.to_owned();
    }
    let i = letters[rng.random_range(0..letters.len())];
    match rng.random_range(0..5) {
        0 => chars.swap(i, i + 1),
        1 => {
            chars.remove(i);
        }
        2 => chars.insert(i, chars[i]),
        3 => {
            for c in chars.iter_mut() {
                if *c == 'ё' {
                    *c = 'е';
                }
            }
        }
        _ => {
            if let Some(p) = chars.iter().position(|&c| c == ',') {
                chars.remove(p);
            }
        }
    }
    chars.into_iter().collect()
}

/// Breaks lines after a sentence's end (a full stop before a capital), as portal HTML does;
/// abbreviations such as «ул. Ленина» stay whole.
fn sentences_as_lines(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() + 16);
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '.' && chars.get(i + 1) == Some(&' ') && chars.get(i + 2).is_some_and(|c| c.is_uppercase()) {
            out.push_str(".<br>");
            i += 2;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

const FEMALE: [(&str, &str, &str); 8] = [
    ("Иванова", "Мария", "Петровна"),
    ("Кузнецова", "Ольга", "Викторовна"),
    ("Сидорова", "Наталья", "Ивановна"),
    ("Абдуллаева", "Гульнара", "Рашидовна"),
    ("Попова", "Елена", "Сергеевна"),
    ("Утегенова", "Айгуль", "Маратовна"),
    ("Морозова", "Татьяна", "Алексеевна"),
    ("Егорова", "Светлана", "Николаевна"),
];
const MALE: [(&str, &str, &str); 8] = [
    ("Смирнов", "Андрей", "Владимирович"),
    ("Волков", "Сергей", "Александрович"),
    ("Каримов", "Руслан", "Ильдарович"),
    ("Лебедев", "Дмитрий", "Олегович"),
    ("Козлов", "Николай", "Петрович"),
    ("Джумагалиев", "Ерлан", "Серикович"),
    ("Новиков", "Алексей", "Игоревич"),
    ("Фёдоров", "Павел", "Андреевич"),
];

/// A synthetic author: names combined from short lists, a masked-looking phone.
pub fn author(appeal_id: AppealId, channel: Channel, rng: &mut impl Rng) -> Author {
    let list = if rng.random_bool(0.58) { &FEMALE } else { &MALE };
    let surname = list[rng.random_range(0..list.len())].0;
    let name = list[rng.random_range(0..list.len())].1;
    let patronymic = list[rng.random_range(0..list.len())].2;
    let phone = format!("+7 9{:02} {:03}-{:02}-{:02}", rng.random_range(0..100), rng.random_range(0..1000), rng.random_range(0..100), rng.random_range(0..100));
    match channel {
        Channel::Im => Author { appeal_id, full_name: format!("{name} {}.", surname.chars().next().unwrap_or('А')), phone: None, email: None },
        Channel::Fz59 | Channel::Other => Author {
            appeal_id,
            full_name: format!("{surname} {name} {patronymic}"),
            phone: rng.random_bool(0.7).then_some(phone),
            email: rng.random_bool(0.4).then(|| format!("citizen{}@example.ru", rng.random_range(1000..99999))),
        },
        _ => Author { appeal_id, full_name: format!("{surname} {name} {patronymic}"), phone: Some(phone), email: None },
    }
}
