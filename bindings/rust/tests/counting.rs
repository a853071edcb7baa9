//! count_allocs, assert_no_alloc and permit_alloc under RtAlloc.

use std::panic;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;

use rtalloc::{assert_no_alloc, count_allocs, permit_alloc, AllocCounts, RtAlloc};

#[global_allocator]
static GLOBAL: RtAlloc = RtAlloc;

#[test]
fn one_allocation_inside_a_closure_is_seen() {
    let (b, c) = count_allocs(|| Box::new(42u32));
    assert_eq!(
        c,
        AllocCounts {
            allocs: 1,
            frees: 0
        }
    );
    let ((), c) = count_allocs(|| drop(b));
    assert_eq!(
        c,
        AllocCounts {
            allocs: 0,
            frees: 1
        }
    );
    let (n, c) = count_allocs(|| 6 * 7);
    assert_eq!(n, 42);
    assert_eq!(c, AllocCounts::default());
}

#[test]
fn growth_counts_reallocations() {
    let mut v: Vec<u32> = Vec::with_capacity(1);
    let ((), c) = count_allocs(|| {
        for i in 0..100 {
            v.push(i);
        }
    });
    assert!(c.allocs >= 3, "{:?}", c); // 1 -> 4 -> 8 -> ... -> 128
    assert_eq!(c.allocs, c.frees, "each realloc frees the old block");
}

#[test]
fn nested_counts_add_up() {
    let ((inner, middle), outer) = count_allocs(|| {
        let _a = String::from("outer");
        let (inner_all, middle) = count_allocs(|| {
            let _b: Vec<u8> = Vec::with_capacity(1); // one allocation
            let ((), inner) = count_allocs(|| drop(Box::new(1u8)));
            inner
        });
        (inner_all, middle)
    });
    assert_eq!(
        inner,
        AllocCounts {
            allocs: 1,
            frees: 1
        }
    );
    assert_eq!(
        middle,
        AllocCounts {
            allocs: 2,
            frees: 2
        }
    );
    assert_eq!(
        outer,
        AllocCounts {
            allocs: 3,
            frees: 3
        }
    );
}

fn panic_message(r: std::thread::Result<()>) -> String {
    let e = r.unwrap_err();
    if let Some(s) = e.downcast_ref::<String>() {
        s.clone()
    } else {
        e.downcast_ref::<&str>().unwrap().to_string()
    }
}

#[test]
fn assert_no_alloc_catches_one_allocation() {
    let mut buf = [0i32; 256];
    let r = assert_no_alloc(|| {
        buf.iter_mut().enumerate().for_each(|(i, x)| *x = i as i32);
        buf.iter().sum::<i32>()
    });
    assert_eq!(r, 255 * 256 / 2);

    let msg = panic_message(panic::catch_unwind(|| {
        assert_no_alloc(|| {
            let v = vec![0u8; 3];
            std::mem::forget(v); // one allocation, no free
        })
    }));
    assert!(msg.contains("1 allocation"), "{}", msg);
}

#[test]
fn assert_no_alloc_nested_in_itself_and_in_count_allocs() {
    let ((), c) = count_allocs(|| {
        let msg = panic_message(panic::catch_unwind(|| {
            assert_no_alloc(|| {
                assert_no_alloc(|| ()); // inner: clean
                let _s = String::from("x"); // outer: one allocation
            })
        }));
        assert!(msg.contains("1 allocation"), "{}", msg);
    });
    assert!(c.allocs >= 2, "the String and the panic's payload: {:?}", c);
    // A frees-only closure passes: pool frees are real-time safe.
    let v = vec![1u8; 10];
    assert_no_alloc(move || drop(v));
}

#[test]
fn permit_alloc_is_not_counted_and_counting_resumes() {
    let (s, c) = count_allocs(|| {
        let s = permit_alloc(|| {
            let mut s = String::new();
            for i in 0..10 {
                s.push_str(&i.to_string());
            }
            s
        });
        let _after = Box::new(1u8); // counted: the permit is over
        s
    });
    assert_eq!(s, "0123456789");
    assert_eq!(c.allocs, 1);
    assert_eq!(c.frees, 1);

    // The same inside assert_no_alloc: no panic.
    let n = assert_no_alloc(|| permit_alloc(|| vec![1, 2, 3]).len());
    assert_eq!(n, 3);

    // Nested permits; and a panic inside one still ends it.
    let ((), c) = count_allocs(|| {
        permit_alloc(|| permit_alloc(|| drop(vec![1u8])));
        let r = panic::catch_unwind(|| permit_alloc(|| panic!("inside")));
        assert!(r.is_err());
        std::mem::forget(vec![2u8]);
    });
    assert!(c.allocs >= 1, "counting resumed after the panic: {:?}", c);
}

#[test]
fn other_threads_are_not_counted() {
    let go = Arc::new(AtomicUsize::new(0));
    let worker = {
        let go = Arc::clone(&go);
        thread::spawn(move || {
            while go.load(Ordering::Acquire) == 0 {
                std::hint::spin_loop();
            }
            let v: Vec<Vec<u8>> = (0..100).map(|i| vec![0; i]).collect();
            go.store(2, Ordering::Release);
            v.len()
        })
    };
    let ((), c) = count_allocs(|| {
        go.store(1, Ordering::Release);
        while go.load(Ordering::Acquire) != 2 {
            std::hint::spin_loop();
        }
    });
    assert_eq!(c, AllocCounts::default());
    assert_eq!(worker.join().unwrap(), 100);
}
