//! `RtAlloc`: the process heap (`rta_process_heap`) as Rust's global
//! allocator.

use std::alloc::{GlobalAlloc, Layout};
use std::ptr;
use std::sync::atomic::{AtomicPtr, Ordering};

use crate::count;
use crate::ffi;
use crate::heap;
use crate::stats::Stats;

/// Rust's global allocator over librtalloc's process heap
/// (`rta_process_heap()`, configured by `RTALLOC_OPTIONS`, e.g.
/// `RTALLOC_OPTIONS=pool=256M,lock=1`).  The swap:
///
/// ```
/// #[global_allocator]
/// static GLOBAL: rtalloc::RtAlloc = rtalloc::RtAlloc;
///
/// let v: Vec<u64> = (0..1000).collect();     // from rtalloc's pools
/// let sum = std::thread::spawn(move || v.iter().sum::<u64>()) // freed there
///     .join()
///     .unwrap();
/// assert_eq!(sum, 999 * 1000 / 2);
/// assert!(rtalloc::RtAlloc.stats().unwrap().remote_frees >= 1);
/// ```
///
/// Every `Vec`, `String`, `Box` and `HashMap` of the program then comes
/// from preallocated pools: after start-up no allocation or free makes a
/// system call or takes a lock, from any thread, and a block freed on
/// another thread goes home lock-free.  Alignments up to 4096 are served
/// from the pools; `dealloc` passes the layout's size back
/// (`rta_free_sized`).  Each call also bumps this thread's counters for
/// [`count_allocs`](crate::count_allocs) and
/// [`assert_no_alloc`](crate::assert_no_alloc).
///
/// What the process heap cannot serve from its pools (a size above its
/// `max_block`, an exhausted class) is up to librtalloc's process-heap
/// policy; when it fails, `alloc` returns null, so `Vec::try_reserve` gets
/// an error and an infallible allocation calls `handle_alloc_error`.
#[derive(Clone, Copy, Debug, Default)]
pub struct RtAlloc;

static PROCESS_HEAP: AtomicPtr<ffi::rta_heap> = AtomicPtr::new(ptr::null_mut());

/// The process heap, asked for once and then read from a cached pointer.
/// Null when librtalloc could not make it (it said why on stderr).
#[inline]
fn process_heap() -> *mut ffi::rta_heap {
    let h = PROCESS_HEAP.load(Ordering::Acquire);
    if !h.is_null() {
        return h;
    }
    let h = unsafe { ffi::rta_process_heap() };
    PROCESS_HEAP.store(h, Ordering::Release);
    h
}

impl RtAlloc {
    /// The process heap's statistics, or `None` if there is no process
    /// heap.  Copies a fixed-size struct: no allocation.
    pub fn stats(&self) -> Option<Stats> {
        let h = process_heap();
        if h.is_null() {
            None
        } else {
            Some(unsafe { Stats::read(h) })
        }
    }

    /// True if `p` points into a block of the process heap's pools.
    pub fn owns(&self, p: *const u8) -> bool {
        unsafe { ffi::rta_owns(process_heap(), p.cast()) != 0 }
    }
}

unsafe impl GlobalAlloc for RtAlloc {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count::note_alloc();
        heap::raw_alloc(process_heap(), layout)
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count::note_alloc();
        heap::raw_alloc_zeroed(process_heap(), layout)
    }

    #[inline]
    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        count::note_free();
        heap::raw_dealloc(process_heap(), p, layout)
    }

    #[inline]
    unsafe fn realloc(&self, p: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count::note_alloc();
        let q = heap::raw_realloc(process_heap(), p, layout, new_size);
        if !q.is_null() {
            count::note_free(); // the old block is gone
        }
        q
    }
}
