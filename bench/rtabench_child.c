/* The child side of rtabench: one workload, one allocator, one process.
 *
 * The driver passes the timer's calibration, so every child measures on
 * one scale, and the counts.  Before measuring, the child checks which
 * library really defines malloc in this process (dlsym + dladdr): a peer
 * whose LD_PRELOAD did not take effect is an error, never a glibc run
 * under another name.  Figures go to stdout as "key values" lines for the
 * driver; the latency distributions go to CCDF files for the plot. */
#include "config.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rtabench_driver.h"
#include "rtabench_run.h"

typedef struct child_args {
    int workload;
    const char *peer;
    rb_kind kind;
    const char *impl_tag;
    int use_tsc;
    double ticks_per_ns;
    uint64_t overhead, resolution;
    unsigned long count, warmup;
    const char *out_dir; /* NULL: no CCDF files (the strace pass) */
} child_args;

static int parse(int argc, char **argv, child_args *c)
{
    memset(c, 0, sizeof *c);
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];
        if (!strcmp(k, "--child"))
            c->workload = atoi(v);
        else if (!strcmp(k, "--peer"))
            c->peer = v;
        else if (!strcmp(k, "--kind"))
            c->kind = (rb_kind)atoi(v);
        else if (!strcmp(k, "--impl"))
            c->impl_tag = v;
        else if (!strcmp(k, "--tsc"))
            c->use_tsc = atoi(v);
        else if (!strcmp(k, "--ticks-per-ns"))
            c->ticks_per_ns = strtod(v, NULL);
        else if (!strcmp(k, "--overhead"))
            c->overhead = strtoull(v, NULL, 10);
        else if (!strcmp(k, "--resolution"))
            c->resolution = strtoull(v, NULL, 10);
        else if (!strcmp(k, "--count"))
            c->count = strtoul(v, NULL, 10);
        else if (!strcmp(k, "--warmup"))
            c->warmup = strtoul(v, NULL, 10);
        else if (!strcmp(k, "--ccdf-dir"))
            c->out_dir = v;
        else {
            fprintf(stderr, "rtabench child: unknown argument %s\n", k);
            return -1;
        }
    }
    if (c->workload < 1 || c->workload > RB_W_COUNT || !c->peer || c->ticks_per_ns <= 0 ||
        c->count == 0)
        return -1;
    return 0;
}

/* Prints which file defines malloc; -1 if it is not the one expected. */
static int check_malloc_provider(const child_args *c)
{
    Dl_info info;
    void *m = dlsym(RTLD_DEFAULT, "malloc");
    const char *file = m && dladdr(m, &info) && info.dli_fname ? info.dli_fname : "?";
    if (c->kind != RB_SYSTEM) {
        printf("impl rtalloc %s (malloc of the process: %s)\n", rta_version(), file);
        return 0;
    }
    printf("impl %s\n", file);
    if (c->impl_tag && !strstr(file, c->impl_tag)) {
        fprintf(stderr, "rtabench: %s: malloc comes from %s, not %s: not measured\n", c->peer, file,
                c->impl_tag);
        return -1;
    }
    return 0;
}

static void print_quantiles(const rb_hist *h, const rb_timer *t)
{
    printf(" %llu %.1f %.1f %.1f %.1f %.1f", (unsigned long long)h->n,
           rb_hist_quantile_ns(h, 0.50, t), rb_hist_quantile_ns(h, 0.99, t),
           rb_hist_quantile_ns(h, 0.999, t), rb_hist_quantile_ns(h, 0.9999, t),
           rb_hist_quantile_ns(h, 1.0, t));
}

/* "op NAME" + all samples + samples of unpreempted chunks. */
static void print_op(const char *name, const rb_series *s, const rb_timer *t)
{
    if (!s->all->n)
        return;
    printf("op %s", name);
    print_quantiles(s->all, t);
    print_quantiles(s->clean, t);
    printf("\n");
}

static void write_ccdf(const child_args *c, const char *op, const rb_series *s, const rb_timer *t)
{
    char path[1024];
    const rb_hist *hists[2] = {s->all, s->clean};
    const char *suffix[2] = {"all", "clean"};
    for (int i = 0; i < 2 && c->out_dir; i++) {
        if (!hists[i]->n)
            continue;
        snprintf(path, sizeof path, "%s/w%d-%s-%s-%s.dat", c->out_dir, c->workload, c->peer, op,
                 suffix[i]);
        if (rb_hist_write_ccdf(hists[i], t, path) != 0)
            fprintf(stderr, "rtabench: cannot write %s\n", path);
    }
}

/* Exit codes: 0 ok, 2 bad arguments, 3 malloc not from the expected
 * library, 4 allocator set-up failed, 5 the run failed (NULL returned,
 * heap counters not clean); the driver words them. */
int rb_child_main(int argc, char **argv)
{
    child_args c;
    rb_run run;

    if (parse(argc, argv, &c) != 0) {
        fprintf(stderr, "rtabench: bad child arguments\n");
        return 2;
    }
    if (check_malloc_provider(&c) != 0)
        return 3;

    memset(&run, 0, sizeof run);
    run.workload = c.workload;
    run.count = c.count;
    run.warmup = c.warmup;
    run.marker_fd = -1;
    rb_timer_adopt(&run.timer, c.use_tsc, c.ticks_per_ns, c.overhead, c.resolution);
    rb_series_init(&run.res.alloc);
    rb_series_init(&run.res.free);
    rb_series_init(&run.res.frame);
    rb_run_make_tables(&run, 0x5EED5EED12345678ull);
    if (rb_allocator_open(&run.alloc, c.kind) != 0)
        return 4;

    int rc;
    switch (c.workload) {
    case RB_W_CHURN:
        rc = rb_workload_churn(&run);
        break;
    case RB_W_XTHREAD:
        rc = rb_workload_xthread(&run);
        break;
    default:
        rc = rb_workload_frames(&run);
    }
    if (rb_allocator_close(&run.alloc) != 0)
        rc = -1;
    if (run.res.failed)
        fprintf(stderr, "rtabench: %s: an allocation returned NULL\n", c.peer);
    if (rc != 0)
        return 5;

    const char *free_name = c.kind == RB_RTA_ARENA && c.workload != RB_W_XTHREAD ? "reset" : "free";
    print_op("alloc", &run.res.alloc, &run.timer);
    print_op(free_name, &run.res.free, &run.timer);
    print_op("frame", &run.res.frame, &run.timer);
    const rb_pass_time *u = &run.res.untimed;
    double apu = run.res.allocs_per_unit;
    double ns_all = rb_ticks_to_ns(&run.timer, (double)u->ticks);
    double ns_clean = rb_ticks_to_ns(&run.timer, (double)u->clean_ticks);
    /* per allocation (with its free), and units (blocks) per second */
    printf("untimed %.2f %.2f %.0f %.0f\n", u->clean_units ? ns_clean / (apu * u->clean_units) : -1,
           u->units ? ns_all / (apu * u->units) : -1,
           ns_clean > 0 ? 1e9 * (double)u->clean_units / ns_clean : -1,
           ns_all > 0 ? 1e9 * (double)u->units / ns_all : -1);
    printf("faults %ld\n", run.res.chunks.faults);
    printf("chunks %ld %ld %ld\n", run.res.chunks.chunks, run.res.chunks.clean_chunks,
           run.res.chunks.preemptions);
    if (run.res.helper.chunks)
        printf("helper_chunks %ld %ld %ld\n", run.res.helper.chunks, run.res.helper.clean_chunks,
               run.res.helper.preemptions);
    printf("neighbour_ops %llu\n", (unsigned long long)run.res.neighbour_ops);
    fflush(stdout);
    write_ccdf(&c, "alloc", &run.res.alloc, &run.timer);
    write_ccdf(&c, free_name, &run.res.free, &run.timer);
    write_ccdf(&c, "frame", &run.res.frame, &run.timer);

    rb_series_destroy(&run.res.alloc);
    rb_series_destroy(&run.res.free);
    rb_series_destroy(&run.res.frame);
    rb_run_free_tables(&run);
    return 0;
}
