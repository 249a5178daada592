//! The heap that the open appeals' rows hold (what the overdue list keeps in memory), counted
//! by the allocator: `cargo run --release -p tsur-store-sqlite --example open_rows_heap -- STORE.db`.
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};

/// The system allocator, counting the bytes asked for and not yet given back.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: every call is passed on to the system allocator unchanged.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: the caller's layout, as GlobalAlloc::alloc requires.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: allocated above with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let path = std::env::args().nth(1).expect("path to a store");
    let store = tsur_store_sqlite::SqliteStore::open(std::path::Path::new(&path)).await.expect("store");
    let before = LIVE.load(Ordering::Relaxed);
    let (rows, _) = store.open_deadline_rows().await.expect("rows");
    let held = (LIVE.load(Ordering::Relaxed) - before) as f64;
    let row = std::mem::size_of::<tsur_store_sqlite::DeadlineRow>();
    println!("{} open appeals: {:.1} MiB held ({:.0} B a row, of which {row} B the row itself)", rows.len(), held / 1048576.0, held / rows.len() as f64);
}
