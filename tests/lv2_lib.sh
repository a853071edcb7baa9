# Shared helpers of the tests/lv2_*.sh tests (sourced, not run).  They run
# in the build directory, where `make` assembled the bundle
# lv2/rtalloc-synth.lv2; LV2_PATH points there (and at the system's LV2
# specifications), so an installed copy of the plugin is never the one
# tested.  lilv-utils, jalv and jackd2 are test dependencies that
# scripts/install-deps installs: a missing one is a failure, not a skip.
LV2_URI=urn:rtalloc:examples:synth
LV2_PATH=$PWD/lv2:/usr/lib/lv2
export LV2_PATH
PLUGIN_SO=$PWD/lv2/rtalloc-synth.lv2/rtalloc_synth.so
GUARD_LIB=$PWD/guard/.libs/librtalloc_guard.so
LV2_WAV=./tests/lv2_wav
unset RTALLOC_GUARD RTALLOC_GUARD_STRICT RTALLOC_GUARD_SUPPRESS RTALLOC_LV2_NAUGHTY \
    RTALLOC_LV2_STATS
failed=0

skip() {
    echo "SKIP: $*"
    exit 77
}

die() {
    echo "FAIL: $*"
    exit 1
}

# check WHAT STATUS: one assertion; the test fails at the end if any did.
check() {
    if [ "$2" = 0 ]; then
        echo "  ok: $1"
    else
        echo "  FAILED: $1"
        failed=1
    fi
}

require_tools() {
    for t in "$@"; do
        command -v "$t" >/dev/null ||
            die "$t is not installed (scripts/install-deps installs lilv-utils, jalv, jackd2)"
    done
    [ -f "$PLUGIN_SO" ] || die "$PLUGIN_SO was not built"
}

# plugin_sanitized: 0 when the plugin was built with ASan/TSan, whose
# runtime owns malloc (the guard sees nothing) and must come first.
plugin_sanitized() {
    nm -D "$PLUGIN_SO" 2>/dev/null | grep -Eq '__(asan|tsan|msan)_init'
}

# stat FILE KEY: KEY's value in the plugin's last "rtalloc-synth: k=v ..." line.
stat() {
    grep '^rtalloc-synth: ' "$1" | tail -n 1 | tr ' ' '\n' | sed -n "s/^$2=//p"
}

# wav FILE FROM TO KEY: a figure of tests/lv2_wav analyze.
wav() {
    "$LV2_WAV" analyze "$1" "$2" "$3" | sed -n "s/^$4: //p"
}

# between VALUE LOW HIGH: LOW <= VALUE <= HIGH (decimals allowed).
between() {
    awk -v v="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(v != "" && v + 0 >= lo && v + 0 <= hi) }'
}
