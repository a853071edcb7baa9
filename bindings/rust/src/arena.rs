//! `Arena`: a frame arena of a heap, with `reset(&mut self)` so that the
//! borrow checker proves no reference into the arena survives a reset.

use std::marker::PhantomData;
use std::mem;
use std::ptr::{self, NonNull};
use std::slice;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::ffi;
use crate::heap::Heap;
use crate::stats::ArenaStats;

/// A bump allocator over a fixed slice of a [`Heap`]'s memory: allocation
/// is an atomic pointer increment, [`reset`](Arena::reset) drops everything
/// at once.  Get one with [`Heap::frame_arena`] or [`Heap::create_arena`].
///
/// Every reference the arena hands out borrows the arena, and `reset`
/// takes `&mut self`, so no reference can outlive a reset:
///
/// ```
/// let heap = rtalloc::Heap::new(&rtalloc::Config::default()).unwrap();
/// let mut arena = heap.frame_arena().unwrap();
/// for cycle in 0..3 {
///     let mix = arena.alloc_slice_fill(256, 0.0f32);
///     mix[0] = cycle as f32;
///     let peak = arena.alloc(mix.iter().cloned().fold(0.0f32, f32::max));
///     assert_eq!(*peak, cycle as f32);
///     arena.reset(); // end of the cycle: `mix` and `peak` are gone
/// }
/// assert_eq!(arena.used(), 0);
/// ```
///
/// Holding a reference across the reset does not compile:
///
/// ```compile_fail,E0502
/// let heap = rtalloc::Heap::new(&rtalloc::Config::default()).unwrap();
/// let mut arena = heap.frame_arena().unwrap();
/// let x = arena.alloc(1u32);
/// arena.reset();
/// *x += 1; // error[E0502]: `arena` is still borrowed by `x`
/// ```
///
/// The arena never runs destructors: a value with a `Drop` impl put there
/// is forgotten at reset (which is safe, but leaks what it owns elsewhere).
/// Allocation is real-time safe and may happen from several threads at
/// once (`&self`); `reset` needs the one `&mut` handle.
pub struct Arena<'h> {
    raw: NonNull<ffi::rta_arena>,
    /// The heap's "frame arena handed out" flag, cleared on drop; `None`
    /// for arenas of `Heap::create_arena`, which have one handle each.
    frame_flag: Option<&'h AtomicBool>,
    _heap: PhantomData<&'h Heap>,
}

// rta_arena_alloc is an atomic bump, callable from any thread; reset and
// rewind need `&mut`, so only the one holder of the handle can call them.
unsafe impl Send for Arena<'_> {}
unsafe impl Sync for Arena<'_> {}

// Handing out `&mut T` from `&self` is this type's point: every
// allocation is fresh memory no other reference sees (as in bumpalo).
#[allow(clippy::mut_from_ref)]
impl<'h> Arena<'h> {
    pub(crate) fn take_frame(raw: NonNull<ffi::rta_arena>, flag: &'h AtomicBool) -> Option<Self> {
        if flag.swap(true, Ordering::Acquire) {
            return None;
        }
        Some(Arena {
            raw,
            frame_flag: Some(flag),
            _heap: PhantomData,
        })
    }

    pub(crate) fn new_owned(raw: NonNull<ffi::rta_arena>) -> Self {
        Arena {
            raw,
            frame_flag: None,
            _heap: PhantomData,
        }
    }

    /// Raw bytes for `size` at `align`, or null when they do not fit (an
    /// overflow is counted).  Zero-size requests take no arena space.
    fn bytes(&self, size: usize, align: usize) -> *mut u8 {
        if size == 0 {
            return align as *mut u8; // dangling, aligned, non-null
        }
        unsafe { ffi::rta_arena_alloc(self.raw.as_ptr(), size, align).cast() }
    }

    /// Moves `value` into the arena.  Panics when it does not fit (use
    /// [`try_alloc`](Arena::try_alloc) to get it back instead).
    #[track_caller]
    pub fn alloc<T>(&self, value: T) -> &mut T {
        match self.try_alloc(value) {
            Ok(r) => r,
            Err(_) => self.overflow(mem::size_of::<T>(), mem::align_of::<T>()),
        }
    }

    /// Moves `value` into the arena, or gives it back when it does not fit.
    pub fn try_alloc<T>(&self, value: T) -> Result<&mut T, T> {
        let p = self
            .bytes(mem::size_of::<T>(), mem::align_of::<T>())
            .cast::<T>();
        if p.is_null() {
            return Err(value);
        }
        unsafe {
            ptr::write(p, value);
            Ok(&mut *p)
        }
    }

    /// Copies `src` into the arena.  Panics when it does not fit.
    #[track_caller]
    pub fn alloc_slice_copy<T: Copy>(&self, src: &[T]) -> &mut [T] {
        let size = mem::size_of_val(src);
        let p = self.bytes(size, mem::align_of::<T>()).cast::<T>();
        if p.is_null() {
            self.overflow(size, mem::align_of::<T>());
        }
        unsafe {
            ptr::copy_nonoverlapping(src.as_ptr(), p, src.len());
            slice::from_raw_parts_mut(p, src.len())
        }
    }

    /// `len` copies of `value` in the arena (a mix buffer, a scratch
    /// array).  Panics when they do not fit.
    #[track_caller]
    pub fn alloc_slice_fill<T: Copy>(&self, len: usize, value: T) -> &mut [T] {
        let size = match mem::size_of::<T>().checked_mul(len) {
            Some(s) => s,
            None => self.overflow(usize::MAX, mem::align_of::<T>()),
        };
        let p = self.bytes(size, mem::align_of::<T>()).cast::<T>();
        if p.is_null() {
            self.overflow(size, mem::align_of::<T>());
        }
        unsafe {
            for i in 0..len {
                ptr::write(p.add(i), value);
            }
            slice::from_raw_parts_mut(p, len)
        }
    }

    #[cold]
    #[track_caller]
    fn overflow(&self, size: usize, align: usize) -> ! {
        panic!(
            "rtalloc: arena overflow: {} bytes (align {}) do not fit, {} of {} bytes used",
            size,
            align,
            self.used(),
            self.capacity()
        )
    }

    /// Drops everything the arena holds, in O(1) (`rta_arena_reset`).
    /// `&mut self`: no reference into the arena can be alive.
    pub fn reset(&mut self) {
        unsafe { ffi::rta_arena_reset(self.raw.as_ptr()) }
    }

    /// The current position, to [`rewind`](Arena::rewind) to later.
    pub fn mark(&self) -> ArenaMark {
        ArenaMark(unsafe { ffi::rta_arena_mark(self.raw.as_ptr()) })
    }

    /// Drops everything allocated after `mark` (taken since the last
    /// reset), in O(1).  `&mut self`, like `reset`: it also ends the
    /// borrows of what was allocated before the mark, though that stays.
    pub fn rewind(&mut self, mark: ArenaMark) {
        unsafe { ffi::rta_arena_rewind(self.raw.as_ptr(), mark.0) }
    }

    /// Bytes in use (alignment padding included).
    pub fn used(&self) -> usize {
        unsafe { ffi::rta_arena_used(self.raw.as_ptr()) }
    }

    /// Bytes the arena can hold.
    pub fn capacity(&self) -> usize {
        unsafe { ffi::rta_arena_capacity(self.raw.as_ptr()) }
    }

    /// Used, peak and capacity, resets and overflows (`rta_arena_stats_get`).
    pub fn stats(&self) -> ArenaStats {
        let mut raw = ffi::rta_arena_stats::default();
        unsafe { ffi::rta_arena_stats_get(self.raw.as_ptr(), &mut raw) };
        ArenaStats::from_raw(&raw)
    }
}

/// A position in an [`Arena`] (see [`Arena::mark`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ArenaMark(usize);

impl Drop for Arena<'_> {
    fn drop(&mut self) {
        if let Some(flag) = self.frame_flag {
            flag.store(false, Ordering::Release);
        }
    }
}

impl std::fmt::Debug for Arena<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Arena")
            .field("used", &self.used())
            .field("capacity", &self.capacity())
            .finish()
    }
}
