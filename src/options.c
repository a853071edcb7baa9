/* RTALLOC_OPTIONS: the process heap's configuration, "key=value" items
 * separated by commas (see rtalloc.h, rta_process_heap).
 *
 * The parser runs while the process heap is made, which may be inside the
 * process's first malloc: it allocates nothing, calls no stdio and keeps
 * the result in the caller's struct.  A bad item costs one line on the
 * error descriptor and leaves that key at its default; the others still
 * apply.  librtalloc_malloc compiles this file too, to read the rt= and
 * stats= keys it acts on, with error lines off (librtalloc writes them
 * once). */
#include "internal.h"

#include <string.h>

void rta__options_defaults(struct rta__options *o)
{
    memset(o, 0, sizeof *o);
    rta_config_defaults(&o->cfg);
    o->cfg.pool_bytes = RTA__PROCESS_POOL;
    o->cfg.arena_bytes = RTA__PROCESS_ARENA;
    o->cfg.max_block = RTA__PROCESS_MAX_BLOCK;
    o->cfg.max_threads = RTA__PROCESS_THREADS;
    o->rt = RTA__RT_COUNT;
}

/* "64M", "512k", "1G", "4096": bytes, or 0 for anything else. */
static size_t parse_size(const char *s, size_t len)
{
    size_t v = 0, i = 0;
    if (len == 0)
        return 0;
    for (; i < len && s[i] >= '0' && s[i] <= '9'; i++)
        if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, (size_t)(s[i] - '0'), &v))
            return 0;
    if (i == 0)
        return 0;
    unsigned shift = 0;
    if (i < len) {
        switch (s[i]) {
        case 'k': case 'K': shift = 10; break;
        case 'm': case 'M': shift = 20; break;
        case 'g': case 'G': shift = 30; break;
        default: return 0;
        }
        if (++i < len && (s[i] == 'b' || s[i] == 'B'))
            i++;
    }
    if (i != len || (shift && v > (SIZE_MAX >> shift)))
        return 0;
    return v << shift;
}

static int parse_bool(const char *s, size_t len)
{
    if (len == 1 && (s[0] == '0' || s[0] == '1'))
        return s[0] - '0';
    return -1;
}

static int equals(const char *s, size_t len, const char *word)
{
    return strlen(word) == len && memcmp(s, word, len) == 0;
}

static void complain(int fd, const char *what, const char *item, size_t len, const char *then)
{
    if (fd < 0)
        return;
    struct rta__fmt f = {.len = 0};
    rta__fmt_str(&f, "rtalloc: RTALLOC_OPTIONS: ");
    rta__fmt_str(&f, what);
    rta__fmt_str(&f, " '");
    for (size_t i = 0; i < len && f.len < sizeof f.buf; i++)
        f.buf[f.len++] = item[i];
    rta__fmt_str(&f, "': ");
    rta__fmt_str(&f, then);
    rta__fmt_str(&f, "\n");
    rta__fmt_flush(&f, fd);
}

static void set_flag(unsigned *flags, unsigned flag, int on)
{
    *flags = on ? (*flags | flag) : (*flags & ~flag);
}

/* One item; 0 if applied, -1 if bad (reported). */
static int apply(struct rta__options *o, const char *item, size_t len, int fd)
{
    const char *eq = memchr(item, '=', len);
    if (!eq) {
        complain(fd, "not key=value:", item, len, "ignored");
        return -1;
    }
    size_t klen = (size_t)(eq - item);
    const char *v = eq + 1;
    size_t vlen = len - klen - 1;
    size_t size;
    int b;

    if (equals(item, klen, "pool") || equals(item, klen, "arena") ||
        equals(item, klen, "max_block")) {
        size = parse_size(v, vlen);
        int is_arena = equals(item, klen, "arena");
        /* arena=0 means no frame arena; 0 is no pool size. */
        if (size == 0 && !(is_arena && vlen == 1 && v[0] == '0'))
            goto bad_value;
        if (is_arena)
            o->cfg.arena_bytes = size;
        else if (item[0] == 'p')
            o->cfg.pool_bytes = size;
        else
            o->cfg.max_block = size;
    } else if (equals(item, klen, "threads")) {
        size = parse_size(v, vlen);
        if (size == 0 || size > RTA__MAX_THREADS_LIMIT)
            goto bad_value;
        o->cfg.max_threads = (unsigned)size;
    } else if (equals(item, klen, "lock") || equals(item, klen, "prefault") ||
               equals(item, klen, "debug")) {
        if ((b = parse_bool(v, vlen)) < 0)
            goto bad_value;
        if (item[0] == 'l')
            set_flag(&o->cfg.flags, RTA_LOCK_MEMORY, b);
        else if (item[0] == 'p')
            set_flag(&o->cfg.flags, RTA_NO_PREFAULT, !b);
        else
            set_flag(&o->cfg.flags, RTA_DEBUG, b);
    } else if (equals(item, klen, "rt")) {
        if (equals(v, vlen, "off"))
            o->rt = RTA__RT_OFF;
        else if (equals(v, vlen, "count"))
            o->rt = RTA__RT_COUNT;
        else if (equals(v, vlen, "trap"))
            o->rt = RTA__RT_TRAP;
        else
            goto bad_value;
        o->rt_given = 1;
    } else if (equals(item, klen, "stats")) {
        if (vlen == 0 || vlen >= sizeof o->stats)
            goto bad_value;
        memcpy(o->stats, v, vlen);
        o->stats[vlen] = '\0';
    } else {
        complain(fd, "unknown key in", item, len, "ignored");
        return -1;
    }
    return 0;
bad_value:
    complain(fd, "bad value in", item, len, "the default is used");
    return -1;
}

int rta__options_parse(struct rta__options *o, const char *s, int err_fd)
{
    int bad = 0;
    if (!s)
        return 0;
    while (*s) {
        const char *end = strchr(s, ',');
        size_t len = end ? (size_t)(end - s) : strlen(s);
        /* Empty items (",,", a trailing comma) are harmless. */
        if (len && apply(o, s, len, err_fd) < 0)
            bad++;
        if (!end)
            break;
        s = end + 1;
    }
    return bad;
}
