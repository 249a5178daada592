//! Freed memory given back once the process idles (`tsur_api::give_back_while_idle`), in a
//! process of its own (this file is its own test binary) on the binaries' allocator.

use std::time::Duration;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The process's resident set, MiB.
fn resident_mib() -> f64 {
    tsur_api::resident_and_peak_mib().0
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
    tsur_api::give_back_while_idle(Duration::from_millis(100)).unwrap();
    // The purge delay is a second; give it ten, polling.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while resident_mib() - before > 64.0 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    let idle = resident_mib();
    assert!(idle - before <= 64.0, "the freed memory stayed: {before:.0} MiB before the pass, {freed:.0} after it, {idle:.0} idle");
}
