# file: src/alloc.c
# bug: a debug rta_free_sized with a wrong size traps but does not free (issue 18)
s/^            rta__trap(h, RTA_TRAP_SIZE_MISMATCH, sized, p);$/            { rta__trap(h, RTA_TRAP_SIZE_MISMATCH, sized, p); return; }/
