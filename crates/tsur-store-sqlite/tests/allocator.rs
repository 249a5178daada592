//! SQLite allocating through Rust's global allocator (`use_global_allocator`), in a process
//! of its own (this file is its own test binary) so that nothing has used SQLite before.

use tsur_store_sqlite::SqliteStore;

#[tokio::test]
async fn sqlite_allocates_through_the_global_allocator() {
    // SAFETY: the only test of this binary, and nothing has used SQLite yet.
    assert!(unsafe { tsur_store_sqlite::use_global_allocator() }, "SQLite takes the allocator before it starts");
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("tsur.db")).await.unwrap();
    // Blobs from nothing to megabytes: SQLite's small blocks, its growing buffers (realloc)
    // and its large ones, written and read back through the store.
    for size in [0usize, 1, 7, 4096, 100_000, 1 << 20, 9 << 20] {
        let bytes: Vec<u8> = (0..size).map(|i| (i * 31 % 251) as u8).collect();
        store.save_snapshot("key", size as i64, bytes.clone()).await.unwrap();
        let (key, watermark, back) = store.load_snapshot().await.unwrap().expect("kept");
        assert_eq!((key.as_str(), watermark), ("key", size as i64));
        assert!(back == bytes, "{size} bytes back as written");
    }
    assert_eq!(store.appeal_count().await.unwrap(), 0);
    // SQLite runs now: it keeps the allocator it has.
    // SAFETY: no other thread uses SQLite at this moment (the pool's connections are idle).
    assert!(!unsafe { tsur_store_sqlite::use_global_allocator() });
}
