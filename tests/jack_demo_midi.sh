#!/bin/sh
# The demo's JACK MIDI input on a real JACK server: jack_midiseq (from
# jackd2) plays a two-note loop into rtalloc-demo:midi_in while the demo
# runs.  Asserts that the callback read MIDI events (at least one loop of
# the sequence: two note-ons and two note-offs) and started voices from
# them, that this cost zero system-heap calls with the arena reset every
# cycle, and that the heap's statistics account for every allocation
# (exit 0).  No rate is asserted: the demo runs 3 s, and again for twice
# as long while fewer than one loop's events arrived, up to a hang guard.
. "$(dirname "$0")/jack_demo_lib.sh"

out=tests/jack_demo_midi.out
err=tests/jack_demo_midi.err
seq_pid=
demo_pid=

jack_demo_require_binary
command -v jack_midiseq >/dev/null || skip "jack_midiseq is not installed (Debian: jackd2)"
command -v jack_connect >/dev/null || skip "jack_connect is not installed (Debian: jackd2)"
mkdir -p tests
jack_demo_start_server 64 tests/jack_demo_midi.jackd.log
cleanup() {
    [ -z "$seq_pid" ] || { kill "$seq_pid" 2>/dev/null; wait "$seq_pid" 2>/dev/null; }
    [ -z "$demo_pid" ] || { kill "$demo_pid" 2>/dev/null; wait "$demo_pid" 2>/dev/null; }
    jack_demo_stop_server
}
trap cleanup EXIT

# wait_port NAME: until the server lists port NAME (a 60 s hang guard).
wait_port() {
    tries=0
    until jack_lsp -s "$jack_demo_server" 2>/dev/null | grep -qx "$1"; do
        tries=$((tries + 1))
        [ "$tries" -lt 600 ] || fail "port $1 did not appear within 60 s"
        sleep 0.1
    done
}

# wait_port_gone NAME: until the server no longer lists port NAME.
wait_port_gone() {
    tries=0
    while jack_lsp -s "$jack_demo_server" 2>/dev/null | grep -qx "$1"; do
        tries=$((tries + 1))
        [ "$tries" -lt 600 ] || fail "port $1 did not go away within 60 s"
        sleep 0.1
    done
}

# One client at a time: the sequencer first, then the demo, then the
# connection, so no two graph changes race.
# A 0.25 s loop at 48 kHz: C4 for 6000 frames, then E4 for 3000.
JACK_DEFAULT_SERVER=$jack_demo_server JACK_NO_START_SERVER=1 \
    jack_midiseq rta-seq 12000 0 60 6000 6000 64 3000 >/dev/null 2>&1 &
seq_pid=$!
wait_port rta-seq:out

seconds=3
while :; do
    "$JACK_DEMO" --server "$jack_demo_server" --seconds "$seconds" --no-connect >"$out" 2>"$err" &
    demo_pid=$!
    wait_port rtalloc-demo:midi_in
    jack_connect -s "$jack_demo_server" rta-seq:out rtalloc-demo:midi_in ||
        fail "could not connect rta-seq:out to rtalloc-demo:midi_in"
    ok "rta-seq:out -> rtalloc-demo:midi_in"
    wait "$demo_pid"
    rc=$?
    demo_pid=
    cat "$out"
    sed 's/^/stderr: /' "$err"
    [ "$rc" -eq 0 ] || fail "the demo exited with $rc, expected 0"
    midi=$(sed -n 's/.*MIDI events \([0-9]*\);.*/\1/p' "$out")
    is_count "$midi" || fail "no MIDI line in the report"
    [ "$midi" -lt 4 ] || break
    [ "$seconds" -lt 24 ] || fail "after a $seconds s run only $midi MIDI events reached the callback"
    seconds=$((seconds * 2))
    echo "fewer than one loop of MIDI events yet ($midi): again for $seconds s"
    wait_port_gone rtalloc-demo:midi_in
done

voices=$(sed -n 's/.*voices allocated \([0-9]*\),.*/\1/p' "$out")
allocs=$(report_value "$out" "system allocations in callback")
cycles=$(report_value "$out" cycles)
resets=$(report_value "$out" "arena resets")
is_count "$voices" && is_count "$allocs" && is_count "$cycles" && is_count "$resets" ||
    fail "report lines missing"
[ "$voices" -gt 0 ] || fail "no voice allocated"
[ "$allocs" -eq 0 ] || fail "$allocs system-heap calls in the callback"
[ "$resets" -eq "$cycles" ] || fail "arena resets $resets != cycles $cycles"
check_heap_accounts "$out"
ok "$midi MIDI events played, $voices voices, zero system-heap calls, $cycles cycles = arena resets"
exit 0
