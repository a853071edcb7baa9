#!/bin/sh
# The two-step workflow on a real JACK server: the demo with --profile
# writes exact peaks as JSON (and still passes its own verdict: zero
# system-heap calls in the callback, RTA_PROFILE included), and
# rtalloc-plan accepts the profile and prints a configuration.
. "$(dirname "$0")/jack_demo_lib.sh"

out=tests/jack_demo_profile.out
json=tests/jack_demo_profile.json
PLAN=${PLAN:-./tools/rtalloc-plan}

jack_demo_require_binary
mkdir -p tests
jack_demo_start_server 64 tests/jack_demo_profile.jackd.log

"$JACK_DEMO" --server "$jack_demo_server" --seconds 2 --no-connect --profile "$json" >"$out" 2>&1
rc=$?
cat "$out"
[ "$rc" -eq 0 ] || fail "--profile run exited $rc"
grep -q '"profile": true' "$json" || fail "the profile does not say its peaks are exact"
"$PLAN" "$json" >"$out.plan" || fail "rtalloc-plan refused the demo's profile"
cat "$out.plan"
grep -q '^RTALLOC_OPTIONS=pool=[0-9]*,arena=[0-9]*,max_block=[0-9]*,threads=[0-9]*$' "$out.plan" ||
    fail "no RTALLOC_OPTIONS line in rtalloc-plan's output"
ok "--profile wrote an exact profile; rtalloc-plan planned it"
exit 0
