# file: src/tcache.c
# bug: a cache given back (detach, thread exit) stays claimed, so no other thread can have it
/^static void release(/,/^}/ s/^    atomic_store_explicit(&c->claimed, 0, memory_order_release);$/    (void)c;/
