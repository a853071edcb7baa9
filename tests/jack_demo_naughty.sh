#!/bin/sh
# --naughty on a real JACK server: the demo calls malloc inside its
# process callback now and then, and the guard linked into it must catch
# that.  In the default trap mode the demo must die (non-zero exit) with
# the guard's report on stderr; with RTALLOC_GUARD=count it must run to
# the end, report exactly the malloc and free calls it made in the callback,
# and exit 1.  This is what makes the zero of
# tests/jack_demo.sh mean something: the same counter does see mallocs.
# No rate is assumed: the trap-mode run may last 60 s (a hang guard: the
# first malloc ends it), the count-mode run is repeated for twice as long
# while --naughty has not called malloc yet.
. "$(dirname "$0")/jack_demo_lib.sh"

out=tests/jack_demo_naughty.out
err=tests/jack_demo_naughty.err

jack_demo_require_binary
jack_demo_sanitized &&
    skip "built with a sanitizer that replaces malloc: the guard cannot see the demo's mallocs"
mkdir -p tests
jack_demo_start_server 64 tests/jack_demo_naughty.jackd.log

# Trap mode (the default: RTALLOC_GUARD unset).
env -u RTALLOC_GUARD "$JACK_DEMO" --server "$jack_demo_server" --seconds 60 --no-connect \
    --naughty >"$out" 2>"$err"
rc=$?
echo "--- rtalloc-jack-demo --naughty (trap mode): exit $rc"
sed 's/^/stderr: /' "$err" | head -n 40
[ "$rc" -ne 0 ] || fail "--naughty exited 0: the malloc in the callback was not trapped"
grep -q '^rtalloc-guard: ' "$err" || fail "no rtalloc-guard report on stderr"
grep -q 'malloc' "$err" || fail "the guard report does not name malloc"
grep -q '^cycles: ' "$out" && fail "the demo reached its report: it was not stopped by the trap"
ok "--naughty trapped: exit $rc, guard report on stderr"

# Count mode: runs through, counts, fails its own verdict.
seconds=2
while :; do
    RTALLOC_GUARD=count "$JACK_DEMO" --server "$jack_demo_server" --seconds "$seconds" \
        --no-connect --naughty >"$out" 2>"$err"
    rc=$?
    echo "--- RTALLOC_GUARD=count rtalloc-jack-demo --naughty --seconds $seconds: exit $rc"
    cat "$out"
    sed 's/^/stderr: /' "$err"
    allocs=$(report_value "$out" "system allocations in callback")
    mallocs=$(sed -n 's/.*--naughty called malloc \([0-9]*\) times.*/\1/p' "$out")
    is_count "$allocs" && is_count "$mallocs" || fail "count mode: report lines missing"
    [ "$mallocs" -eq 0 ] || break
    [ "$rc" -eq 0 ] || fail "count mode: exit $rc although --naughty has not called malloc yet"
    [ "$seconds" -lt 32 ] || fail "count mode: --naughty never called malloc in a $seconds s run"
    seconds=$((seconds * 2))
done
[ "$rc" -eq 1 ] || fail "count mode: exit $rc, expected 1"
# Each --naughty step is one malloc and one free: both are system-heap calls.
[ "$allocs" -eq $((2 * mallocs)) ] ||
    fail "count mode: $allocs system-heap calls counted for $mallocs malloc/free pairs"
grep -q 'FAILED: the callback made' "$err" || fail "count mode: no failure verdict on stderr"
ok "count mode: $mallocs malloc/free pairs in the callback, $allocs system-heap calls counted, exit 1"
exit 0
