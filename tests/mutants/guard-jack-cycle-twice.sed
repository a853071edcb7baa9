# file: guard/sections.c guard/jack.c
# bug: the guard counts each JACK cycle twice (issue 18)
/^void rta__guard_jack_cycle_done(/,/^}/ s/__atomic_add_fetch(&cycles, 1, __ATOMIC_RELAXED);/__atomic_add_fetch(\&cycles, 2, __ATOMIC_RELAXED);/
/^void rtsection_cycle_end(/,/^}/ s/__atomic_add_fetch(&sections\[c->kind\], 1, __ATOMIC_RELAXED);/__atomic_add_fetch(\&sections[c->kind], 2, __ATOMIC_RELAXED);/
