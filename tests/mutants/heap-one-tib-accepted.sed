# file: src/heap.c
# bug: a pool of exactly 1 TiB passes the config check (sizes must be below 1 TiB)
s/cfg->pool_bytes >= LIMIT_BYTES/cfg->pool_bytes > LIMIT_BYTES/
