//! SQLite's memory from Rust's global allocator (mimalloc in `tsur-app`, whose `main` calls
//! [`use_global_allocator`]) instead of the C library's `malloc`.
//!
//! Each pooled connection runs on a thread of its own, and glibc gives each such thread an
//! arena of its own that keeps what SQLite freed: after the passes over a million appeals
//! (each page of rows is SQLite's copies of its values, freed as soon as it is decoded) and
//! the search index's catch-up, the arenas held 260 MiB of which 67 MiB were in use. The
//! global allocator gives freed pages back to the system.

use rusqlite::ffi;
use std::alloc::{alloc, dealloc, realloc, Layout};
use std::os::raw::{c_int, c_void};
use std::ptr::null_mut;

/// Each block starts with its size (SQLite asks for it back, `xSize`), which also keeps the
/// eight-byte alignment SQLite needs.
const HEADER: usize = 8;

/// The layout of a block of `size` bytes for SQLite.
fn layout(size: usize) -> Option<Layout> {
    Layout::from_size_align(size.checked_add(HEADER)?, HEADER).ok()
}

unsafe extern "C" fn x_malloc(size: c_int) -> *mut c_void {
    let Some(layout) = usize::try_from(size).ok().and_then(layout) else { return null_mut() };
    // SAFETY: the layout is not zero-sized (it holds the header); a block starts with its
    // size and SQLite gets the bytes after it.
    unsafe {
        let block = alloc(layout);
        if block.is_null() {
            return null_mut();
        }
        block.cast::<usize>().write(layout.size() - HEADER);
        block.add(HEADER).cast()
    }
}

/// The block of a pointer given to SQLite, and its size.
///
/// # Safety
/// `p` was returned by [`x_malloc`] or [`x_realloc`] and not freed.
unsafe fn block(p: *mut c_void) -> (*mut u8, usize) {
    // SAFETY: the caller's promise: the header is just before `p`.
    unsafe {
        let block = p.cast::<u8>().sub(HEADER);
        (block, block.cast::<usize>().read())
    }
}

unsafe extern "C" fn x_free(p: *mut c_void) {
    if p.is_null() {
        return;
    }
    // SAFETY: SQLite frees only what its allocator gave it, once; the layout is the one the
    // block was allocated with (its size passed `layout` then).
    unsafe {
        let (block, size) = block(p);
        dealloc(block, Layout::from_size_align_unchecked(size + HEADER, HEADER));
    }
}

unsafe extern "C" fn x_realloc(p: *mut c_void, size: c_int) -> *mut c_void {
    if p.is_null() {
        // SAFETY: as `x_malloc`.
        return unsafe { x_malloc(size) };
    }
    let Some(new) = usize::try_from(size).ok().and_then(layout) else { return null_mut() };
    // SAFETY: `p` is a live block of this allocator (SQLite's contract); the new size is
    // not zero and fits a layout of the same alignment.
    unsafe {
        let (old, old_size) = block(p);
        let moved = realloc(old, Layout::from_size_align_unchecked(old_size + HEADER, HEADER), new.size());
        if moved.is_null() {
            return null_mut();
        }
        moved.cast::<usize>().write(new.size() - HEADER);
        moved.add(HEADER).cast()
    }
}

unsafe extern "C" fn x_size(p: *mut c_void) -> c_int {
    if p.is_null() {
        return 0;
    }
    // SAFETY: SQLite asks only about its live blocks; their sizes came from a `c_int`.
    unsafe { block(p).1 as c_int }
}

unsafe extern "C" fn x_roundup(size: c_int) -> c_int {
    size.saturating_add(7) & !7
}

unsafe extern "C" fn x_init(_: *mut c_void) -> c_int {
    ffi::SQLITE_OK
}

unsafe extern "C" fn x_shutdown(_: *mut c_void) {}

/// Makes SQLite allocate through Rust's global allocator; returns whether SQLite took it.
/// SQLite's allocator can only be chosen before SQLite starts; once it has started (a store
/// was opened), SQLite refuses the change and keeps its own.
///
/// # Safety
/// No other thread may be using SQLite during the call (SQLite's configuration is not
/// thread-safe): call it at the start of `main`, before the first store is opened.
pub unsafe fn use_global_allocator() -> bool {
    let methods = ffi::sqlite3_mem_methods {
        xMalloc: Some(x_malloc),
        xFree: Some(x_free),
        xRealloc: Some(x_realloc),
        xSize: Some(x_size),
        xRoundup: Some(x_roundup),
        xInit: Some(x_init),
        xShutdown: Some(x_shutdown),
        pAppData: null_mut(),
    };
    // SAFETY: SQLITE_CONFIG_MALLOC takes a pointer to the methods, which SQLite copies; the
    // caller promises that no other thread uses SQLite meanwhile. A refusal (SQLite started
    // already) leaves SQLite's own allocator, which works as before.
    unsafe { ffi::sqlite3_config(ffi::SQLITE_CONFIG_MALLOC, &methods as *const ffi::sqlite3_mem_methods) == ffi::SQLITE_OK }
}
