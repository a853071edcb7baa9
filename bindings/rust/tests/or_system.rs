//! RtAllocOrSystem: the pools first, the system allocator for what they
//! cannot serve, and each free sent back the way its block came.

use std::collections::HashMap;
use std::thread;

use rtalloc::{count_allocs, RtAlloc, RtAllocOrSystem};

#[global_allocator]
static GLOBAL: RtAllocOrSystem = RtAllocOrSystem;

#[test]
fn large_blocks_take_the_system_path_small_ones_the_pools() {
    let before = RtAllocOrSystem::system_allocs();
    let stats_before = RtAlloc.stats().unwrap();
    let big = vec![7u8; 1 << 20]; // above the default 64 KiB max_block
    assert!(!RtAlloc.owns(big.as_ptr()));
    assert!(RtAllocOrSystem::system_allocs() > before);
    let small: Vec<u32> = (0..100).collect();
    assert!(RtAlloc.owns(small.as_ptr() as *const u8));
    assert_eq!(big[(1 << 20) - 1], 7);
    drop(big); // to the system allocator: not a bad free of the heap
    drop(small);
    let stats = RtAlloc.stats().unwrap();
    assert_eq!(stats.bad_frees, stats_before.bad_frees);
}

#[test]
fn growth_moves_from_the_pools_to_the_system_and_back_keeps_contents() {
    let mut v: Vec<u64> = Vec::new();
    let ((), c) = count_allocs(|| {
        for i in 0..100_000u64 {
            v.push(i); // 8 B .. 1 MiB: pool blocks, then system blocks
        }
    });
    assert!(c.allocs > 10);
    assert!(!RtAlloc.owns(v.as_ptr() as *const u8));
    assert!(v.iter().enumerate().all(|(i, x)| *x == i as u64));
    v.truncate(10);
    v.shrink_to_fit(); // system realloc; stays a system block
    assert_eq!(v, (0..10).collect::<Vec<u64>>());
    drop(v);
    assert_eq!(RtAlloc.stats().unwrap().bad_frees, 0);
}

#[test]
fn mixed_blocks_freed_on_other_threads() {
    type Mixed = (Vec<u8>, String, HashMap<u32, Vec<u8>>);
    let made: Vec<Mixed> = (0..50)
        .map(|i| {
            let mut m = HashMap::new();
            m.insert(i, vec![1u8; if i % 10 == 0 { 200_000 } else { 100 }]);
            (
                vec![i as u8; 70_000 * (i as usize % 2)],
                format!("{}", i),
                m,
            )
        })
        .collect();
    thread::spawn(move || drop(made)).join().unwrap();
    assert_eq!(RtAlloc.stats().unwrap().bad_frees, 0);
}
