/* Formatting into a fixed buffer for reports that must not allocate or
 * call stdio: the trap handler (which may run in a signal handler or a
 * real-time thread) and rta_stats_write.  Output that would overflow the
 * buffer is dropped, never written past it. */
#include "internal.h"

void rta__fmt_str(struct rta__fmt *f, const char *s)
{
    while (*s && f->len < sizeof f->buf)
        f->buf[f->len++] = *s++;
}

void rta__fmt_u64_pad(struct rta__fmt *f, uint64_t v, unsigned width)
{
    char tmp[24];
    unsigned n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (width > n && f->len < sizeof f->buf) {
        f->buf[f->len++] = ' ';
        width--;
    }
    while (n && f->len < sizeof f->buf)
        f->buf[f->len++] = tmp[--n];
}

void rta__fmt_u64(struct rta__fmt *f, uint64_t v)
{
    rta__fmt_u64_pad(f, v, 0);
}

void rta__fmt_hex(struct rta__fmt *f, uintptr_t v)
{
    static const char digits[] = "0123456789abcdef";
    char tmp[2 * sizeof v];
    unsigned n = 0;
    do {
        tmp[n++] = digits[v & 15];
        v >>= 4;
    } while (v);
    rta__fmt_str(f, "0x");
    while (n && f->len < sizeof f->buf)
        f->buf[f->len++] = tmp[--n];
}

void rta__fmt_bytes(struct rta__fmt *f, uint64_t bytes)
{
    rta__fmt_u64(f, bytes);
    if (bytes >= (1u << 20) && bytes % (1u << 20) == 0) {
        rta__fmt_str(f, " (");
        rta__fmt_u64(f, bytes >> 20);
        rta__fmt_str(f, " MiB)");
    } else if (bytes >= 1024 && bytes % 1024 == 0) {
        rta__fmt_str(f, " (");
        rta__fmt_u64(f, bytes >> 10);
        rta__fmt_str(f, " KiB)");
    }
}

void rta__fmt_flush(struct rta__fmt *f, int fd)
{
    rta__os_write_all(fd, f->buf, f->len);
    f->len = 0;
}
