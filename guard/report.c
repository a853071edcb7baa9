/* The guard's reports, async-signal-safe: text is built in a stack buffer
 * by hand (no printf, no malloc) and written with the raw write system
 * call, so a report can be made from inside malloc on a real-time thread
 * and never re-enters the guard (its own write wrapper is bypassed).
 *
 * A report names the call and its arguments, the thread (id and name)
 * and the stack: each frame with its function name where the dynamic or
 * the ELF symbol table has one (symbols.c), and always its module and
 * offset, so `addr2line -f -C -e MODULE OFFSET` resolves the rest.  Frames
 * inside the guard itself are left out.  backtrace() is called once at
 * init: its first call loads libgcc_s, which allocates. */
#include "guard.h"

#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <stdlib.h>
#include <pthread.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#ifdef HAVE_EXECINFO_H
#include <execinfo.h>
#endif

void rta__gbuf_str(struct rta__gbuf *b, const char *s)
{
    while (*s && b->len < b->cap)
        b->p[b->len++] = *s++;
}

void rta__gbuf_dec(struct rta__gbuf *b, uint64_t v)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n > 0 && b->len < b->cap)
        b->p[b->len++] = tmp[--n];
}

void rta__gbuf_hex(struct rta__gbuf *b, uint64_t v)
{
    static const char digits[] = "0123456789abcdef";
    char tmp[16];
    int n = 0;
    do {
        tmp[n++] = digits[v & 15];
        v >>= 4;
    } while (v);
    rta__gbuf_str(b, "0x");
    while (n > 0 && b->len < b->cap)
        b->p[b->len++] = tmp[--n];
}

void rta__guard_write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        long w = syscall(SYS_write, fd, p, n);
        if (w <= 0)
            return; /* nothing sensible to do about a failing stderr */
        p += w;
        n -= (size_t)w;
    }
}

void rta__gbuf_flush(struct rta__gbuf *b, int fd)
{
    rta__guard_write_all(fd, b->p, b->len);
    b->len = 0;
}

int rta__guard_gettid(void)
{
    if (!rta__guard_tls.tid)
        rta__guard_tls.tid = (int)syscall(SYS_gettid);
    return rta__guard_tls.tid;
}

/* A forked child's thread has a new id, and the child's summary counts
 * its own calls only. */
static void forget_tid(void)
{
    rta__guard_tls.tid = 0;
    rta__guard_forget_counts();
}

/* The guard's own module, to leave its frames out of stacks. */
static const void *guard_base;

void rta__guard_report_init(void)
{
    Dl_info info;
    if (dladdr((const void *)&rta__guard_report_init, &info))
        guard_base = info.dli_fbase;
    (void)pthread_atfork(NULL, NULL, forget_tid);
#ifdef HAVE_BACKTRACE
    void *frames[4];
    (void)backtrace(frames, 4);
#endif
}

static void append_call(struct rta__gbuf *b, const struct rta__guard_call *call,
                        const uintptr_t args[3])
{
    rta__gbuf_str(b, call->name);
    rta__gbuf_str(b, "(");
    for (int i = 0; i < 3 && call->args[i]; i++) {
        if (i)
            rta__gbuf_str(b, ", ");
        switch (call->args[i]) {
        case 'p':
            rta__gbuf_hex(b, args[i]);
            break;
        case 'b':
            rta__gbuf_dec(b, args[i]);
            rta__gbuf_str(b, " bytes");
            break;
        default: /* 'z', 'd' */
            rta__gbuf_dec(b, args[i]);
            break;
        }
    }
    rta__gbuf_str(b, ")");
}

/* One frame: its function (from the dynamic or the ELF symbol table,
 * demangled) when known, and always its module and offset, what
 * `addr2line -f -C -e MODULE OFFSET` takes.  Returns 1 when the function
 * is unknown. */
static int append_frame(struct rta__gbuf *b, int index, void *frame)
{
    struct rta__guard_sym sym;
    rta__guard_symbolize(frame, &sym);
    rta__gbuf_str(b, "rtalloc-guard:   #");
    rta__gbuf_dec(b, (uint64_t)index);
    rta__gbuf_str(b, " ");
    rta__gbuf_hex(b, (uintptr_t)frame);
    if (sym.func[0]) {
        rta__gbuf_str(b, " in ");
        rta__gbuf_str(b, sym.func);
        rta__gbuf_str(b, "+");
        rta__gbuf_hex(b, sym.func_off);
    }
    if (sym.module[0]) {
        rta__gbuf_str(b, " (");
        rta__gbuf_str(b, sym.module);
        rta__gbuf_str(b, "+");
        rta__gbuf_hex(b, sym.offset);
        rta__gbuf_str(b, ")");
    }
    rta__gbuf_str(b, "\n");
    return !sym.func[0] && sym.module[0];
}

static int in_guard(void *frame)
{
    Dl_info info;
    return guard_base && dladdr(frame, &info) && info.dli_fbase == guard_base;
}

void rta__guard_report(int fd, const char *tag, const struct rta__guard_call *call,
                       const uintptr_t args[3], uint64_t thread_count, int tid,
                       const char *thread_name, void *const *frames, int nframes)
{
    char text[512];
    struct rta__gbuf b = {text, 0, sizeof text};

    rta__gbuf_str(&b, "rtalloc-guard: ");
    rta__gbuf_str(&b, tag);
    append_call(&b, call, args);
    rta__gbuf_str(&b, call->blocking ? " blocks in a real-time section\n"
                                     : " in a real-time section\n");
    rta__gbuf_str(&b, "rtalloc-guard:   thread ");
    rta__gbuf_dec(&b, (uint64_t)tid);
    rta__gbuf_str(&b, " \"");
    rta__gbuf_str(&b, thread_name);
    rta__gbuf_str(&b, "\"");
    if (!call->blocking) {
        rta__gbuf_str(&b, ", system-heap call ");
        rta__gbuf_dec(&b, thread_count);
        rta__gbuf_str(&b, " in RT sections on this thread");
    }
    rta__gbuf_str(&b, "\n");
    rta__gbuf_flush(&b, fd);

    int first = 0;
    while (first < nframes - 1 && in_guard(frames[first]))
        first++;
    if (nframes == 0) {
        rta__gbuf_str(&b, "rtalloc-guard:   (no stack trace on this system)\n");
        rta__gbuf_flush(&b, fd);
    }
    /* The guard's own frames (its wrappers, the trampolines that make a
     * callback an RT section) are left out wherever they are. */
    int unnamed = 0, shown = 0;
    for (int i = first; i < nframes; i++) {
        if (i > first && in_guard(frames[i]))
            continue;
        unnamed |= append_frame(&b, shown++, frames[i]);
        rta__gbuf_flush(&b, fd);
    }
    if (unnamed) {
        rta__gbuf_str(&b, "rtalloc-guard:   (unnamed frames: addr2line -f -C -e MODULE OFFSET, "
                          "with the module's debug symbols installed)\n");
        rta__gbuf_flush(&b, fd);
    }
}

void rta__guard_trap(const struct rta__guard_call *call, const uintptr_t args[3],
                     uint64_t thread_count, const struct rta__guard_site *site)
{
    void *frames[RTA__GUARD_FRAMES];
    int nframes = 0;
    char name[17] = "";
    if (site) {
        nframes = site->nframes;
        memcpy(frames, site->frames, sizeof frames);
    } else {
#ifdef HAVE_BACKTRACE
        nframes = backtrace(frames, RTA__GUARD_FRAMES);
#endif
    }
    (void)prctl(PR_GET_NAME, name, 0, 0, 0);
    rta__guard_report(2, "trap: ", call, args, thread_count, rta__guard_gettid(), name, frames,
                      nframes);
    static const char tail[] =
        "rtalloc-guard: abort() (RTALLOC_GUARD=trap; RTALLOC_GUARD=count only counts)\n";
    rta__guard_write_all(2, tail, sizeof tail - 1);
    abort();
}
