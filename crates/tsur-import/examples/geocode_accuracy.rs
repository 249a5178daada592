//! Accuracy of text → municipality on generated addresses with the noise of real ones:
//! abbreviations and their absence, a district before the place, letter case, a dropped or
//! doubled letter, street and house after the place.
//!
//! `cargo run --release -p tsur-import --example geocode_accuracy [-- N]`

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "../tests/common/noisy_addresses.rs"]
mod noisy_addresses;

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(20_000);
    let reference = common::reference();
    let report = noisy_addresses::measure(&reference, n, 2026);
    println!("{report}");
}
