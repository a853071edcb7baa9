/* RTA_DEBUG: one bit per 16-byte granule of the pools says whether the
 * block starting there is live.  Alloc sets it, free clears it with one
 * atomic operation and learns from the old value whether the block was
 * live: a clear bit is a double free (or a free of a block never handed
 * out), whichever thread frees.  Debug mode also poisons blocks (0xAA
 * when handed out, 0x55 when freed, 0xDD for what an arena drops), the
 * cost of which is the block's size. */
#include "internal.h"

#include <string.h>

static _Atomic uint64_t *word_of(struct rta_heap *h, const void *p, uint64_t *bit)
{
    size_t g = (size_t)((const char *)p - h->pool_base) >> RTA__GRANULE_SHIFT;
    *bit = UINT64_C(1) << (g & 63);
    return &h->debug_bits[g >> 6];
}

int rta__debug_mark_alloc(struct rta_heap *h, void *p)
{
    uint64_t bit;
    _Atomic uint64_t *w = word_of(h, p, &bit);
    return (atomic_fetch_or_explicit(w, bit, memory_order_relaxed) & bit) == 0;
}

int rta__debug_mark_free(struct rta_heap *h, void *p)
{
    uint64_t bit;
    _Atomic uint64_t *w = word_of(h, p, &bit);
    return (atomic_fetch_and_explicit(w, ~bit, memory_order_relaxed) & bit) != 0;
}

void rta__debug_poison(void *p, size_t n, unsigned char byte)
{
    memset(p, byte, n);
}

void rta__debug_leak_report(struct rta_heap *h)
{
    rta_stats st;
    rta_stats_get(h, &st);
    if (st.bytes_live == 0)
        return;
    uint64_t blocks = 0;
    for (unsigned c = 0; c < st.n_classes; c++)
        blocks += st.classes[c].live;
    struct rta__fmt f = {.len = 0};
    rta__fmt_str(&f, "rtalloc: heap destroyed with ");
    rta__fmt_u64(&f, blocks);
    rta__fmt_str(&f, " live blocks, ");
    rta__fmt_u64(&f, st.bytes_live);
    rta__fmt_str(&f, " bytes\n");
    for (unsigned c = 0; c < st.n_classes; c++) {
        if (!st.classes[c].live)
            continue;
        rta__fmt_str(&f, "rtalloc:   class ");
        rta__fmt_u64_pad(&f, st.classes[c].block_size, 7);
        rta__fmt_str(&f, " B: ");
        rta__fmt_u64(&f, st.classes[c].live);
        rta__fmt_str(&f, " live\n");
        if (f.len > sizeof f.buf - 80)
            rta__fmt_flush(&f, 2);
    }
    rta__fmt_flush(&f, 2);
    rta__trap(h, RTA_TRAP_LEAK, st.bytes_live, NULL);
}
