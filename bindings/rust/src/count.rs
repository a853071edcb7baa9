//! Per-thread counts of the allocations that go through `RtAlloc`, to
//! prove a hot path allocates nothing: `count_allocs`, `assert_no_alloc`,
//! `permit_alloc`.
//!
//! The counters are plain thread-local cells with a constant initializer
//! and no destructor: reading or bumping them never allocates (which the
//! global allocator, where they are bumped, must not do) and works while
//! the thread is being torn down.

use std::cell::Cell;

struct Counters {
    allocs: Cell<u64>,
    frees: Cell<u64>,
    /// Depth of `permit_alloc` calls on this thread: above 0, nothing counts.
    permit: Cell<u32>,
}

thread_local! {
    static COUNTERS: Counters = const {
        Counters { allocs: Cell::new(0), frees: Cell::new(0), permit: Cell::new(0) }
    };
}

#[inline]
pub(crate) fn note_alloc() {
    let _ = COUNTERS.try_with(|c| {
        if c.permit.get() == 0 {
            c.allocs.set(c.allocs.get() + 1);
        }
    });
}

#[inline]
pub(crate) fn note_free() {
    let _ = COUNTERS.try_with(|c| {
        if c.permit.get() == 0 {
            c.frees.set(c.frees.get() + 1);
        }
    });
}

fn snapshot() -> AllocCounts {
    COUNTERS
        .try_with(|c| AllocCounts {
            allocs: c.allocs.get(),
            frees: c.frees.get(),
        })
        .unwrap_or_default()
}

/// What [`count_allocs`] saw: calls into [`RtAlloc`](crate::RtAlloc) on
/// this thread.  `allocs` counts `alloc`, `alloc_zeroed` and `realloc`
/// (which also counts one free when it succeeds).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AllocCounts {
    /// `alloc`, `alloc_zeroed` and `realloc` calls.
    pub allocs: u64,
    /// `dealloc` calls, and `realloc` calls that succeeded.
    pub frees: u64,
}

/// Runs `f` and returns what it returned with the allocations and frees it
/// made on this thread through [`RtAlloc`](crate::RtAlloc) (the program's
/// `#[global_allocator]`), failed attempts included.  Other threads'
/// allocations do not count; nor do those inside [`permit_alloc`].
/// Calls nest: an outer count includes the inner ones.
///
/// ```
/// #[global_allocator]
/// static GLOBAL: rtalloc::RtAlloc = rtalloc::RtAlloc;
///
/// let (v, counts) = rtalloc::count_allocs(|| vec![1u8, 2, 3]);
/// assert_eq!(counts.allocs, 1);
/// let ((), counts) = rtalloc::count_allocs(|| drop(v));
/// assert_eq!(counts.frees, 1);
/// ```
pub fn count_allocs<R>(f: impl FnOnce() -> R) -> (R, AllocCounts) {
    let before = snapshot();
    let r = f();
    let after = snapshot();
    let counts = AllocCounts {
        allocs: after.allocs.wrapping_sub(before.allocs),
        frees: after.frees.wrapping_sub(before.frees),
    };
    (r, counts)
}

/// Runs `f` and panics after it if it allocated (or reallocated) on this
/// thread through [`RtAlloc`](crate::RtAlloc), outside [`permit_alloc`].
/// Frees are not a violation: under `RtAlloc` they go back to the pools,
/// which is real-time safe.  Use it around a callback body in tests and
/// debug builds; it costs one thread-local read before and after.
///
/// ```should_panic
/// #[global_allocator]
/// static GLOBAL: rtalloc::RtAlloc = rtalloc::RtAlloc;
///
/// let mut buf = [0.0f32; 64];
/// rtalloc::assert_no_alloc(|| buf.iter_mut().for_each(|x| *x = 0.5)); // fine
/// rtalloc::assert_no_alloc(|| format!("{}", buf[0])); // panics: a String
/// ```
#[track_caller]
pub fn assert_no_alloc<R>(f: impl FnOnce() -> R) -> R {
    let (r, counts) = count_allocs(f);
    if counts.allocs != 0 {
        panic!(
            "assert_no_alloc: the closure made {} allocation(s) through RtAlloc ({} free(s))",
            counts.allocs, counts.frees
        );
    }
    r
}

/// Runs `f` with counting off on this thread: what it allocates is not seen
/// by an enclosing [`count_allocs`] or [`assert_no_alloc`] (a log line
/// allowed in a checked section, say).  Nests; counting resumes when `f`
/// returns or panics.
///
/// ```
/// #[global_allocator]
/// static GLOBAL: rtalloc::RtAlloc = rtalloc::RtAlloc;
///
/// rtalloc::assert_no_alloc(|| {
///     let s = rtalloc::permit_alloc(|| String::from("allowed"));
///     assert_eq!(s.len(), 7);
/// });
/// ```
pub fn permit_alloc<R>(f: impl FnOnce() -> R) -> R {
    struct Permit;
    impl Drop for Permit {
        fn drop(&mut self) {
            let _ = COUNTERS.try_with(|c| c.permit.set(c.permit.get().saturating_sub(1)));
        }
    }
    let _ = COUNTERS.try_with(|c| c.permit.set(c.permit.get() + 1));
    let _permit = Permit;
    f()
}
