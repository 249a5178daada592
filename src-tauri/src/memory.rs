//! Freed memory given back to the system while the app idles.
//!
//! mimalloc (the app's allocator, `main.rs`) keeps a range of its arena that was freed for a
//! second (`purge_delay`) before it decommits it, so that a pass that frees and allocates
//! again does not fault the same pages in again; the decommit is then left to a later call
//! into the allocator. After the large passes of a start (the snapshot's load decodes 70 MiB,
//! the first overdue list reads the 48,000 open appeals of a million) an idle app makes no
//! such call, and what the passes freed stayed committed. Purging at once instead
//! (`purge_delay` 0) made each room step 1–7 ms slower in room_bench, as its buffers were
//! faulted in again at every step.
//!
//! [`give_back_while_idle`] starts a thread that every [`PURGE_EVERY`] has mimalloc
//! decommit the free ranges of its arenas (`mi_collect(true)`: forced, so whatever their
//! delay; a step pays at most one round of page faults for its buffers in that time). With
//! it the whole app took 608–621 MiB after the window's steps against 637–660 MiB without
//! (three pairs of `scripts/bench-window.sh`). Memory still held by a live thread's own heap
//! is out of its reach: the pooled SQLite connections' threads, which held the most, are
//! closed when idle instead (`tsur-store-sqlite`'s `open.rs`).

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

#[cfg(test)]
mod tests {
    use super::*;

    #[global_allocator]
    static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

    /// The process's resident set, MiB.
    fn resident_mib() -> f64 {
        let status = std::fs::read_to_string("/proc/self/status").unwrap();
        let kb: f64 = status.lines().find_map(|l| l.strip_prefix("VmRSS:")).unwrap().trim().trim_end_matches("kB").trim().parse().unwrap();
        kb / 1024.0
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn memory_freed_by_a_pass_leaves_once_the_process_idles() {
        // A pass on another thread, as the store's reads run: 256 MiB in 1 MiB blocks, touched.
        let before = resident_mib();
        std::thread::spawn(|| {
            let blocks: Vec<Vec<u8>> = (0..256).map(|i| vec![i as u8; 1 << 20]).collect();
            assert_eq!(blocks.iter().map(|b| b[b.len() - 1] as usize).sum::<usize>(), (0..256usize).sum::<usize>());
        })
        .join()
        .unwrap();
        let freed = resident_mib();
        assert!(freed - before > 128.0, "the pass's memory was still held right after it ({before:.0} → {freed:.0} MiB)");
        give_back_while_idle(Duration::from_millis(100)).unwrap();
        // The purge delay is a second; give it ten, polling.
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while resident_mib() - before > 64.0 && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(100));
        }
        let idle = resident_mib();
        assert!(idle - before <= 64.0, "the freed memory stayed: {before:.0} MiB before the pass, {freed:.0} after it, {idle:.0} idle");
    }
}
