#!/bin/sh
# The guard preloaded into real programs from Debian on a private dummy
# JACK server, as a user runs it; each summary must attribute the calls to
# the module that made them:
#   jalv -x -p, hosting an LV2 plugin with control outputs (swh-lv2's fast
#       lookahead limiter): jalv's own per-cycle sord_ask allocates in
#       libsord; with `fun:sord_ask` suppressed, trap mode lets the plugin
#       run and count mode counts those calls apart, under libsord, and
#       nothing else
#   fluidsynth playing a MIDI file (no soundfont needed): its calls under
#       libfluidsynth, and in strict mode the file it reads in the
#       callback (fopen, fread)
#   jack-play playing a WAV file: a clean program, 0 calls, no module line
. "$(dirname "$0")/guard_jack_lib.sh"
for p in jalv fluidsynth jack-play jack_lsp; do
    command -v $p >/dev/null || { echo "FAIL: $p not installed (scripts/install-deps)"; exit 1; }
done
plugin=http://plugin.org.uk/swh-plugins/fastLookaheadLimiter
[ -d /usr/lib/lv2/fast_lookahead_limiter-swh.lv2 ] ||
    { echo "FAIL: swh-lv2 not installed (scripts/install-deps)"; exit 1; }
JACK_DEFAULT_SERVER=$server
export JACK_DEFAULT_SERVER

# jalv runs until stopped (it catches SIGTERM and exits: the summary is
# written at exit).
# Its stdin stays open (a FIFO a sleeping writer holds) or it quits at the
# end of its input.
mkfifo "$tmp/stdin" || exit 1
run_jalv() { # env assignments for the guard...
    sleep 300 >"$tmp/stdin" &
    writer=$!
    env "$@" LD_PRELOAD=$lib jalv -x -n rta_jalv -p $plugin <"$tmp/stdin" >"$tmp/out" 2>"$tmp/err" &
    jalv_pid=$!
    tries=0
    until jack_lsp 2>/dev/null | grep -q '^rta_jalv:' || [ $tries -ge 300 ]; do
        sleep 0.1
        tries=$((tries + 1))
    done
    sleep 1 # a few hundred cycles: any number above 0 will do
    kill -TERM $jalv_pid 2>/dev/null
    wait $jalv_pid
    st=$?
    kill $writer 2>/dev/null
    wait $writer 2>/dev/null
    return $st
}
echo 'fun:sord_ask # jalv asks its model for each control output, every cycle' >"$tmp/supp"

run_jalv RTALLOC_GUARD=count
st=$?
n=$(summary_field "$tmp/err" "module libsord-0.so.0: ")
check "jalv, count: ran (status $st), $n calls under libsord" \
    "$([ "${n:-0}" -gt 0 ] && summary "$tmp/err" "jack: [1-9][0-9]* process cycles, .*" &&
       grep -q "^${S}site: [0-9]* [a-z]* in .* (libsord-0.so.0+0x[0-9a-f]*)$" "$tmp/err"; echo $?)"
[ $fail = 0 ] || show "$tmp/err"

run_jalv RTALLOC_GUARD=count RTALLOC_GUARD_SUPPRESS=$tmp/supp
k=$(summary_field "$tmp/err" "module libsord-0.so.0: 0 calls, ")
check "jalv, fun:sord_ask suppressed: $k calls apart under libsord, none left" \
    "$([ "${k:-0}" -gt 0 ] && summary "$tmp/err" "0 system-heap calls in RT sections" &&
       summary "$tmp/err" "$k calls suppressed (RTALLOC_GUARD_SUPPRESS)" &&
       [ "$(grep -c "^${S}module " "$tmp/err")" = 1 ]; echo $?)"
[ $fail = 0 ] || show "$tmp/err"

run_jalv RTALLOC_GUARD=trap RTALLOC_GUARD_SUPPRESS=$tmp/supp
st=$?
check "jalv, trap mode, sord_ask suppressed: the plugin runs until stopped (status $st)" \
    "$([ $st != 134 ] && has "$tmp/out" '> ' && ! grep -q 'rtalloc-guard: trap' "$tmp/err"; echo $?)"
[ $fail = 0 ] || show "$tmp/err"

# A MIDI file: three notes.
printf 'MThd\0\0\0\6\0\0\0\1\0\140MTrk\0\0\0\044\0\220\074\100\140\200\074\0\0\220\076\100\140\200\076\0\0\220\100\100\140\200\100\0\0\377\057\0' \
    >"$tmp/notes.mid"
RTALLOC_GUARD=count RTALLOC_GUARD_STRICT=1 LD_PRELOAD=$lib fluidsynth -ni -a jack \
    -o audio.jack.server="$server" -o audio.jack.autoconnect=0 "$tmp/notes.mid" \
    >"$tmp/out" 2>"$tmp/err"
st=$?
n=$(summary_field "$tmp/err" "module libfluidsynth.so.3: ")
check "fluidsynth: played (exit $st), $n calls under libfluidsynth" \
    "$([ $st = 0 ] && [ "${n:-0}" -gt 0 ]; echo $?)"
check "fluidsynth, strict: the MIDI file opened and read in the callback, by libfluidsynth" \
    "$(grep -q "^${S}site: [0-9]* fopen in .* (libfluidsynth.so.3+0x[0-9a-f]*)$" "$tmp/err" &&
       grep -q "^${S}site: [0-9]* fread in .* (libfluidsynth.so.3+0x[0-9a-f]*)$" "$tmp/err"; echo $?)"
check "fluidsynth: no site inside libc" "$(grep -q "^${S}site: .*(libc\.so" "$tmp/err"; [ $? = 1 ]; echo $?)"
[ $fail = 0 ] || show "$tmp/err"

# One second of silence, 16-bit mono at 48 kHz.
{
    printf 'RIFF\044\167\001\000WAVEfmt \020\000\000\000\001\000\001\000\200\273\000\000'
    printf '\000\167\001\000\002\000\020\000data\000\167\001\000'
    head -c 96000 /dev/zero
} >"$tmp/silence.wav"
RTALLOC_GUARD=count LD_PRELOAD=$lib jack-play "$tmp/silence.wav" >"$tmp/out" 2>"$tmp/err"
st=$?
check "jack-play: played (exit $st), clean: 0 calls, no site, no module line" \
    "$([ $st = 0 ] && summary "$tmp/err" "0 system-heap calls in RT sections" &&
       summary "$tmp/err" "jack: [1-9][0-9]* process cycles, 0 with system-heap calls, worst cycle 0 calls" &&
       ! grep -q "^${S}\(site\|module\) " "$tmp/err"; echo $?)"
[ $fail = 0 ] || show "$tmp/err"
exit $fail
