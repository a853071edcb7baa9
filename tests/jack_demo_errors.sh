#!/bin/sh
# rtalloc-jack-demo's errors: a bad option or a missing JACK server gives
# a clear message and a non-zero exit status, never a crash (a signal).
# Needs no server: the one it asks for is a unique name nobody started.
. "$(dirname "$0")/jack_demo_lib.sh"

out=tests/jack_demo_errors.out
err=tests/jack_demo_errors.err

jack_demo_require_binary
mkdir -p tests

# expect STATUS PATTERN ARGS...: exit STATUS and PATTERN in stderr.
expect() {
    want=$1 pattern=$2
    shift 2
    "$JACK_DEMO" "$@" >"$out" 2>"$err"
    rc=$?
    [ "$rc" -eq "$want" ] || { cat "$err"; fail "'$*' exited $rc, expected $want"; }
    grep -q -- "$pattern" "$err" || { cat "$err"; fail "'$*': no '$pattern' on stderr"; }
    ok "'$*' -> exit $rc: $(grep -- "$pattern" "$err" | head -n 1)"
}

expect 2 "unknown option '--bogus'" --bogus
expect 2 "unknown option '-x'" -x
expect 2 "needs a value" --seconds
expect 2 "whole number" --seconds 0
expect 2 "whole number" --seconds 5s
expect 2 "'float' or 's16'" --record-format wav
expect 2 "unexpected argument" extra
expect 1 "cannot connect to the JACK server 'rtalloc-nobody-$$'" \
    --server "rtalloc-nobody-$$" --seconds 1

"$JACK_DEMO" --help >"$out" 2>"$err"
rc=$?
[ "$rc" -eq 0 ] && grep -q -- '--seconds N' "$out" && grep -q -- '--naughty' "$out" ||
    fail "--help: exit $rc or options missing"
ok "--help -> exit 0, lists the options"
exit 0
