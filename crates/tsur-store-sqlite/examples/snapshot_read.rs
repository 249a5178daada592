//! Times reading the analytics' rows from a store: `cargo run --release -p tsur-store-sqlite --example snapshot_read -- STORE.db`.
#[tokio::main]
async fn main() {
    let path = std::env::args().nth(1).expect("path to a store");
    let store = tsur_store_sqlite::SqliteStore::open(std::path::Path::new(&path)).await.expect("store");
    let t = std::time::Instant::now();
    let mut n = 0usize;
    let rows = store.snapshot_rows(50_000, |page| n += page.len()).await.expect("rows");
    println!("{rows} rows ({n}) in {:?}", t.elapsed());
}
