# file: src/fallback.c
# bug: a fallback block's slot is not released, so a second free goes to free() again
/^int rta__fallback_free(/,/^}/ s/^    if (!s || !atomic_compare_exchange_strong_explicit(&s->key, &k, 1, memory_order_acq_rel,$/    if (!s || !atomic_compare_exchange_strong_explicit(\&s->key, \&k, k, memory_order_acq_rel,/
