//! Heap, Arena, Stats and Error, on private heaps (no global allocator).

use std::alloc::Layout;
use std::panic;
use std::ptr::NonNull;
use std::sync::mpsc;
use std::thread;

use rtalloc::{Config, Heap};

fn small_config() -> Config {
    Config {
        pool_bytes: 4 << 20,
        arena_bytes: 64 << 10,
        max_block: 64 << 10,
        max_threads: 8,
        lock_memory: false,
        debug: false,
    }
}

#[test]
fn heap_and_arena_are_send_and_sync() {
    fn both<T: Send + Sync>() {}
    both::<Heap>();
    both::<rtalloc::Arena<'static>>();
}

#[test]
fn stats_match_what_the_test_did() {
    let heap = Heap::new(&small_config()).unwrap();
    let before = heap.stats();
    assert_eq!(before.allocs, 0);
    assert_eq!(before.bytes_live, 0);
    assert!(before.bytes_reserved >= 4 << 20);
    assert!(before.n_classes > 0 && before.n_classes <= rtalloc::MAX_CLASSES);

    // 40 blocks of 100 bytes from this thread.
    let layout = Layout::from_size_align(100, 8).unwrap();
    let blocks: Vec<NonNull<u8>> = (0..40).map(|_| heap.alloc(layout).unwrap()).collect();
    let s = heap.stats();
    let class = *s.class_for(100).unwrap();
    assert!(class.block_size >= 100);
    assert_eq!(s.allocs, 40);
    assert_eq!(s.frees, 0);
    assert_eq!(class.live, 40);
    assert_eq!(class.peak, 40);
    assert_eq!(s.bytes_live, 40 * class.block_size);
    assert_eq!(s.bytes_peak, 40 * class.block_size);
    assert_eq!(s.failures, 0);
    for b in &blocks {
        assert!(heap.owns(b.as_ptr()));
    }

    // Free 10 here and 30 on another thread: remote frees.
    for b in &blocks[..10] {
        unsafe { heap.dealloc(*b, layout) };
    }
    let addrs: Vec<usize> = blocks[10..].iter().map(|b| b.as_ptr() as usize).collect();
    thread::scope(|scope| {
        scope.spawn(|| {
            for a in addrs {
                unsafe { heap.dealloc(NonNull::new(a as *mut u8).unwrap(), layout) };
            }
        });
    });
    let s = heap.stats();
    assert_eq!(s.frees, 40);
    assert_eq!(s.remote_frees, 30);
    assert_eq!(s.class_for(100).unwrap().live, 0);
    assert_eq!(s.bytes_live, 0);
    assert_eq!(s.bad_frees, 0);

    // Above max_block: None, one failure.
    assert!(heap
        .alloc(Layout::from_size_align(1 << 20, 8).unwrap())
        .is_none());
    assert_eq!(heap.stats().failures, 1);
}

#[test]
fn every_alignment_up_to_4096_and_zero_size() {
    let heap = Heap::new(&small_config()).unwrap();
    let mut align = 1;
    while align <= 4096 {
        for &size in &[0, 1, align / 2, align, align + 1, 3 * align] {
            let layout = Layout::from_size_align(size, align).unwrap();
            let p = heap.alloc(layout).expect("a block");
            assert_eq!(
                p.as_ptr() as usize % align,
                0,
                "size {} align {}",
                size,
                align
            );
            assert!(heap.owns(p.as_ptr()));
            unsafe {
                std::ptr::write_bytes(p.as_ptr(), 0xa5, size);
                heap.dealloc(p, layout);
            }
        }
        align *= 2;
    }
    let s = heap.stats();
    assert_eq!(s.allocs, s.frees);
    assert_eq!(s.bytes_live, 0);
    assert_eq!(s.bad_frees, 0);
    assert_eq!(s.failures, 0);
}

#[test]
fn zero_size_blocks_are_unique() {
    let heap = Heap::new(&small_config()).unwrap();
    let layout = Layout::from_size_align(0, 1).unwrap();
    let a = heap.alloc(layout).unwrap();
    let b = heap.alloc(layout).unwrap();
    assert_ne!(a, b);
    unsafe {
        heap.dealloc(a, layout);
        heap.dealloc(b, layout);
    }
    assert_eq!(heap.stats().bytes_live, 0);
}

#[test]
fn an_exhausted_pool_returns_none_and_recovers() {
    let heap = Heap::new(&small_config()).unwrap();
    let layout = Layout::from_size_align(32 << 10, 16).unwrap();
    let mut blocks = Vec::new();
    while let Some(p) = heap.alloc(layout) {
        blocks.push(p);
        assert!(
            blocks.len() <= 128,
            "a 4 MiB pool holds at most 128 blocks of 32 KiB"
        );
    }
    assert!(!blocks.is_empty());
    assert_eq!(heap.stats().failures, 1);
    for p in blocks.drain(..) {
        unsafe { heap.dealloc(p, layout) };
    }
    let p = heap.alloc(layout).expect("memory is back");
    unsafe { heap.dealloc(p, layout) };
}

#[test]
fn errors_carry_the_library_code_and_words() {
    let err = Heap::new(&Config {
        pool_bytes: 0,
        ..small_config()
    })
    .unwrap_err();
    assert_eq!(err.code(), -1); // RTA_ERR_CONFIG
    assert!(err.to_string().contains("pool_bytes"), "{}", err);
    let err = Heap::new(&Config {
        max_block: 64 << 20,
        ..small_config()
    })
    .unwrap_err();
    assert_eq!(err.code(), -3); // RTA_ERR_MAX_BLOCK
    assert!(err.to_string().contains("max_block"), "{}", err);
    let boxed: Box<dyn std::error::Error> = Box::new(err);
    assert!(format!("{:?}", boxed).contains("-3"));
}

#[test]
fn config_default_is_the_c_default() {
    let c = Config::default();
    assert_eq!(c.pool_bytes, 16 << 20);
    assert_eq!(c.arena_bytes, 1 << 20);
    assert_eq!(c.max_block, 64 << 10);
    assert_eq!(c.max_threads, 16);
    assert!(!c.lock_memory);
}

#[repr(align(4096))]
#[derive(Clone, Copy, Debug, PartialEq)]
struct Page([u8; 16]);

#[test]
fn arena_values_slices_and_alignment() {
    let heap = Heap::new(&small_config()).unwrap();
    let mut arena = heap.frame_arena().unwrap();
    assert!(arena.capacity() >= 64 << 10);
    assert_eq!(arena.used(), 0);
    let x = arena.alloc(7u64);
    *x += 1;
    let page = arena.alloc(Page([3; 16]));
    assert_eq!(page as *mut Page as usize % 4096, 0);
    let unit = arena.alloc(());
    let _ = unit;
    let s = arena.alloc_slice_copy(&[1.0f32, 2.0, 3.0]);
    s[2] = 4.0;
    let empty: &mut [u32] = arena.alloc_slice_copy(&[]);
    assert!(empty.is_empty());
    let zeros = arena.alloc_slice_fill(100, 0i16);
    assert_eq!(zeros.len(), 100);
    assert_eq!(*x, 8);
    assert_eq!(page.0, [3; 16]);
    assert_eq!(s, &[1.0, 2.0, 4.0]);
    assert!(
        !heap.owns(x as *mut u64 as *const u8),
        "arena memory is not a pool block"
    );
    let used = arena.used();
    assert!(used >= 8 + 16 + 12 + 200);

    let stats = arena.stats();
    assert_eq!(stats.used, used);
    assert_eq!(stats.resets, 0);
    arena.reset();
    assert_eq!(arena.used(), 0);
    assert_eq!(arena.stats().resets, 1);
    assert_eq!(arena.stats().peak, used);
    assert_eq!(heap.stats().frame_arena.resets, 1);
}

#[test]
fn arena_mark_and_rewind() {
    let heap = Heap::new(&small_config()).unwrap();
    let mut arena = heap.frame_arena().unwrap();
    arena.alloc([0u8; 100]);
    let mark = arena.mark();
    let used = arena.used();
    arena.alloc([0u8; 1000]);
    assert!(arena.used() >= used + 1000);
    arena.rewind(mark);
    assert_eq!(arena.used(), used);
}

#[test]
fn arena_overflow_gives_the_value_back_or_panics() {
    let heap = Heap::new(&small_config()).unwrap();
    let arena = heap.create_arena(64 << 10).unwrap();
    let cap = arena.capacity();
    let huge = [0u8; 128 << 10];
    let back = arena.try_alloc(huge).unwrap_err(); // the value comes back
    assert_eq!(back.len(), 128 << 10);
    assert_eq!(arena.stats().overflows, 1);
    let r = panic::catch_unwind(panic::AssertUnwindSafe(|| {
        arena.alloc_slice_fill(cap + 1, 0u8);
    }));
    let msg = r.unwrap_err();
    let msg = msg.downcast_ref::<String>().unwrap();
    assert!(msg.contains("arena overflow"), "{}", msg);
    assert_eq!(arena.stats().overflows, 2);
}

#[test]
fn one_frame_arena_handle_at_a_time() {
    let heap = Heap::new(&small_config()).unwrap();
    let a = heap.frame_arena().unwrap();
    assert!(
        heap.frame_arena().is_none(),
        "a second handle could reset under the first"
    );
    drop(a);
    assert!(heap.frame_arena().is_some());
    let none = Heap::new(&Config {
        arena_bytes: 0,
        ..small_config()
    })
    .unwrap();
    assert!(none.frame_arena().is_none());
}

#[test]
fn arena_allocates_from_several_threads() {
    let heap = Heap::new(&small_config()).unwrap();
    let mut arena = heap.frame_arena().unwrap();
    let (tx, rx) = mpsc::channel();
    thread::scope(|scope| {
        for t in 0..4u32 {
            let arena = &arena;
            let tx = tx.clone();
            scope.spawn(move || {
                for i in 0..100u32 {
                    let v = arena.alloc(t * 1000 + i);
                    tx.send(v as *mut u32 as usize).unwrap();
                }
            });
        }
    });
    drop(tx);
    let mut addrs: Vec<usize> = rx.iter().collect();
    addrs.sort_unstable();
    addrs.dedup();
    assert_eq!(addrs.len(), 400, "every allocation got its own slot");
    arena.reset();
}
