//! RtAlloc as the global allocator: std collections across threads,
//! every alignment, zero-size types.

use std::alloc::{GlobalAlloc, Layout};
use std::collections::HashMap;
use std::sync::mpsc;
use std::thread;

use rtalloc::RtAlloc;

#[global_allocator]
static GLOBAL: RtAlloc = RtAlloc;

#[test]
fn collections_come_from_the_pools_and_are_freed_on_other_threads() {
    let before = RtAlloc.stats().expect("a process heap");
    let mut sent = Vec::new();
    let (tx, rx) = mpsc::channel::<(Vec<u64>, String, HashMap<u32, String>, Box<[u8; 200]>)>();
    let consumer = thread::spawn(move || {
        let mut total = 0u64;
        for (v, s, m, b) in rx {
            total += v.iter().sum::<u64>() + s.len() as u64 + m.len() as u64 + b[199] as u64;
            // all four dropped here, on a thread that did not allocate them
        }
        total
    });
    let mut expect = 0u64;
    for i in 0..200u64 {
        let v: Vec<u64> = (0..i).collect();
        let s = format!("message {}", i);
        let mut m = HashMap::new();
        for k in 0..(i % 17) as u32 {
            m.insert(k, k.to_string());
        }
        let b = Box::new([i as u8; 200]);
        assert!(RtAlloc.owns(s.as_ptr()), "a String block from the pools");
        assert!(RtAlloc.owns(&*b as *const [u8; 200] as *const u8));
        if !v.is_empty() {
            assert!(RtAlloc.owns(v.as_ptr() as *const u8));
        }
        expect += v.iter().sum::<u64>() + s.len() as u64 + m.len() as u64 + i % 256;
        sent.push(s.len());
        tx.send((v, s, m, b)).unwrap();
    }
    drop(tx);
    assert_eq!(consumer.join().unwrap(), expect);

    // And the other way: blocks made on worker threads, freed here.
    let made: Vec<Vec<String>> = (0..4)
        .map(|t| thread::spawn(move || (0..100).map(|i| format!("{}-{}", t, i)).collect()))
        .map(|h| h.join().unwrap())
        .collect();
    assert_eq!(made.iter().map(|v| v.len()).sum::<usize>(), 400);
    assert!(made.iter().flatten().all(|s| RtAlloc.owns(s.as_ptr())));
    drop(made);

    let after = RtAlloc.stats().unwrap();
    assert!(
        after.remote_frees >= before.remote_frees + 400,
        "remote frees went from {} to {}",
        before.remote_frees,
        after.remote_frees
    );
    assert_eq!(after.bad_frees, before.bad_frees);
}

#[test]
fn every_layout_alignment_up_to_4096() {
    let mut align = 1;
    while align <= 4096 {
        for &size in &[1, align / 2 + 1, align, align + 1, 3 * align, 20000] {
            let layout = Layout::from_size_align(size, align).unwrap();
            unsafe {
                let p = GLOBAL.alloc(layout);
                assert!(!p.is_null(), "size {} align {}", size, align);
                assert_eq!(p as usize % align, 0, "size {} align {}", size, align);
                assert!(RtAlloc.owns(p));
                for i in 0..size {
                    *p.add(i) = i as u8;
                }
                // Grow and shrink: contents kept, alignment kept.
                let q = GLOBAL.realloc(p, layout, size * 2 + 5);
                assert!(!q.is_null());
                assert_eq!(
                    q as usize % align,
                    0,
                    "realloc: size {} align {}",
                    size,
                    align
                );
                for i in 0..size {
                    assert_eq!(*q.add(i), i as u8);
                }
                let grown = Layout::from_size_align(size * 2 + 5, align).unwrap();
                let r = GLOBAL.realloc(q, grown, 1);
                assert_eq!(r as usize % align, 0);
                assert_eq!(*r, 0);
                GLOBAL.dealloc(r, Layout::from_size_align(1, align).unwrap());

                let z = GLOBAL.alloc_zeroed(layout);
                assert_eq!(z as usize % align, 0);
                assert!((0..size).all(|i| *z.add(i) == 0));
                GLOBAL.dealloc(z, layout);
            }
        }
        align *= 2;
    }
}

#[repr(align(4096))]
struct Page([u8; 100]);

#[repr(align(256))]
struct Empty256;

#[test]
fn over_aligned_and_zero_size_types_in_std_containers() {
    let pages: Vec<Box<Page>> = (0..20).map(|i| Box::new(Page([i; 100]))).collect();
    for (i, p) in pages.iter().enumerate() {
        assert_eq!(&**p as *const Page as usize % 4096, 0);
        assert_eq!(p.0[99], i as u8);
    }
    let mut v: Vec<Page> = Vec::new();
    for i in 0..10 {
        v.push(Page([i; 100])); // grows by realloc, keeps 4096 alignment
        assert_eq!(v.as_ptr() as usize % 4096, 0);
    }
    // Zero-size types never reach the allocator.
    let ((), counts) = rtalloc::count_allocs(|| {
        let units: Vec<()> = vec![(); 1 << 20];
        let empties: Vec<Empty256> = (0..1000).map(|_| Empty256).collect();
        let b = Box::new(Empty256);
        assert_eq!(&*b as *const Empty256 as usize % 256, 0);
        assert_eq!(units.len() + empties.len(), (1 << 20) + 1000);
    });
    assert_eq!(counts.allocs, 0);
    assert_eq!(counts.frees, 0);
}

#[test]
fn threads_come_and_go() {
    // More threads over the test's life than the heap has caches: each
    // exiting thread gives its cache back.
    for round in 0..10 {
        let hs: Vec<_> = (0..8)
            .map(|t| {
                thread::spawn(move || {
                    (0..50)
                        .map(|i| vec![t as u8; i + round])
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let all: Vec<Vec<Vec<u8>>> = hs.into_iter().map(|h| h.join().unwrap()).collect();
        assert_eq!(all.len(), 8);
    }
}
