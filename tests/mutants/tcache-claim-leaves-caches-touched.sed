# file: src/tcache.c
# bug: claiming a cache does not raise caches_touched, so statistics skip the cache's counters
/^static struct rta__cache \*claim(/,/^}/ s/^                while (touched < i + 1 \&\&$/                while (0 \&\&/
