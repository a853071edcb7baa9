# file: src/debug.c
# bug: one RTA_TRAP_LEAK per class with live blocks instead of one for the heap (the header: one)
/^void rta__debug_leak_report(/,/^}/ s/^        rta__fmt_str(&f, " live\\n");$/&\n        rta__trap(h, RTA_TRAP_LEAK, st.classes[c].block_size * st.classes[c].live, NULL);/
/^void rta__debug_leak_report(/,/^}/ s/^    rta__trap(h, RTA_TRAP_LEAK, st.bytes_live, NULL);$/    (void)0;/
