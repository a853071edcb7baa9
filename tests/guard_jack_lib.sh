# Shared part of the guard's JACK tests (sourced, not run): a private JACK
# server (dummy driver, real-time mode) under a unique name, stopped by its
# process id at exit, and the checks' helpers.  A jackd that is missing or
# does not start is a failure, not a skip: CI installs jackd2
# (scripts/install-deps) and must run these tests.
lib=$PWD/guard/.libs/librtalloc_guard.so
[ -f "$lib" ] || { echo "SKIP: $lib not built"; exit 77; }
LD_LIBRARY_PATH=$PWD/src/.libs:$PWD/tests/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export LD_LIBRARY_PATH
unset RTALLOC_GUARD RTALLOC_GUARD_STRICT RTALLOC_GUARD_SUPPRESS RTALLOC_GUARD_ALLOW \
    RTALLOC_GUARD_EXIT_CODE RTALLOC_GUARD_SKIP_CYCLES
# ASan and TSan replace malloc ahead of any preload (and want their
# runtime first): the guard cannot be tested in such a build.
if ldd "$lib" 2>/dev/null | grep -q 'libasan\|libtsan'; then
    echo "SKIP: sanitizer build: the sanitizer's runtime owns malloc"
    exit 77
fi

tmp=${TMPDIR:-/tmp}/rta-guard-jack.$$
mkdir -p "$tmp" || exit 1
server=rta-guard-$$-${RANDOM:-0}
jackd_pid=
stop_jackd() {
    [ -n "$jackd_pid" ] && kill "$jackd_pid" 2>/dev/null && wait "$jackd_pid" 2>/dev/null
    rm -rf "$tmp"
}
trap stop_jackd EXIT
trap 'stop_jackd; exit 1' INT TERM

jackd=${JACKD:-$(command -v jackd)}
if [ -z "$jackd" ] || [ ! -x "$jackd" ] || ! command -v jack_wait >/dev/null; then
    echo "FAIL: jackd or jack_wait not installed (Debian: jackd2; scripts/install-deps)"
    exit 1
fi
JACK_NO_AUDIO_RESERVATION=1 "$jackd" -n "$server" -R -d dummy -r 48000 -p 128 \
    >"$tmp/jackd.log" 2>&1 &
jackd_pid=$!
# Wait until it answers (hang guard: 30 s).
tries=0
until JACK_NO_START_SERVER=1 jack_wait -s "$server" -c 2>/dev/null | grep -qx running; do
    if ! kill -0 "$jackd_pid" 2>/dev/null || [ $tries -ge 300 ]; then
        echo "FAIL: jackd -n $server -R -d dummy did not start:"
        sed 's/^/    /' "$tmp/jackd.log"
        jackd_pid=
        exit 1
    fi
    tries=$((tries + 1))
    sleep 0.1
done

fail=0
check() {
    if [ "$2" = 0 ]; then echo "  ok: $1"; else echo "  FAILED: $1"; fail=1; fi
}
has() { grep -qF -- "$2" "$1"; }
show() { sed 's/^/    /' "$1"; }
field() { sed -n "s/^$2: \([0-9]*\)$/\1/p" "$1"; }
# Summary lines name the process: "rtalloc-guard[PID PROG]: TEXT".
S='rtalloc-guard\[[0-9]* [^]]*\]: '
summary() { grep -qx "$S$2" "$1"; }
summary_field() { # file, text before the number: the number
    sed -n "s/^${S}$2\([0-9]*\).*/\1/p" "$1" | head -1
}
