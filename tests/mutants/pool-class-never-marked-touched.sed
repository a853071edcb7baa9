# file: src/pool.c
# bug: a class taking its first span is not marked in classes_touched, so statistics skip it
/^static void span_init(/,/^}/ s/^        atomic_fetch_or_explicit(&h->classes_touched, bit, memory_order_release);$/        (void)bit;/
