//! The C API of librtalloc (include/rtalloc.h), as much of it as the crate
//! uses.  The structs mirror the C layout field by field; `tests/layout.rs`
//! checks them against the C compiler's offsets when `make check` runs it.

#![allow(non_camel_case_types, dead_code)]

use std::os::raw::{c_char, c_int, c_uint, c_void};

pub const RTA_LOCK_MEMORY: c_uint = 1 << 0;
pub const RTA_DEBUG: c_uint = 1 << 3;

pub const RTA_MAX_CLASSES: usize = 64;

#[repr(C)]
pub struct rta_heap {
    _opaque: [u8; 0],
}

#[repr(C)]
pub struct rta_arena {
    _opaque: [u8; 0],
}

#[repr(C)]
pub struct rta_trap_info {
    pub kind: c_int,
    pub size: usize,
    pub ptr: *const c_void,
}

pub type rta_trap_fn = Option<unsafe extern "C" fn(info: *const rta_trap_info, user: *mut c_void)>;

#[repr(C)]
#[derive(Clone, Copy)]
pub struct rta_config {
    pub pool_bytes: usize,
    pub arena_bytes: usize,
    pub max_block: usize,
    pub max_threads: c_uint,
    pub flags: c_uint,
    pub memory: *mut c_void,
    pub memory_bytes: usize,
    pub on_trap: rta_trap_fn,
    pub trap_user: *mut c_void,
    pub low_water_bytes: usize,
}

#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct rta_class_stats {
    pub block_size: usize,
    pub live: usize,
    pub peak: usize,
    pub capacity: usize,
}

#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct rta_arena_stats {
    pub used: usize,
    pub peak: usize,
    pub capacity: usize,
    pub resets: u64,
    pub overflows: u64,
}

/// `rta_stats` as the header has it, then room to grow: the contract lets
/// fields follow, and `rta_stats_get` writes the whole C struct.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct rta_stats {
    pub bytes_reserved: usize,
    pub bytes_live: usize,
    pub bytes_peak: usize,
    pub allocs: u64,
    pub frees: u64,
    pub failures: u64,
    pub fallbacks: u64,
    pub remote_frees: u64,
    pub bad_frees: u64,
    pub memory_locked: c_int,
    pub n_classes: c_uint,
    pub classes: [rta_class_stats; RTA_MAX_CLASSES],
    pub frame_arena: rta_arena_stats,
    pub pool_bytes_free: usize,
    pub threads_attached: c_uint,
    pub threads_peak: c_uint,
    pub profile: c_int,
    pub span_bytes: usize,
    pub spans_peak: usize,
    pub arena_pool_bytes: usize,
    /// Fields a later librtalloc may add land here.
    pub reserved_for_growth: [u64; STATS_GROWTH_WORDS],
}

/// Words of `rta_stats::reserved_for_growth` (tests/layout.rs checks that
/// the C struct fits).
pub const STATS_GROWTH_WORDS: usize = 128;

extern "C" {
    pub fn rta_version() -> *const c_char;
    pub fn rta_config_defaults(cfg: *mut rta_config);
    pub fn rta_heap_create(out: *mut *mut rta_heap, cfg: *const rta_config) -> c_int;
    pub fn rta_heap_destroy(h: *mut rta_heap);
    pub fn rta_strerror(err: c_int) -> *const c_char;

    pub fn rta_malloc(h: *mut rta_heap, size: usize) -> *mut c_void;
    pub fn rta_calloc(h: *mut rta_heap, n: usize, size: usize) -> *mut c_void;
    pub fn rta_realloc(h: *mut rta_heap, p: *mut c_void, size: usize) -> *mut c_void;
    pub fn rta_aligned_alloc(h: *mut rta_heap, align: usize, size: usize) -> *mut c_void;
    pub fn rta_free(h: *mut rta_heap, p: *mut c_void);
    pub fn rta_free_sized(h: *mut rta_heap, p: *mut c_void, size: usize);
    pub fn rta_usable_size(h: *const rta_heap, p: *const c_void) -> usize;
    pub fn rta_owns(h: *const rta_heap, p: *const c_void) -> c_int;

    pub fn rta_heap_arena(h: *mut rta_heap) -> *mut rta_arena;
    pub fn rta_arena_create(h: *mut rta_heap, bytes: usize, out: *mut *mut rta_arena) -> c_int;
    pub fn rta_arena_alloc(a: *mut rta_arena, size: usize, align: usize) -> *mut c_void;
    pub fn rta_arena_reset(a: *mut rta_arena);
    pub fn rta_arena_mark(a: *const rta_arena) -> usize;
    pub fn rta_arena_rewind(a: *mut rta_arena, mark: usize);
    pub fn rta_arena_used(a: *const rta_arena) -> usize;
    pub fn rta_arena_capacity(a: *const rta_arena) -> usize;

    pub fn rta_rt_enter();
    pub fn rta_rt_leave();
    pub fn rta_rt_active() -> c_int;

    pub fn rta_stats_get(h: *const rta_heap, out: *mut rta_stats);
    pub fn rta_arena_stats_get(a: *const rta_arena, out: *mut rta_arena_stats);
    pub fn rta_stats_write(h: *const rta_heap, fd: c_int) -> c_int;

    pub fn rta_process_heap() -> *mut rta_heap;
}

/// The mirrors against the C compiler's layout.  `make check` compiles
/// layout-probe.c and passes its output in RTALLOC_C_LAYOUT; a plain
/// `cargo test` has no C layout to compare with and says so.
#[cfg(test)]
mod layout {
    use super::*;
    use std::mem::{size_of, MaybeUninit};
    use std::ptr::addr_of;

    fn c_layout() -> Option<Vec<(String, usize)>> {
        let s = std::env::var("RTALLOC_C_LAYOUT").ok()?;
        Some(
            s.split_whitespace()
                .map(|w| {
                    let mut kv = w.splitn(2, '=');
                    let k = kv.next().unwrap().to_string();
                    let v = kv.next().expect("name=value").parse().expect("a number");
                    (k, v)
                })
                .collect(),
        )
    }

    #[test]
    fn structs_match_the_c_header() {
        let c = match c_layout() {
            Some(c) => c,
            None => {
                eprintln!("RTALLOC_C_LAYOUT not set: layout not compared (make check sets it)");
                return;
            }
        };
        let cfg = MaybeUninit::<rta_config>::uninit();
        let st = MaybeUninit::<rta_stats>::uninit();
        let ast = MaybeUninit::<rta_arena_stats>::uninit();
        let (cb, sb, ab) = (
            cfg.as_ptr() as usize,
            st.as_ptr() as usize,
            ast.as_ptr() as usize,
        );
        let (cp, sp, ap) = (cfg.as_ptr(), st.as_ptr(), ast.as_ptr());
        let rust: Vec<(&str, usize)> = unsafe {
            vec![
                ("config.size", size_of::<rta_config>()),
                ("config.flags", addr_of!((*cp).flags) as usize - cb),
                ("config.memory", addr_of!((*cp).memory) as usize - cb),
                ("config.on_trap", addr_of!((*cp).on_trap) as usize - cb),
                ("config.trap_user", addr_of!((*cp).trap_user) as usize - cb),
                (
                    "config.low_water_bytes",
                    addr_of!((*cp).low_water_bytes) as usize - cb,
                ),
                ("class_stats.size", size_of::<rta_class_stats>()),
                ("arena_stats.size", size_of::<rta_arena_stats>()),
                (
                    "arena_stats.overflows",
                    addr_of!((*ap).overflows) as usize - ab,
                ),
                ("stats.bad_frees", addr_of!((*sp).bad_frees) as usize - sb),
                (
                    "stats.memory_locked",
                    addr_of!((*sp).memory_locked) as usize - sb,
                ),
                ("stats.n_classes", addr_of!((*sp).n_classes) as usize - sb),
                ("stats.classes", addr_of!((*sp).classes) as usize - sb),
                (
                    "stats.frame_arena",
                    addr_of!((*sp).frame_arena) as usize - sb,
                ),
                (
                    "stats.pool_bytes_free",
                    addr_of!((*sp).pool_bytes_free) as usize - sb,
                ),
                (
                    "stats.threads_attached",
                    addr_of!((*sp).threads_attached) as usize - sb,
                ),
                (
                    "stats.threads_peak",
                    addr_of!((*sp).threads_peak) as usize - sb,
                ),
                ("stats.profile", addr_of!((*sp).profile) as usize - sb),
                ("stats.span_bytes", addr_of!((*sp).span_bytes) as usize - sb),
                ("stats.spans_peak", addr_of!((*sp).spans_peak) as usize - sb),
                (
                    "stats.arena_pool_bytes",
                    addr_of!((*sp).arena_pool_bytes) as usize - sb,
                ),
                ("max_classes", RTA_MAX_CLASSES),
            ]
        };
        for (name, value) in &rust {
            let cv = c.iter().find(|(k, _)| k == name).map(|(_, v)| *v);
            assert_eq!(
                cv,
                Some(*value),
                "{}: C says {:?}, Rust has {}",
                name,
                cv,
                value
            );
        }
        // rta_stats may grow: rta_stats_get writes all of it into ours.
        let c_size = c.iter().find(|(k, _)| k == "stats.size").unwrap().1;
        assert!(
            c_size <= size_of::<rta_stats>(),
            "rta_stats grew to {} bytes, past the {} of src/ffi.rs: raise STATS_GROWTH_WORDS",
            c_size,
            size_of::<rta_stats>()
        );
    }
}
