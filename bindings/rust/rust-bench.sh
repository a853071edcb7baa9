#!/bin/sh
# RtAlloc against Rust's default allocator (the system malloc) on one
# allocation-heavy loop (examples/common/alloc_loop.rs): both built in
# release mode, run alternately 5 times each in this one run, the medians
# compared.  `make rust-bench` runs it with the build tree's librtalloc.
#   rust-bench.sh [Cargo.toml] [ROUNDS]
set -eu
manifest=${1:-$(dirname "$0")/Cargo.toml}
rounds=${2:-20000}
cargo=${CARGO:-cargo}
"$cargo" build --manifest-path "$manifest" --offline --locked --release --quiet \
    --example alloc_loop_rtalloc --example alloc_loop_system
dir=${CARGO_TARGET_DIR:-$(dirname "$manifest")/target}/release/examples
rta="" sys=""
for i in 1 2 3 4 5; do
    rta="$rta $("$dir/alloc_loop_rtalloc" "$rounds" | cut -d' ' -f1)"
    sys="$sys $("$dir/alloc_loop_system" "$rounds" | cut -d' ' -f1)"
done
median() { printf '%s\n' $1 | sort -n | sed -n 3p; }
m_rta=$(median "$rta")
m_sys=$(median "$sys")
echo "RtAlloc ns per round:                  $rta (median $m_rta)"
echo "Rust default allocator ns per round:   $sys (median $m_sys)"
awk -v a="$m_rta" -v b="$m_sys" 'BEGIN { printf "RtAlloc time / default allocator time: %.2f\n", a / b }'
