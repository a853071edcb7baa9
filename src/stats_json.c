/* rta_stats as one JSON object (the input of rtalloc-plan): every field
 * of rta_stats by its name, the classes as an array of objects.  Written
 * with write(2) from the stack buffer of fmt.c, flushed whenever it fills,
 * so it allocates nothing and can run at exit inside a process whose
 * malloc is rtalloc. */
#include "internal.h"

#include <errno.h>

struct out {
    struct rta__fmt f;
    int fd;
    int rc;
};

static void flush_if_full(struct out *o)
{
    if (o->f.len > sizeof o->f.buf - 128) {
        o->rc |= rta__os_write(o->fd, o->f.buf, o->f.len);
        o->f.len = 0;
    }
}

static void key(struct out *o, const char *name, int first)
{
    flush_if_full(o);
    rta__fmt_str(&o->f, first ? "\"" : ", \"");
    rta__fmt_str(&o->f, name);
    rta__fmt_str(&o->f, "\": ");
}

static void num(struct out *o, const char *name, uint64_t v, int first)
{
    key(o, name, first);
    rta__fmt_u64(&o->f, v);
}

static void boolean(struct out *o, const char *name, int v)
{
    key(o, name, 0);
    rta__fmt_str(&o->f, v ? "true" : "false");
}

RTA_API int rta_stats_write_json(const rta_heap *h, int fd)
{
    if (!h) {
        errno = EINVAL;
        return -1;
    }
    rta_stats st;
    rta_stats_get(h, &st);
    struct out o = {.f = {.len = 0}, .fd = fd, .rc = 0};

    rta__fmt_str(&o.f, "{");
    num(&o, "bytes_reserved", st.bytes_reserved, 1);
    num(&o, "bytes_live", st.bytes_live, 0);
    num(&o, "bytes_peak", st.bytes_peak, 0);
    num(&o, "allocs", st.allocs, 0);
    num(&o, "frees", st.frees, 0);
    num(&o, "failures", st.failures, 0);
    num(&o, "fallbacks", st.fallbacks, 0);
    num(&o, "remote_frees", st.remote_frees, 0);
    num(&o, "bad_frees", st.bad_frees, 0);
    boolean(&o, "memory_locked", st.memory_locked);
    num(&o, "n_classes", st.n_classes, 0);
    key(&o, "classes", 0);
    rta__fmt_str(&o.f, "[");
    for (unsigned k = 0; k < st.n_classes; k++) {
        const rta_class_stats *c = &st.classes[k];
        flush_if_full(&o);
        rta__fmt_str(&o.f, k ? ",\n  {" : "\n  {");
        num(&o, "block_size", c->block_size, 1);
        num(&o, "live", c->live, 0);
        num(&o, "peak", c->peak, 0);
        num(&o, "capacity", c->capacity, 0);
        rta__fmt_str(&o.f, "}");
    }
    rta__fmt_str(&o.f, "],\n");
    key(&o, "frame_arena", 1);
    rta__fmt_str(&o.f, "{");
    num(&o, "used", st.frame_arena.used, 1);
    num(&o, "peak", st.frame_arena.peak, 0);
    num(&o, "capacity", st.frame_arena.capacity, 0);
    num(&o, "resets", st.frame_arena.resets, 0);
    num(&o, "overflows", st.frame_arena.overflows, 0);
    rta__fmt_str(&o.f, "}");
    num(&o, "pool_bytes_free", st.pool_bytes_free, 0);
    num(&o, "threads_attached", st.threads_attached, 0);
    num(&o, "threads_peak", st.threads_peak, 0);
    boolean(&o, "profile", st.profile);
    num(&o, "max_block", h->max_block, 0);
    num(&o, "max_threads", h->max_threads, 0);
    num(&o, "span_bytes", st.span_bytes, 0);
    num(&o, "spans_peak", st.spans_peak, 0);
    num(&o, "arena_pool_bytes", st.arena_pool_bytes, 0);
    rta__fmt_str(&o.f, "}\n");
    o.rc |= rta__os_write(fd, o.f.buf, o.f.len);
    return o.rc ? -1 : 0;
}
