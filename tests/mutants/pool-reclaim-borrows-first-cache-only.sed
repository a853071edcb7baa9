# file: src/pool.c
# bug: the reclaim pass borrows only the first cache, not every cache a thread ever claimed
/^static int reclaim(/,/^}/ s/^    unsigned caches = caches_used(h);$/    unsigned caches = caches_used(h) > 0 ? 1 : 0;/
