/* The summary of count and log mode, written at exit, on SIGINT or
 * SIGTERM, or when the program asks (rta_guard_summary_write).
 *
 * Every line starts "rtalloc-guard[PID prog]: ", so the summaries of a
 * program's children (which inherit the preload) are told from its own.
 * It gives the calls seen (suppressed ones apart), the cycles of the
 * watched callbacks, or says that nothing was watched; then the top call
 * sites, each attributed to the first frame outside libc, libstdc++,
 * libjack and the guard (so one regcomp is one site, not one per malloc
 * inside it), and the calls of each module those frames belong to.
 *
 * RTALLOC_GUARD_EXIT_CODE=N makes the process exit with status N when an
 * unsuppressed call was seen.  The handlers for SIGINT and SIGTERM are
 * installed only where the program left the default action; they write
 * the summary and then die of the signal as the default would (or exit
 * with N).  Symbolizing in a signal handler can deadlock if the signal
 * interrupted the dynamic loader; the guard accepts that risk rather
 * than lose the summary. */
#include "guard.h"

#include "rtsection.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

extern char *program_invocation_short_name;

#define TOP_SITES 16

static int exit_code = -1; /* RTALLOC_GUARD_EXIT_CODE, -1: unset */

void rta__guard_prefix(struct rta__gbuf *b)
{
    rta__gbuf_str(b, "rtalloc-guard[");
    rta__gbuf_dec(b, (uint64_t)syscall(SYS_getpid));
    rta__gbuf_str(b, " ");
    rta__gbuf_str(b, program_invocation_short_name ? program_invocation_short_name : "?");
    rta__gbuf_str(b, "]: ");
}

void rta__guard_say(const char *text)
{
    char buf[512];
    struct rta__gbuf b = {buf, 0, sizeof buf};
    rta__guard_prefix(&b);
    rta__gbuf_str(&b, text);
    rta__gbuf_flush(&b, 2);
}

/* ---- attribution ------------------------------------------------------ */

struct group {
    const struct rta__guard_call *call;
    const void *pc;   /* the attributed frame */
    int suppressed;
    uint64_t count;
};
struct module_total {
    char name[128];
    uint64_t calls, suppressed;
};

static struct group groups[RTA__GUARD_SITES];
static struct module_total module_totals[64];
static int ngroups, nmodule_totals;

static void add_module(const char *name, uint64_t n, int suppressed)
{
    int i;
    for (i = 0; i < nmodule_totals; i++)
        if (strcmp(module_totals[i].name, name) == 0)
            break;
    if (i == nmodule_totals) {
        if (nmodule_totals == (int)(sizeof module_totals / sizeof module_totals[0]))
            return;
        nmodule_totals++;
        module_totals[i].name[0] = '\0';
        strncat(module_totals[i].name, name, sizeof module_totals[i].name - 1);
        module_totals[i].calls = module_totals[i].suppressed = 0;
    }
    if (suppressed)
        module_totals[i].suppressed += n;
    else
        module_totals[i].calls += n;
}

/* The frame a site is attributed to: the first outside the system
 * libraries, else the first outside the guard. */
static const void *attributed_frame(const struct rta__guard_site *s)
{
    int i = rta__guard_first_own_frame(s->frames, s->nframes);
    if (i < s->nframes)
        return s->frames[i];
    for (i = 0; i < s->nframes; i++) {
        struct rta__guard_sym sym;
        rta__guard_symbolize(s->frames[i], &sym);
        if (!sym.guard)
            return s->frames[i];
    }
    return NULL;
}

/* Groups the published sites by (call, attributed frame, verdict) and
 * sums modules; returns the suppressed heap and blocking calls. */
static void attribute(uint64_t *suppressed_heap, uint64_t *suppressed_blocking)
{
    ngroups = nmodule_totals = 0;
    *suppressed_heap = *suppressed_blocking = 0;
    for (unsigned i = 0; i < RTA__GUARD_SITES; i++) {
        struct rta__guard_site *s = rta__guard_site_at(i);
        if (!s)
            continue;
        uint64_t n = __atomic_load_n(&s->count, __ATOMIC_RELAXED);
        if (!n)
            continue;
        int sup = rta__guard_site_verdict(s) == RTA__VERDICT_SUPPRESSED;
        if (sup)
            *(s->call->blocking ? suppressed_blocking : suppressed_heap) += n;
        const void *pc = attributed_frame(s);
        int g;
        for (g = 0; g < ngroups; g++)
            if (groups[g].call == s->call && groups[g].pc == pc && groups[g].suppressed == sup)
                break;
        if (g == ngroups) {
            groups[g].call = s->call;
            groups[g].pc = pc;
            groups[g].suppressed = sup;
            groups[g].count = 0;
            ngroups++;
        }
        groups[g].count += n;
        struct rta__guard_sym sym;
        if (pc)
            rta__guard_symbolize(pc, &sym);
        add_module(pc && sym.base[0] ? sym.base : "?", n, sup);
    }
    /* Most calls first (a few hundred entries at most: insertion sort). */
    for (int i = 1; i < ngroups; i++)
        for (int j = i; j > 0 && groups[j].count > groups[j - 1].count; j--) {
            struct group t = groups[j];
            groups[j] = groups[j - 1];
            groups[j - 1] = t;
        }
    for (int i = 1; i < nmodule_totals; i++)
        for (int j = i; j > 0 && module_totals[j].calls + module_totals[j].suppressed >
                                     module_totals[j - 1].calls + module_totals[j - 1].suppressed;
             j--) {
            struct module_total t = module_totals[j];
            module_totals[j] = module_totals[j - 1];
            module_totals[j - 1] = t;
        }
}

void rta__guard_totals(uint64_t *heap, uint64_t *blocking, uint64_t *suppressed)
{
    uint64_t sh, sb;
    attribute(&sh, &sb);
    *heap = rta_guard_heap_calls() - sh;
    *blocking = rta_guard_blocking_calls() - sb;
    *suppressed = sh + sb;
}

static void line_n(int fd, const char *a, uint64_t n, const char *z)
{
    char text[512];
    struct rta__gbuf b = {text, 0, sizeof text};
    rta__guard_prefix(&b);
    rta__gbuf_str(&b, a);
    rta__gbuf_dec(&b, n);
    rta__gbuf_str(&b, z);
    rta__gbuf_flush(&b, fd);
}

static void site_line(int fd, const struct group *g)
{
    char text[768];
    struct rta__gbuf b = {text, 0, sizeof text - 1};
    struct rta__guard_sym sym;
    rta__guard_prefix(&b);
    rta__gbuf_str(&b, "site: ");
    rta__gbuf_dec(&b, g->count);
    rta__gbuf_str(&b, " ");
    rta__gbuf_str(&b, g->call->name);
    if (g->pc) {
        rta__guard_symbolize(g->pc, &sym);
        rta__gbuf_str(&b, " in ");
        if (sym.func[0]) {
            rta__gbuf_str(&b, sym.func);
            rta__gbuf_str(&b, "+");
            rta__gbuf_hex(&b, sym.func_off);
        } else {
            rta__gbuf_str(&b, "?");
        }
        rta__gbuf_str(&b, " (");
        rta__gbuf_str(&b, sym.base);
        rta__gbuf_str(&b, "+");
        rta__gbuf_hex(&b, sym.offset);
        rta__gbuf_str(&b, ")");
    }
    if (g->suppressed)
        rta__gbuf_str(&b, " suppressed");
    rta__gbuf_str(&b, "\n");
    rta__gbuf_flush(&b, fd);
}

static void module_line(int fd, const struct module_total *m)
{
    char text[512];
    struct rta__gbuf b = {text, 0, sizeof text};
    rta__guard_prefix(&b);
    rta__gbuf_str(&b, "module ");
    rta__gbuf_str(&b, m->name);
    rta__gbuf_str(&b, ": ");
    rta__gbuf_dec(&b, m->calls);
    rta__gbuf_str(&b, " calls");
    if (m->suppressed) {
        rta__gbuf_str(&b, ", ");
        rta__gbuf_dec(&b, m->suppressed);
        rta__gbuf_str(&b, " suppressed");
    }
    rta__gbuf_str(&b, "\n");
    rta__gbuf_flush(&b, fd);
}

static const char *const kind_name[RTSECTION_KINDS] = {
    "jack process callback", "jack process thread", "jack timebase callback",
    "jack sync callback",    "portaudio callback",  "sdl audio callback",
};

static uint64_t last_unsuppressed;

RTA_GUARD_API int rta_guard_summary_write(int fd)
{
    uint64_t heap, blocking, suppressed;
    rta__guard_tls.busy++;
    rta__guard_totals(&heap, &blocking, &suppressed);
    last_unsuppressed = heap + blocking;
    uint64_t watched = rta__guard_sections_total() + rta__guard_direct_sections();
    if (!watched && !rta_guard_heap_calls() && !rta_guard_blocking_calls()) {
        char text[256];
        struct rta__gbuf b = {text, 0, sizeof text};
        rta__guard_prefix(&b);
        rta__gbuf_str(&b, "nothing watched: no RT section ran (no JACK, PortAudio or SDL "
                          "callback, no rta_rt_enter)\n");
        rta__gbuf_flush(&b, fd);
    } else {
        line_n(fd, "", heap, " system-heap calls in RT sections\n");
    }
    if (__atomic_load_n(&rta__guard_strict_var, __ATOMIC_RELAXED) || rta_guard_blocking_calls())
        line_n(fd, "", blocking, " blocking calls in RT sections\n");
    if (rta__guard_suppress_any())
        line_n(fd, "", suppressed, " calls suppressed (RTALLOC_GUARD_SUPPRESS)\n");
    rta_guard_jack_stats js;
    rta_guard_jack_stats_get(&js);
    if (js.cycles) {
        char text[256];
        struct rta__gbuf b = {text, 0, sizeof text};
        rta__guard_prefix(&b);
        rta__gbuf_str(&b, "jack: ");
        rta__gbuf_dec(&b, js.cycles);
        rta__gbuf_str(&b, " process cycles, ");
        rta__gbuf_dec(&b, js.cycles_with_calls);
        rta__gbuf_str(&b, " with system-heap calls, worst cycle ");
        rta__gbuf_dec(&b, js.worst_cycle_calls);
        rta__gbuf_str(&b, " calls\n");
        rta__gbuf_flush(&b, fd);
    }
    for (int k = RTSECTION_JACK_TIMEBASE; k < RTSECTION_KINDS; k++) {
        uint64_t n = rta__guard_sections(k);
        if (!n)
            continue;
        char text[256];
        struct rta__gbuf b = {text, 0, sizeof text};
        rta__guard_prefix(&b);
        rta__gbuf_str(&b, kind_name[k]);
        rta__gbuf_str(&b, ": ");
        rta__gbuf_dec(&b, n);
        rta__gbuf_str(&b, " cycles\n");
        rta__gbuf_flush(&b, fd);
    }
    for (int g = 0; g < ngroups && g < TOP_SITES; g++)
        site_line(fd, &groups[g]);
    for (int m = 0; m < nmodule_totals; m++)
        module_line(fd, &module_totals[m]);
    if (rta__guard_unattributed())
        line_n(fd, "", rta__guard_unattributed(), " calls not attributed (call-site table full)\n");
    rta__guard_tls.busy--;
    return 0;
}

/* Once per process (a forked child writes its own). */
static int summary_once(void)
{
    static pid_t done_in;
    pid_t me = (pid_t)syscall(SYS_getpid);
    if (__atomic_exchange_n(&done_in, me, __ATOMIC_ACQ_REL) == me)
        return 0;
    int mode = rta__guard_mode_now();
    if (mode == RTA_GUARD_LOG)
        rta__guard_log_drain();
    if (mode != RTA_GUARD_COUNT && mode != RTA_GUARD_LOG)
        return 0;
    (void)rta_guard_summary_write(2);
    return exit_code >= 0 && last_unsuppressed > 0;
}

__attribute__((destructor)) static void guard_stop(void)
{
    if (summary_once()) {
        /* exit() flushes stdio after the destructors: do it first. */
        fflush(NULL);
        _exit(exit_code);
    }
}

static void on_signal(int sig)
{
    int saved = errno;
    rta__guard_tls.busy++;
    int gate = summary_once();
    if (gate)
        _exit(exit_code);
    signal(sig, SIG_DFL);
    raise(sig);
    rta__guard_tls.busy--;
    errno = saved;
}

static void catch_signal(int sig)
{
    struct sigaction old;
    if (sigaction(sig, NULL, &old) != 0 || old.sa_handler != SIG_DFL)
        return;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND;
    (void)sigaction(sig, &sa, NULL);
}

void rta__guard_summary_init(const char *code, int mode)
{
    if (code && *code) {
        char *end;
        long n = strtol(code, &end, 10);
        if (*end || n < 0 || n > 255)
            rta__guard_say("RTALLOC_GUARD_EXIT_CODE: not a number from 0 to 255: ignored\n");
        else
            exit_code = (int)n;
    }
    if (mode != RTA_GUARD_COUNT && mode != RTA_GUARD_LOG)
        return;
    catch_signal(SIGINT);
    catch_signal(SIGTERM);
}
