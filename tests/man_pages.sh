#!/bin/sh
# The man pages make install puts in place: each one formats with man -l
# without a warning, has its NAME and SEE ALSO sections, and documents
# what the code takes: every RTALLOC_OPTIONS key (rtalloc.3), every
# rtalloc-run option (rtalloc-run.1), every librtalloc_malloc entry
# point (rtalloc_malloc.3).
srcdir=${srcdir:-.}
# CI installs man-db (scripts/install-deps): missing is a failure there.
command -v man >/dev/null || { echo "FAILED: man not installed (man-db)"; exit 1; }
fail=0
check() {
    if [ "$2" = 0 ]; then echo "  ok: $1"; else echo "  FAILED: $1"; fail=1; fi
}
tmp=${TMPDIR:-/tmp}/rta-man.$$
mkdir -p "$tmp" || exit 1
trap 'rm -rf "$tmp"' EXIT

for page in man/rtalloc.3 man/rtalloc_malloc.3 man/rtalloc-run.1; do
    LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$page" >"$tmp/out" 2>"$tmp/err"
    st=$?
    check "$page: man -l formats it (exit $st)" "$st"
    check "$page: no warnings" "$([ ! -s "$tmp/err" ]; echo $?)"
    [ -s "$tmp/err" ] && sed 's/^/    /' "$tmp/err"
    check "$page: NAME and SEE ALSO" \
        "$(grep -q '^NAME' "$tmp/out" && grep -q '^SEE ALSO' "$tmp/out"; echo $?)"
    check "$page: version filled in" "$(grep -q '@VERSION@' "$tmp/out"; [ $? = 1 ]; echo $?)"
    # One line, single spaces: words wrapped across lines still match.
    tr -s ' \n' '  ' <"$tmp/out" >"$tmp/$(basename "$page").txt"
done

# Every key the options parser takes (src/options.c) is documented.
for key in $(sed -n 's/.*equals(item, klen, "\([a-z_]*\)").*/\1/p' "$srcdir/src/options.c"); do
    check "rtalloc.3 documents $key=" "$(grep -q "$key=" "$tmp/rtalloc.3.txt"; echo $?)"
done
# Every option of rtalloc-run's usage is documented.
for opt in $(sed -n 's/^    \(--[a-z]*\)).*/\1/p; s/^    \(--[a-z]*\) .*/\1/p' "$srcdir/malloc/rtalloc-run.in" | sort -u); do
    check "rtalloc-run.1 documents $opt" "$(grep -q -- "$opt" "$tmp/rtalloc-run.1.txt"; echo $?)"
done
for fn in malloc free calloc realloc reallocarray posix_memalign aligned_alloc memalign valloc \
    pvalloc malloc_usable_size "operator new" "operator delete"; do
    check "rtalloc_malloc.3 names $fn" "$(grep -q "$fn" "$tmp/rtalloc_malloc.3.txt"; echo $?)"
done
exit $fail
