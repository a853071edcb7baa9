#!/bin/sh
# The shared library exports only rta_* names, and every function of the
# public contract is among them.  Run from the build directory by
# `make check`; skips (77) when no shared library was built.
lib=${RTA_LIB:-src/.libs/librtalloc.so}
nm_tool=${NM:-nm}
if test ! -f "$lib"; then
    echo "check_exports: $lib not built (static-only build?), skipped"
    exit 77
fi
# Type A entries are version-script node names, not symbols.
defined=$($nm_tool -D --defined-only "$lib" | awk 'NF >= 3 && $2 != "A" { print $3 }' |
    sed 's/@.*//' | sort -u)
if test -z "$defined"; then
    echo "check_exports: nm found no dynamic symbols in $lib"
    exit 1
fi
status=0
for sym in $defined; do
    case $sym in
    rta_*) ;;
    *)
        echo "check_exports: exported symbol outside rta_: $sym"
        status=1
        ;;
    esac
done
for fn in rta_version rta_config_defaults rta_heap_create rta_heap_destroy \
    rta_strerror rta_trap_name rta_thread_attach rta_thread_detach \
    rta_malloc rta_calloc rta_realloc rta_aligned_alloc rta_free \
    rta_free_sized rta_usable_size rta_owns rta_heap_arena \
    rta_arena_create rta_arena_alloc rta_arena_reset rta_arena_mark \
    rta_arena_rewind rta_arena_used rta_arena_capacity rta_rt_enter \
    rta_rt_leave rta_rt_active rta_rt_system_allocs \
    rta_rt_note_system_alloc rta_stats_get rta_arena_stats_get \
    rta_stats_write; do
    if ! echo "$defined" | grep -qx "$fn"; then
        echo "check_exports: public function not exported: $fn"
        status=1
    fi
done
test $status -eq 0 && echo "check_exports: $(echo "$defined" | wc -l) symbols, all rta_*"
exit $status
