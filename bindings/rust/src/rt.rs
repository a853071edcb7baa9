//! Real-time sections (`rta_rt_enter`/`rta_rt_leave`): what
//! librtalloc_guard watches for system-heap calls.

use crate::ffi;

/// Runs `f` inside a real-time section on this thread (nestable; left
/// again when `f` returns or panics).  With librtalloc_guard loaded, every
/// system-heap call inside is counted or trapped; it costs a thread-local
/// update.  It does not count [`RtAlloc`](crate::RtAlloc)'s pool
/// allocations (use [`assert_no_alloc`](crate::assert_no_alloc) for those).
///
/// ```
/// assert!(!rtalloc::in_rt_section());
/// rtalloc::rt_section(|| assert!(rtalloc::in_rt_section()));
/// assert!(!rtalloc::in_rt_section());
/// ```
pub fn rt_section<R>(f: impl FnOnce() -> R) -> R {
    struct Leave;
    impl Drop for Leave {
        fn drop(&mut self) {
            unsafe { ffi::rta_rt_leave() }
        }
    }
    unsafe { ffi::rta_rt_enter() };
    let _leave = Leave;
    f()
}

/// True inside a real-time section on this thread.
pub fn in_rt_section() -> bool {
    unsafe { ffi::rta_rt_active() != 0 }
}
