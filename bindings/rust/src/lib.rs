//! Real-time safe allocation for Rust, over librtalloc.
//!
//! - [`RtAlloc`]: the process heap as `#[global_allocator]`: every `Vec`,
//!   `String`, `Box` and `HashMap` comes from preallocated size-class
//!   pools, with no system call, lock or page fault after start-up, and
//!   lock-free frees from any thread.  [`RtAllocOrSystem`] also sends
//!   what the pools cannot serve to the system allocator.
//! - [`count_allocs`], [`assert_no_alloc`], [`permit_alloc`]: prove that a
//!   hot path (an audio callback, a game frame) allocates nothing.
//! - [`Heap`] and [`Arena`]: a private heap with explicit
//!   [`alloc`](Heap::alloc)/[`dealloc`](Heap::dealloc), its
//!   [statistics](Heap::stats), and a frame arena reset once per cycle,
//!   whose [`reset`](Arena::reset) takes `&mut self` so that no reference
//!   into it survives.
//!
//! ```
//! #[global_allocator]
//! static GLOBAL: rtalloc::RtAlloc = rtalloc::RtAlloc;
//!
//! let heap = rtalloc::Heap::new(&rtalloc::Config::default()).unwrap();
//! let mut arena = heap.frame_arena().unwrap();
//! let mut out = vec![0.0f32; 128]; // set-up: allocations are fine here
//! for _cycle in 0..4 {
//!     rtalloc::assert_no_alloc(|| {
//!         let gains = arena.alloc_slice_fill(out.len(), 0.5f32);
//!         for (o, g) in out.iter_mut().zip(gains.iter()) {
//!             *o = *g * 2.0;
//!         }
//!     });
//!     arena.reset();
//! }
//! assert_eq!(out[0], 1.0);
//! ```
//!
//! The crate links librtalloc found with `pkg-config rtalloc`, or the
//! build tree named by `RTALLOC_BUILD_DIR` (what `make check` does).  It
//! has no dependency outside std and builds with Rust 1.63 and later.

#![warn(missing_docs)]
#![allow(clippy::missing_safety_doc)]

mod arena;
mod count;
mod error;
mod ffi;
mod global;
mod heap;
mod rt;
mod stats;

pub use arena::{Arena, ArenaMark};
pub use count::{assert_no_alloc, count_allocs, permit_alloc, AllocCounts};
pub use error::Error;
pub use global::{RtAlloc, RtAllocOrSystem};
pub use heap::{Config, Heap};
pub use rt::{in_rt_section, rt_section};
pub use stats::{ArenaStats, ClassStats, Stats, MAX_CLASSES};

/// The version of the librtalloc linked ("MAJOR.MINOR.PATCH").
pub fn version() -> &'static str {
    let p = unsafe { ffi::rta_version() };
    if p.is_null() {
        return "";
    }
    unsafe { std::ffi::CStr::from_ptr(p) }
        .to_str()
        .unwrap_or("")
}
