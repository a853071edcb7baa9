#!/bin/sh
# rtalloc-guard(1) renders with man -l: no groff warning, and the sections
# a user looks for are there.
page=$(dirname "$0")/../guard/rtalloc-guard.1
command -v man >/dev/null || { echo "FAIL: man not installed (Debian: man-db)"; exit 1; }
out=$(LC_ALL=C MANWIDTH=80 man -l --warnings "$page" 2>&1 >/dev/null)
[ -z "$out" ] || { echo "FAIL: man -l warns:"; echo "$out"; exit 1; }
text=$(LC_ALL=C MANWIDTH=80 man -l "$page" 2>/dev/null | col -b)
fail=0
printf '%s\n' "$text" | grep -q '^ *rtalloc-guard  *- find system-heap' ||
    { echo "  FAILED: no NAME line"; fail=1; }
for want in 'RTALLOC_GUARD_SUPPRESS=file' 'RTALLOC_GUARD_SKIP_CYCLES=n' \
    'RTALLOC_GUARD_EXIT_CODE=n' 'nothing watched' 'rtalloc-guard[4242 jalv]:'; do
    if printf '%s\n' "$text" | grep -qF -- "$want"; then
        echo "  ok: $want"
    else
        echo "  FAILED: rendered page lacks '$want'"
        fail=1
    fi
done
exit $fail
