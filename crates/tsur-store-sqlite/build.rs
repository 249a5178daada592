// sqlx::migrate! embeds migrations/sqlite/ at compile time; a new or edited migration must
// rebuild this crate, which cargo does not know without being told.
fn main() {
    println!("cargo:rerun-if-changed=../../migrations/sqlite");
}
