# file: src/heap.c
# bug: RTA_ERR_LOCK leaves the region mapped (doc/BAD-INPUT.md: leaves nothing mapped)
/if (rta__os_lock(region, region_bytes) != 0) {/,/return RTA_ERR_LOCK;/ s/^                rta__os_unmap(region, region_bytes);$/                (void)region_bytes;/
