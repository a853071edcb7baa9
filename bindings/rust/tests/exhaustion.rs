//! RtAlloc when the process heap cannot serve a request: `alloc` returns
//! null, so `try_reserve` fails cleanly, and only Rust's infallible paths
//! call `handle_alloc_error`.  Each case runs in a child process (this
//! test binary again, one test selected) with a small process heap, so
//! that exhausting it cannot starve other tests.

use std::collections::TryReserveError;
use std::env;
use std::process::Command;

#[global_allocator]
static GLOBAL: rtalloc::RtAlloc = rtalloc::RtAlloc;

const CHILD: &str = "RTALLOC_RUST_TEST_CHILD";
const POOL: usize = 4 << 20;
const MAX_BLOCK: usize = 64 << 10;

/// Runs test `name` of this binary in a child with a 4 MiB process heap.
fn run_child(name: &str) -> std::process::Output {
    Command::new(env::current_exe().unwrap())
        .args([name, "--exact", "--nocapture", "--test-threads", "1"])
        .env(CHILD, name)
        .env("RTALLOC_OPTIONS", "pool=4M,max_block=64K,threads=8")
        .env("RUST_BACKTRACE", "0")
        .output()
        .unwrap()
}

fn is_child(name: &str) -> bool {
    env::var(CHILD).map(|v| v == name).unwrap_or(false)
}

#[test]
fn try_reserve_fails_cleanly_when_the_pool_is_exhausted() {
    let name = "child_try_reserve";
    let out = run_child(name);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("exhausted after"),
        "child failed: {:?}\n{}\n{}",
        out.status,
        stdout,
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn child_try_reserve() {
    if !is_child("child_try_reserve") {
        return; // only meaningful in the child the test above starts
    }
    let before = rtalloc::RtAlloc.stats().unwrap();
    // Above max_block: a miss at once.
    let mut big: Vec<u8> = Vec::new();
    let err: TryReserveError = big.try_reserve(MAX_BLOCK * 2).unwrap_err();
    let _ = format!("{}", err);
    // Exhaust the pool with 32 KiB blocks; the holder is reserved first so
    // that filling it needs no allocation.
    let mut held: Vec<Vec<u8>> = Vec::with_capacity(POOL / (32 << 10) + 1);
    let failure = loop {
        let mut v: Vec<u8> = Vec::new();
        match v.try_reserve_exact(32 << 10) {
            Ok(()) => {
                v.push(1);
                held.push(v);
                assert!(
                    held.len() < held.capacity(),
                    "a 4 MiB pool cannot hold this many"
                );
            }
            Err(e) => break e,
        }
    };
    let _ = failure;
    assert!(!held.is_empty());
    let after = rtalloc::RtAlloc.stats().unwrap();
    assert!(
        after.failures >= before.failures + 2,
        "{} -> {}",
        before.failures,
        after.failures
    );
    // Everything back: the same request succeeds again.
    let n = held.len();
    held.clear();
    let mut again: Vec<u8> = Vec::new();
    again
        .try_reserve_exact(32 << 10)
        .expect("memory is back after the frees");
    println!("exhausted after {} blocks of 32 KiB", n);
}

#[test]
fn an_infallible_allocation_calls_handle_alloc_error() {
    let name = "child_infallible";
    let out = run_child(name);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "the child should have aborted");
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(
            out.status.signal(),
            Some(6),
            "SIGABRT from handle_alloc_error: {}",
            stderr
        );
    }
    // Rust's default alloc error hook names the size.
    let msg = format!("memory allocation of {} bytes failed", MAX_BLOCK * 2);
    assert!(stderr.contains(&msg), "stderr: {}", stderr);
}

#[test]
fn child_infallible() {
    if !is_child("child_infallible") {
        return;
    }
    let v: Vec<u8> = Vec::with_capacity(MAX_BLOCK * 2); // aborts
    println!("not reached: {}", v.capacity());
}
