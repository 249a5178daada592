//! Freed memory given back to the system while the app idles.
//!
//! mimalloc (the binaries' allocator: `tsur-app`'s and `room_bench`'s `main`) keeps a range of its arena that was freed for a
//! second (`purge_delay`) before it decommits it, so that a pass that frees and allocates
//! again does not fault the same pages in again; the decommit is then left to a later call
//! into the allocator. After the large passes of a start (the snapshot's load decodes 70 MiB,
//! the first overdue list reads the 48,000 open appeals of a million) an idle app makes no
//! such call, and what the passes freed stayed committed. Purging at once instead
//! (`purge_delay` 0) made each room step 1–7 ms slower in room_bench, as its buffers were
//! faulted in again at every step.
//!
//! [`give_back_while_idle`] (called first thing by `tsur-app` and `room_bench`) starts a thread that every [`PURGE_EVERY`] has mimalloc
//! decommit the free ranges of its arenas (`mi_collect(true)`: forced, so whatever their
//! delay; a step pays at most one round of page faults for its buffers in that time). With
//! it the whole app took 608–621 MiB after the window's steps against 637–660 MiB without
//! (three pairs of `scripts/bench-window.sh`). Memory still held by a live thread's own heap
//! is out of its reach: the pooled SQLite connections' threads, which held the most, are
//! closed when idle instead (`tsur-store-sqlite`'s `open.rs`). In a process on another
//! allocator (the tests) the thread only asks mimalloc's own, unused, heap.

use std::time::Duration;

/// How often the purging thread looks.
pub const PURGE_EVERY: Duration = Duration::from_secs(2);

/// Starts the thread that gives freed memory back every `every` (see the module).
pub fn give_back_while_idle(every: Duration) -> std::io::Result<std::thread::JoinHandle<()>> {
    std::thread::Builder::new().name("tsur-purge".into()).spawn(move || loop {
        std::thread::sleep(every);
        // SAFETY: `mi_collect` may be called from any thread at any time: it collects this
        // thread's own (empty) heap and decommits the arenas' free ranges, never a block in use.
        unsafe { libmimalloc_sys::mi_collect(true) };
    })
}

/// The process's resident set and its peak so far, MiB (`VmRSS` and `VmHWM` of
/// `/proc/self/status`; zeros where there is none). For the benchmarks and tests that report
/// or check what the process holds.
pub fn resident_and_peak_mib() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status.lines().find_map(|l| l.strip_prefix(name)).and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok()).unwrap_or(0.0) / 1024.0
    };
    (field("VmRSS:"), field("VmHWM:"))
}
