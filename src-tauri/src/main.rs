//! `tsur-app`: the Tauri shell. It only registers commands, each a call into `tsur-api`,
//! and opens the window; all logic lives in the API and the crates below it.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

/// mimalloc gives memory back to the system after large passes (see Cargo.toml).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    // SQLite allocates through mimalloc too: with glibc's malloc, each pooled connection's
    // thread kept what SQLite freed after the passes over a million rows.
    // SAFETY: the first thing the process does; nothing has used SQLite yet.
    unsafe { tsur_api::sqlite_use_global_allocator() };
    // Without a GPU, WebKit paints the page on the CPU rather than through software OpenGL.
    // SAFETY: no other thread has started yet.
    unsafe { tsur_app::rendering::configure() };
    // Without a session bus GLib would start a private one for the window, at a cost of up to 3 s.
    // SAFETY: no other thread has started yet.
    unsafe { tsur_app::session::configure() };
    // What a large pass freed goes back to the system once the app idles, not at the next click.
    if let Err(e) = tsur_api::give_back_while_idle(tsur_api::PURGE_EVERY) {
        eprintln!("tsur-app: поток возврата памяти не запущен: {e}");
    }
    tsur_app::run();
}
