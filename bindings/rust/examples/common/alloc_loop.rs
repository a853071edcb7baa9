// One allocation-heavy loop, shared by alloc_loop_rtalloc.rs (RtAlloc as
// the global allocator) and alloc_loop_system.rs (Rust's default, the
// system allocator); rust-bench.sh runs both and prints the ratio.  Every
// size stays below the process heap's default max_block (64 KiB).

use std::collections::BTreeMap;
use std::time::Instant;

/// One round: boxes, a growing string, a map's nodes, buffers of mixed
/// sizes freed out of order.  Returns a checksum so nothing is optimized
/// away.
fn round(i: u64) -> u64 {
    let mut sum = 0u64;
    let boxes: Vec<Box<[u64; 4]>> = (0..64).map(|k| Box::new([k + i; 4])).collect();
    sum += boxes.iter().map(|b| b[3]).sum::<u64>();
    drop(boxes);

    let mut s = String::new();
    for k in 0..40u8 {
        s.push((b'a' + k % 26) as char);
    }
    sum += s.len() as u64;

    let mut map = BTreeMap::new();
    for k in 0..100u32 {
        map.insert(k.wrapping_mul(2654435761), k);
    }
    sum += map.len() as u64;
    drop(map);

    let mut bufs: Vec<Vec<u8>> = (0..32).map(|k| vec![k as u8; 16 << (k % 9)]).collect();
    while !bufs.is_empty() {
        let b = bufs.swap_remove((i as usize * 7 + bufs.len()) % bufs.len());
        sum += b.len() as u64;
    }
    sum
}

fn main() {
    let rounds: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(20000);
    let mut check = 0u64;
    for i in 0..rounds / 10 {
        check = check.wrapping_add(round(i)); // warm-up: caches, pools
    }
    let t = Instant::now();
    for i in 0..rounds {
        check = check.wrapping_add(round(i));
    }
    let ns = t.elapsed().as_nanos() as f64 / rounds as f64;
    println!("{} ns per round ({} rounds, {}, checksum {})", ns as u64, rounds, ALLOCATOR, check);
}
