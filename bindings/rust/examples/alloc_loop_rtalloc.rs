//! The allocation-heavy loop of examples/common/alloc_loop.rs with RtAlloc
//! as the global allocator (see rust-bench.sh).
#[global_allocator]
static GLOBAL: rtalloc::RtAlloc = rtalloc::RtAlloc;
const ALLOCATOR: &str = "RtAlloc";
include!("common/alloc_loop.rs");
