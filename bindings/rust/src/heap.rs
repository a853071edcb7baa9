//! `Config` and `Heap`: a private rtalloc heap owned by Rust code.

use std::alloc::Layout;
use std::ptr::{self, NonNull};
use std::sync::atomic::AtomicBool;

use crate::arena::Arena;
use crate::error::Error;
use crate::ffi;
use crate::stats::Stats;

/// Every pool block is aligned to at least this; larger alignments go
/// through `rta_aligned_alloc`.
pub(crate) const MIN_ALIGN: usize = 16;

/// How a [`Heap`] is made: the fields of `rta_config` a Rust program sets.
///
/// `Config::default()` is `rta_config_defaults`: 16 MiB of pools, a 1 MiB
/// frame arena, blocks up to 64 KiB, 16 thread caches, no memory locking,
/// debug mode only when librtalloc was configured with `--enable-debug`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// Bytes for the size-class pools.
    pub pool_bytes: usize,
    /// Bytes of the frame arena (0: none).
    pub arena_bytes: usize,
    /// Largest pooled size; a larger request fails (returns `None`).
    pub max_block: usize,
    /// Thread caches that can exist at once (threads that allocate).
    pub max_threads: u32,
    /// `RTA_LOCK_MEMORY`: mlock the whole region; `Heap::new` fails if the
    /// system refuses (RLIMIT_MEMLOCK).
    pub lock_memory: bool,
    /// `RTA_DEBUG`: trap (report and abort) on exhaustion, arena overflow,
    /// double, interior and foreign frees, and leaks at drop.
    pub debug: bool,
}

impl Default for Config {
    fn default() -> Config {
        let c = c_defaults();
        Config {
            pool_bytes: c.pool_bytes,
            arena_bytes: c.arena_bytes,
            max_block: c.max_block,
            max_threads: c.max_threads,
            lock_memory: c.flags & ffi::RTA_LOCK_MEMORY != 0,
            debug: c.flags & ffi::RTA_DEBUG != 0,
        }
    }
}

fn c_defaults() -> ffi::rta_config {
    let mut c = ffi::rta_config {
        pool_bytes: 0,
        arena_bytes: 0,
        max_block: 0,
        max_threads: 0,
        flags: 0,
        memory: ptr::null_mut(),
        memory_bytes: 0,
        on_trap: None,
        trap_user: ptr::null_mut(),
        low_water_bytes: 0,
    };
    unsafe { ffi::rta_config_defaults(&mut c) };
    c
}

/// A heap of size-class pools and a frame arena, all of its memory
/// reserved (and touched, and optionally locked) by [`Heap::new`].  After
/// that, [`alloc`](Heap::alloc) and [`dealloc`](Heap::dealloc) make no
/// system call, take no lock and fault no page, from any thread.
///
/// Dropping the heap gives its memory back (`rta_heap_destroy`); the
/// borrow checker keeps every [`Arena`] from outliving it, but blocks from
/// [`alloc`](Heap::alloc) are raw pointers: free them first.
///
/// ```
/// use std::alloc::Layout;
/// let heap = rtalloc::Heap::new(&rtalloc::Config::default()).unwrap();
/// let layout = Layout::from_size_align(100, 64).unwrap();
/// let p = heap.alloc(layout).expect("pool block");
/// assert_eq!(p.as_ptr() as usize % 64, 0);
/// unsafe { heap.dealloc(p, layout) };
/// assert_eq!(heap.stats().allocs, 1);
/// assert_eq!(heap.stats().frees, 1);
/// ```
pub struct Heap {
    raw: NonNull<ffi::rta_heap>,
    /// Set while an `Arena` handle of the frame arena exists, so that only
    /// one handle can reset it (see `frame_arena`).
    frame_arena_taken: AtomicBool,
}

// librtalloc's heap is made for use from any thread: allocation and free
// from any thread, statistics lock-free.
unsafe impl Send for Heap {}
unsafe impl Sync for Heap {}

impl Heap {
    /// Makes a heap (`rta_heap_create`).  Not real-time safe: it maps and
    /// touches all the memory.  Fails with the library's reason, never with
    /// a partial heap.
    pub fn new(cfg: &Config) -> Result<Heap, Error> {
        let mut c = c_defaults();
        c.pool_bytes = cfg.pool_bytes;
        c.arena_bytes = cfg.arena_bytes;
        c.max_block = cfg.max_block;
        c.max_threads = cfg.max_threads;
        c.flags &= !(ffi::RTA_LOCK_MEMORY | ffi::RTA_DEBUG);
        if cfg.lock_memory {
            c.flags |= ffi::RTA_LOCK_MEMORY;
        }
        if cfg.debug {
            c.flags |= ffi::RTA_DEBUG;
        }
        let mut raw = ptr::null_mut();
        let err = unsafe { ffi::rta_heap_create(&mut raw, &c) };
        if err != 0 {
            return Err(Error::from_code(err));
        }
        match NonNull::new(raw) {
            Some(raw) => Ok(Heap {
                raw,
                frame_arena_taken: AtomicBool::new(false),
            }),
            None => Err(Error::from_code(-6)), // RTA_ERR_INVAL: cannot happen
        }
    }

    /// A block for `layout` from the pools, or `None` when the pools cannot
    /// serve it (size above `max_block`, class exhausted, no thread cache
    /// free; counted in `Stats::failures`).  Any alignment up to 4096
    /// works; a zero-size layout gets a unique block.  Real-time safe.
    pub fn alloc(&self, layout: Layout) -> Option<NonNull<u8>> {
        NonNull::new(unsafe { raw_alloc(self.raw.as_ptr(), layout) })
    }

    /// Gives a block back; any thread may do it (from another thread than
    /// the one that allocated it, it goes home lock-free).  Real-time safe.
    ///
    /// # Safety
    ///
    /// `p` came from [`alloc`](Heap::alloc) of this heap with this same
    /// `layout`, and is not used after.
    pub unsafe fn dealloc(&self, p: NonNull<u8>, layout: Layout) {
        raw_dealloc(self.raw.as_ptr(), p.as_ptr(), layout)
    }

    /// True if `p` points into a block of this heap's pools (`rta_owns`).
    pub fn owns(&self, p: *const u8) -> bool {
        unsafe { ffi::rta_owns(self.raw.as_ptr(), p.cast()) != 0 }
    }

    /// The heap's statistics (`rta_stats_get`): lock-free, from any
    /// thread; counters may lag by operations in flight on other threads.
    /// Copies a fixed-size struct: no allocation.
    pub fn stats(&self) -> Stats {
        unsafe { Stats::read(self.raw.as_ptr()) }
    }

    /// Writes librtalloc's human-readable report (`rta_stats_write`) to a
    /// file descriptor, e.g. 2 for stderr.
    pub fn write_stats(&self, fd: i32) -> std::io::Result<()> {
        if unsafe { ffi::rta_stats_write(self.raw.as_ptr(), fd) } == 0 {
            Ok(())
        } else {
            Err(std::io::Error::last_os_error())
        }
    }

    /// The heap's frame arena, or `None` when the heap has none
    /// (`arena_bytes` 0) or when another `Arena` handle of it is alive: one
    /// handle at a time, so that its [`reset`](Arena::reset) can prove
    /// (with `&mut`) that no reference into the arena survives.  Dropping
    /// the handle gives it back (what it holds stays until a reset).
    pub fn frame_arena(&self) -> Option<Arena<'_>> {
        let raw = NonNull::new(unsafe { ffi::rta_heap_arena(self.raw.as_ptr()) })?;
        Arena::take_frame(raw, &self.frame_arena_taken)
    }

    /// Carves one more arena of at least `bytes` from the pools' reserve
    /// (`rta_arena_create`).  Set-up only: not real-time safe by contract.
    /// The memory goes back when the heap is dropped.
    pub fn create_arena(&self, bytes: usize) -> Result<Arena<'_>, Error> {
        let mut raw = ptr::null_mut();
        let err = unsafe { ffi::rta_arena_create(self.raw.as_ptr(), bytes, &mut raw) };
        if err != 0 {
            return Err(Error::from_code(err));
        }
        match NonNull::new(raw) {
            Some(raw) => Ok(Arena::new_owned(raw)),
            None => Err(Error::from_code(-6)),
        }
    }
}

impl Drop for Heap {
    fn drop(&mut self) {
        unsafe { ffi::rta_heap_destroy(self.raw.as_ptr()) }
    }
}

impl std::fmt::Debug for Heap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = self.stats();
        f.debug_struct("Heap")
            .field("bytes_reserved", &s.bytes_reserved)
            .field("bytes_live", &s.bytes_live)
            .finish()
    }
}

/// One allocation on `h` for `layout`: the pools' own 16-byte alignment
/// when that is enough, `rta_aligned_alloc` above it.
#[inline]
pub(crate) unsafe fn raw_alloc(h: *mut ffi::rta_heap, layout: Layout) -> *mut u8 {
    if layout.align() <= MIN_ALIGN {
        ffi::rta_malloc(h, layout.size()).cast()
    } else {
        ffi::rta_aligned_alloc(h, layout.align(), layout.size()).cast()
    }
}

#[inline]
pub(crate) unsafe fn raw_alloc_zeroed(h: *mut ffi::rta_heap, layout: Layout) -> *mut u8 {
    if layout.align() <= MIN_ALIGN {
        ffi::rta_calloc(h, 1, layout.size()).cast()
    } else {
        let p = raw_alloc(h, layout);
        if !p.is_null() {
            ptr::write_bytes(p, 0, layout.size());
        }
        p
    }
}

/// Frees with the layout's size (`rta_free_sized`), except over-aligned
/// blocks: `rta_aligned_alloc` may have served them from a larger class
/// than their size, so they go through `rta_free`.
#[inline]
pub(crate) unsafe fn raw_dealloc(h: *mut ffi::rta_heap, p: *mut u8, layout: Layout) {
    if layout.align() <= MIN_ALIGN {
        ffi::rta_free_sized(h, p.cast(), layout.size())
    } else {
        ffi::rta_free(h, p.cast())
    }
}

/// `GlobalAlloc::realloc` on `h`: in place when the new size stays in the
/// block's class (`rta_realloc`); over-aligned blocks move by hand, since
/// `rta_realloc` only promises 16 bytes.
#[inline]
pub(crate) unsafe fn raw_realloc(
    h: *mut ffi::rta_heap,
    p: *mut u8,
    layout: Layout,
    new_size: usize,
) -> *mut u8 {
    if layout.align() <= MIN_ALIGN {
        return ffi::rta_realloc(h, p.cast(), new_size).cast();
    }
    if new_size <= ffi::rta_usable_size(h, p.cast()) {
        return p; // still fits its (aligned) block
    }
    let new_layout = Layout::from_size_align_unchecked(new_size, layout.align());
    let q = raw_alloc(h, new_layout);
    if !q.is_null() {
        ptr::copy_nonoverlapping(p, q, layout.size().min(new_size));
        raw_dealloc(h, p, layout);
    }
    q
}
