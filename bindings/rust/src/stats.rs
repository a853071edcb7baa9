//! `Stats`: `rta_stats` with the same field names, as plain Rust values.

use std::mem::MaybeUninit;

use crate::ffi;

/// Number of entries of [`Stats::classes`] (`RTA_MAX_CLASSES`); the first
/// [`Stats::n_classes`] are the heap's classes.
pub const MAX_CLASSES: usize = ffi::RTA_MAX_CLASSES;

/// One size class (`rta_class_stats`), counts in blocks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ClassStats {
    /// Bytes of each block of the class.
    pub block_size: usize,
    /// Blocks handed out now.
    pub live: usize,
    /// Most blocks handed out at once (exact or a lower bound, see
    /// [`Stats`]).
    pub peak: usize,
    /// What the class holds now: after its spans went back to the reserve
    /// `peak` may exceed it.
    pub capacity: usize,
}

/// An arena (`rta_arena_stats`), sizes in bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ArenaStats {
    /// Bytes in use now.
    pub used: usize,
    /// Most bytes in use at once.
    pub peak: usize,
    /// Bytes the arena can hold.
    pub capacity: usize,
    /// Resets so far.
    pub resets: u64,
    /// Allocations that did not fit.
    pub overflows: u64,
}

/// A heap's statistics (`rta_stats`), field for field.  Counters are
/// summed from per-thread counters when read: they may lag by operations
/// in flight on other threads, never more.  Peaks are exact while one
/// thread allocates and frees its own blocks, a lower bound otherwise.
#[derive(Clone, Copy, Debug)]
pub struct Stats {
    /// All memory the heap holds.
    pub bytes_reserved: usize,
    /// Handed out by the pools, in block sizes.
    pub bytes_live: usize,
    /// Most bytes handed out at once.
    pub bytes_peak: usize,
    /// Successful pool allocations.
    pub allocs: u64,
    /// Successful pool frees.
    pub frees: u64,
    /// Allocations that returned NULL (`None`).
    pub failures: u64,
    /// Served by the system heap (never, for a `Heap` of this crate).
    pub fallbacks: u64,
    /// Blocks freed by a thread that was not their owner.
    pub remote_frees: u64,
    /// Foreign, interior or double frees seen.
    pub bad_frees: u64,
    /// True if mlock succeeded.
    pub memory_locked: bool,
    /// How many entries of `classes` are the heap's classes.
    pub n_classes: usize,
    /// Per size class, smallest first; see [`Stats::class_list`].
    pub classes: [ClassStats; MAX_CLASSES],
    /// The frame arena (zeros when there is none).
    pub frame_arena: ArenaStats,
    /// Reserve not held by any class or arena.
    pub pool_bytes_free: usize,
    /// Thread caches claimed now.
    pub threads_attached: u32,
    /// Most thread caches claimed at once.
    pub threads_peak: u32,
    /// True when the heap was made with `RTA_PROFILE`: every peak is exact.
    pub profile: bool,
    /// The unit the pools take from the reserve, in bytes.
    pub span_bytes: usize,
    /// Most spans out of the reserve at once (`RTA_PROFILE` or a low-water
    /// threshold; else 0).
    pub spans_peak: usize,
    /// Reserve carved by arenas made with `rta_arena_create`.
    pub arena_pool_bytes: usize,
}

impl Stats {
    /// The heap's classes: `&classes[..n_classes]`.
    pub fn class_list(&self) -> &[ClassStats] {
        &self.classes[..self.n_classes.min(MAX_CLASSES)]
    }

    /// The class whose blocks serve `size` bytes, if any.
    pub fn class_for(&self, size: usize) -> Option<&ClassStats> {
        self.class_list().iter().find(|c| c.block_size >= size)
    }

    pub(crate) unsafe fn read(h: *const ffi::rta_heap) -> Stats {
        let mut raw = MaybeUninit::<ffi::rta_stats>::zeroed();
        ffi::rta_stats_get(h, raw.as_mut_ptr());
        let s = raw.assume_init();
        let mut classes = [ClassStats::default(); MAX_CLASSES];
        for (dst, src) in classes.iter_mut().zip(s.classes.iter()) {
            *dst = ClassStats {
                block_size: src.block_size,
                live: src.live,
                peak: src.peak,
                capacity: src.capacity,
            };
        }
        Stats {
            bytes_reserved: s.bytes_reserved,
            bytes_live: s.bytes_live,
            bytes_peak: s.bytes_peak,
            allocs: s.allocs,
            frees: s.frees,
            failures: s.failures,
            fallbacks: s.fallbacks,
            remote_frees: s.remote_frees,
            bad_frees: s.bad_frees,
            memory_locked: s.memory_locked != 0,
            n_classes: s.n_classes as usize,
            classes,
            frame_arena: ArenaStats::from_raw(&s.frame_arena),
            pool_bytes_free: s.pool_bytes_free,
            threads_attached: s.threads_attached,
            threads_peak: s.threads_peak,
            profile: s.profile != 0,
            span_bytes: s.span_bytes,
            spans_peak: s.spans_peak,
            arena_pool_bytes: s.arena_pool_bytes,
        }
    }
}

impl ArenaStats {
    pub(crate) fn from_raw(a: &ffi::rta_arena_stats) -> ArenaStats {
        ArenaStats {
            used: a.used,
            peak: a.peak,
            capacity: a.capacity,
            resets: a.resets,
            overflows: a.overflows,
        }
    }
}
