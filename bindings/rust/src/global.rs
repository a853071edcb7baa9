//! `RtAlloc`: the process heap (`rta_process_heap`) as Rust's global
//! allocator.

use std::alloc::{GlobalAlloc, Layout, System};
use std::ptr;
use std::sync::atomic::{AtomicPtr, AtomicU64, Ordering};

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
/// RtAlloc has no system path: what the process heap's pools cannot serve
/// (a size above its `max_block`, 64 KiB by default; an exhausted class)
/// fails.  `alloc` returns null, so `Vec::try_reserve` gets an error and
/// an infallible allocation calls `handle_alloc_error` (which aborts).
/// Raise `max_block=` and `pool=`, or use [`RtAllocOrSystem`].
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

/// [`RtAlloc`] with a system path: what the process heap's pools cannot
/// serve (a size above `max_block`, an exhausted class, no thread cache
/// left) goes to the system allocator instead of failing, as
/// librtalloc_malloc does for C.  For programs that swap the allocator
/// wholesale and have large buffers outside their real-time path:
///
/// ```
/// #[global_allocator]
/// static GLOBAL: rtalloc::RtAllocOrSystem = rtalloc::RtAllocOrSystem;
///
/// let big = vec![0u8; 4 << 20];                  // above max_block: system
/// assert!(!rtalloc::RtAlloc.owns(big.as_ptr()));
/// let small = vec![0u8; 100];                    // the pools
/// assert!(rtalloc::RtAlloc.owns(small.as_ptr()));
/// assert!(rtalloc::RtAllocOrSystem::system_allocs() >= 1);
/// ```
///
/// A system-path call is not real-time safe; each is counted in
/// [`system_allocs`](RtAllocOrSystem::system_allocs), and
/// [`count_allocs`](crate::count_allocs) and
/// [`assert_no_alloc`](crate::assert_no_alloc) see every call as with
/// `RtAlloc`.  A free asks the process heap whether it owns the pointer
/// (`rta_owns`: a range check and a span lookup) to send it the right way.
#[derive(Clone, Copy, Debug, Default)]
pub struct RtAllocOrSystem;

static SYSTEM_ALLOCS: AtomicU64 = AtomicU64::new(0);

impl RtAllocOrSystem {
    /// Allocations (and moving reallocations) the system allocator served
    /// since the process started, all threads.
    pub fn system_allocs() -> u64 {
        SYSTEM_ALLOCS.load(Ordering::Relaxed)
    }
}

#[inline]
fn pool_owns(h: *mut ffi::rta_heap, p: *mut u8) -> bool {
    unsafe { ffi::rta_owns(h, p.cast()) != 0 }
}

unsafe impl GlobalAlloc for RtAllocOrSystem {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count::note_alloc();
        let p = heap::raw_alloc(process_heap(), layout);
        if !p.is_null() {
            return p;
        }
        SYSTEM_ALLOCS.fetch_add(1, Ordering::Relaxed);
        System.alloc(layout)
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count::note_alloc();
        let p = heap::raw_alloc_zeroed(process_heap(), layout);
        if !p.is_null() {
            return p;
        }
        SYSTEM_ALLOCS.fetch_add(1, Ordering::Relaxed);
        System.alloc_zeroed(layout)
    }

    #[inline]
    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        count::note_free();
        let h = process_heap();
        if pool_owns(h, p) {
            heap::raw_dealloc(h, p, layout)
        } else {
            System.dealloc(p, layout)
        }
    }

    unsafe fn realloc(&self, p: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count::note_alloc();
        let h = process_heap();
        let q = if pool_owns(h, p) {
            let q = heap::raw_realloc(h, p, layout, new_size);
            if !q.is_null() {
                q
            } else {
                // The pools cannot hold the new size: move to the system.
                SYSTEM_ALLOCS.fetch_add(1, Ordering::Relaxed);
                let new_layout = Layout::from_size_align_unchecked(new_size, layout.align());
                let q = System.alloc(new_layout);
                if !q.is_null() {
                    ptr::copy_nonoverlapping(p, q, layout.size().min(new_size));
                    heap::raw_dealloc(h, p, layout);
                }
                q
            }
        } else {
            System.realloc(p, layout, new_size)
        };
        if !q.is_null() {
            count::note_free();
        }
        q
    }
}
