//! Addresses as citizens write them → municipality.

mod common;

use tsur_import::gazetteer::{Found, Gazetteer};

#[test]
fn addresses_find_their_municipality() {
    let reference = common::reference();
    let g = Gazetteer::new(&reference);
    #[rustfmt::skip]
    let cases = [
        ("г. Астрахань, ул. Савушкина, д. 4", Some("astrakhan")),
        ("Астраханская обл., Камызякский р-н, г. Камызяк, ул. Ленина, 5", Some("kamyzyaksky")),
        ("в Камызяке на улице Тихой", Some("kamyzyaksky")),
        ("г. Ахтубинск, ул. Жуковского", Some("akhtubinsky")),
        ("в Нариманове", Some("narimanovsky")),
        ("из Нариманова пишу", Some("narimanovsky")),
        ("пос. Володарский", Some("volodarsky")),
        ("Харабалинского района село", Some("kharabalinsky")),
        ("ЗАТО Знаменск", Some("znamensk")),
        ("пгт Верхний Баскунчак", Some("akhtubinsky")),
        ("Енотаевка, ул. Чернышевского", Some("enotaevsky")),
        ("улица без города", None),
        ("г. Харабали, ул. Советская, 5", Some("kharabalinsky")),
        ("Кировский район г. Астрахани", Some("astrakhan")),
        ("ул. Ахтубинская, 3", None),
        ("рп Кировский", Some("kamyzyaksky")),
        ("Ахтубинский р-н, с. Пироговка", Some("akhtubinsky")),
    ];
    let mut wrong = Vec::new();
    for (address, expected) in cases {
        let got = match g.find(address) {
            Found::One(m) => Some(m.0),
            _ => None,
        };
        if got.as_deref() != expected {
            wrong.push(format!("{address}: {got:?} ≠ {expected:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[path = "common/noisy_addresses.rs"]
mod noisy_addresses;

/// A floor under the measured accuracy (the figure itself is in docs/import.md).
#[test]
fn noisy_generated_addresses_mostly_find_their_municipality() {
    let reference = common::reference();
    let r = noisy_addresses::measure(&reference, 3_000, 7);
    assert!(r.wrong as f64 / r.n as f64 <= 0.02, "{r}");
    assert!(r.right as f64 / r.n as f64 >= 0.85, "{r}");
}

#[test]
fn addresses_find_their_settlement() {
    let reference = common::reference();
    let g = Gazetteer::new(&reference);
    #[rustfmt::skip]
    let cases = [
        ("Кировский район г. Астрахани, ул. Савушкина", "astrakhan", Some("astrakhan-cd-kirovsky")),
        ("г. Астрахань, ул. Савушкина", "astrakhan", None),
        ("рп Кировский, ул. Ленина", "kamyzyaksky", Some("kamyzyaksky-gp-kirovsky")),
        ("пгт Верхний Баскунчак", "akhtubinsky", Some("akhtubinsky-gp-verkhny-baskunchak")),
        ("г. Камызяк, ул. Кировская", "kamyzyaksky", Some("kamyzyaksky-gp-kamyzyak")),
    ];
    let mut wrong = Vec::new();
    for (address, municipality, expected) in cases {
        let got = g.settlement(address, &municipality.into()).map(|s| s.0);
        if got.as_deref() != expected {
            wrong.push(format!("{address}: {got:?} ≠ {expected:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
