//! Shared by the tests: the bundled reference books, read from `data/reference/`.

use tsur_core::reference::{ReferenceData, ReferenceTexts};

pub fn reference() -> ReferenceData {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/reference");
    ReferenceData::parse(ReferenceTexts::load(|name| std::fs::read_to_string(dir.join(name))).unwrap()).unwrap()
}
