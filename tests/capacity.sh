#!/bin/sh
# rtalloc-plan's promise against an adversary (doc/CAPACITY.md).  For each
# scenario of tests/capacity_adversary: profile the ordinary workload with
# RTA_PROFILE, let rtalloc-plan size the heap, configure exactly what it
# printed, and run the adversarial schedule, which stays within the
# profile's peaks (the program checks it): zero failures, on the profiled
# paths and on the owner fast paths.  Then the same schedule with one
# span fewer than it held at once must fail: the adversary really needed
# what it held, so the planned figure is measured against a real need.
# The last scenario, random, is 4 threads churning at random within the
# peaks, half the frees remote: real interleavings, zero failures.
# Also: rtalloc-plan refuses a profile whose peaks are not exact.
ADV=${ADV:-./tests/capacity_adversary}
PLAN=${PLAN:-./tools/rtalloc-plan}
dir=$(mktemp -d "${TMPDIR:-/tmp}/rta-capacity.XXXXXX") || exit 1
trap 'rm -rf "$dir"' EXIT
status=0

fail() {
    echo "FAIL: $*"
    status=1
}

for s in one-class staircase cross-thread n-threads orphans random; do
    "$ADV" profile "$s" "$dir/$s.json" || { fail "$s: profile run"; continue; }
    "$PLAN" "$dir/$s.json" >"$dir/$s.plan" || { fail "$s: rtalloc-plan"; continue; }
    opts=$(sed -n 's/^RTALLOC_OPTIONS=//p' "$dir/$s.plan")
    [ -n "$opts" ] || { fail "$s: no RTALLOC_OPTIONS line"; continue; }
    echo "$s: rtalloc-plan: RTALLOC_OPTIONS=$opts"
    if ! "$ADV" attack "$s" "$opts" fast >"$dir/$s.out"; then
        cat "$dir/$s.out"
        fail "$s: the adversary made allocations fail (or left the peaks)"
        continue
    fi
    cat "$dir/$s.out"
    # random is not a constructed worst case: what it holds varies by run.
    [ "$s" = random ] && continue
    needed=$(sed -n 's/.*needed-spans //p' "$dir/$s.out")
    less=$("$ADV" spans "$s" "$opts" $((needed - 1))) || { fail "$s: spans run"; continue; }
    echo "$less"
    case $less in
    *": 0 failures") fail "$s: one span fewer than the adversary held did not fail" ;;
    esac
done

"$ADV" profile one-class "$dir/plain.json" noexact || fail "plain profile run"
if "$PLAN" "$dir/plain.json" >/dev/null 2>"$dir/plain.err"; then
    fail "rtalloc-plan accepted a profile without RTA_PROFILE"
elif ! grep -q "not exact" "$dir/plain.err"; then
    fail "rtalloc-plan's refusal does not say why: $(cat "$dir/plain.err")"
else
    echo "ok: rtalloc-plan refuses a profile whose peaks are not exact"
fi
# README's workflow on the game-loop example: profile, plan, ship.
if ./examples/game_loop --frames 300 --profile "$dir/game.json" >/dev/null &&
    opts=$("$PLAN" "$dir/game.json" | sed -n 's/^RTALLOC_OPTIONS=//p') && [ -n "$opts" ] &&
    ./examples/game_loop --frames 300 --heap "$opts" >"$dir/game.out"; then
    echo "ok: game_loop --profile, rtalloc-plan, game_loop --heap $opts"
else
    fail "game_loop: profile, plan, ship"
fi

# The process heap: RTALLOC_OPTIONS=profile=1,stats=PATH.json writes the
# JSON profile at exit, and rtalloc-plan takes it.
if [ -x ./tests/process_heap_print ]; then
    RTALLOC_OPTIONS=profile=1,stats=$dir/proc.json ./tests/process_heap_print >/dev/null 2>&1 ||
        fail "process heap with profile=1 did not run"
    if grep -q '"profile": true' "$dir/proc.json" 2>/dev/null &&
        "$PLAN" "$dir/proc.json" >/dev/null; then
        echo "ok: RTALLOC_OPTIONS=profile=1,stats=PATH.json: an exact profile rtalloc-plan takes"
    else
        fail "stats=PATH.json with profile=1: no exact JSON profile ($(head -c 200 "$dir/proc.json" 2>&1))"
    fi
fi
exit $status
