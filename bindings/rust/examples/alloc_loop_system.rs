//! The allocation-heavy loop of examples/common/alloc_loop.rs with Rust's
//! default global allocator (the system's malloc), the baseline of
//! rust-bench.sh.
const ALLOCATOR: &str = "Rust's default allocator";
include!("common/alloc_loop.rs");
