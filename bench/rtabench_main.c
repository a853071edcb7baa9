/* rtabench: latency distributions of rtalloc against glibc, jemalloc,
 * mimalloc and tcmalloc, down to the worst case, in one run.
 *
 * This file is the driver's main line: options, then it calibrates the
 * timer, finds the peer allocators (rtabench_peers.c), runs every
 * (workload, allocator) pair in its own child process (a peer through
 * LD_PRELOAD), then runs each again under strace to count its system
 * calls in the measured phase, and prints a table, a CSV and one CCDF
 * plot per workload.  A peer that is not installed is reported missing.
 * Usage: rtabench [--quick] [--out DIR] ...; see usage() below. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "rtabench_driver.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define RB_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define RB_SANITIZED 1
#endif
#endif
#ifndef RB_SANITIZED
#define RB_SANITIZED 0
#endif

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: rtabench [options]\n"
        "  --quick            short run that only proves the program works\n"
        "  --out DIR          results directory (default bench-results)\n"
        "  --scale F          multiply every operation count by F\n"
        "  --only A,B,...     allocators: rtalloc,rtalloc-arena,glibc,jemalloc,mimalloc,tcmalloc,\n"
        "                     rtalloc-malloc\n"
        "  --workloads 1,2,.. workloads to run (default all five)\n"
        "  --lib NAME=PATH    library to preload for peer NAME\n"
        "  --strace PATH      strace for the syscall pass; --no-strace skips it\n"
        "  --gnuplot PATH     gnuplot for the plots; --no-plot skips them\n"
        "  --clock tsc|monotonic  per-op timer (default tsc where invariant)\n"
        "  --rounds N         run every allocator N times, once per round in its own\n"
        "                     process, the order rotated per round; the table gives\n"
        "                     medians, a second table their spread, rounds.csv each\n"
        "                     round (default 1; at most %d)\n",
        RB_MAX_ROUNDS);
}

static int in_list(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *s = list; s && *s;) {
        size_t len = strcspn(s, ",");
        if (len == n && !strncmp(s, name, n))
            return 1;
        s += len + (s[len] == ',');
    }
    return 0;
}

static int parse_options(rb_bench *b, int argc, char **argv, const char **only, int *want_tsc)
{
    const char *workload_list = NULL;
    int no_strace = 0, no_plot = 0;
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        int takes = 1;
        if (!strcmp(o, "--quick"))
            b->quick = 1, takes = 0;
        else if (!strcmp(o, "--no-strace"))
            no_strace = 1, takes = 0;
        else if (!strcmp(o, "--no-plot"))
            no_plot = 1, takes = 0;
        else if (!strcmp(o, "--help") || !strcmp(o, "-h"))
            usage(stdout), exit(0);
        else if (!v)
            return -1;
        else if (!strcmp(o, "--out"))
            b->out_dir = v;
        else if (!strcmp(o, "--rounds"))
            b->rounds = atoi(v);
        else if (!strcmp(o, "--scale"))
            b->scale = strtod(v, NULL);
        else if (!strcmp(o, "--only"))
            *only = v;
        else if (!strcmp(o, "--workloads"))
            workload_list = v;
        else if (!strcmp(o, "--strace"))
            b->strace = *v ? v : NULL;
        else if (!strcmp(o, "--gnuplot"))
            b->gnuplot = *v ? v : NULL;
        else if (!strcmp(o, "--clock"))
            *want_tsc = strcmp(v, "monotonic") != 0;
        else if (!strcmp(o, "--lib")) {
            const char *eq = strchr(v, '=');
            int found = 0;
            for (int p = 0; eq && p < b->n_peers; p++)
                if (b->peers[p].soname && strlen(b->peers[p].name) == (size_t)(eq - v) &&
                    !strncmp(b->peers[p].name, v, (size_t)(eq - v))) {
                    snprintf(b->peers[p].lib_path, sizeof b->peers[p].lib_path, "%s", eq + 1);
                    found = 1;
                }
            if (!found)
                return -1;
        } else
            return -1;
        i += takes;
    }
    for (int w = 1; w <= RB_W_COUNT; w++) {
        char num[8];
        snprintf(num, sizeof num, "%d", w);
        b->want_workload[w] = !workload_list || in_list(workload_list, num);
    }
    if (b->scale <= 0 || b->rounds < 1 || b->rounds > RB_MAX_ROUNDS)
        return -1;
    if (no_strace)
        b->strace = NULL;
    else if (!b->strace)
        b->strace = rb_find_in_path("strace");
    if (no_plot)
        b->gnuplot = NULL;
    else if (!b->gnuplot)
        b->gnuplot = rb_find_in_path("gnuplot");
    return 0;
}

static void progress(int done, int total, const char *what, int w, const char *peer)
{
    int tty = isatty(STDERR_FILENO);
    fprintf(stderr, "%s[%3d/%3d] %-8s w%d %-16s %-14s%s", tty ? "\r" : "", done, total, what, w,
            rb_workload_name(w), peer, tty ? "" : "\n");
    fflush(stderr);
}

static void print_machine(const rb_bench *b)
{
    struct utsname u;
    uname(&u);
    double load[3] = {0, 0, 0};
    getloadavg(load, 3);
    printf("rtabench: rtalloc %s, %s %s %s, %ld CPUs online, load average %.2f %.2f %.2f\n",
           rta_version(), u.sysname, u.release, u.machine, sysconf(_SC_NPROCESSORS_ONLN), load[0],
           load[1], load[2]);
    printf("timer: %s, %.4f ticks/ns, resolution %llu ticks (%.1f ns), overhead %llu ticks "
           "(%.1f ns, taken off every figure)\n",
           b->timer.use_tsc ? "TSC (lfence/rdtsc .. rdtscp/lfence)" : "CLOCK_MONOTONIC",
           b->timer.ticks_per_ns, (unsigned long long)b->timer.resolution_ticks,
           rb_ticks_to_ns(&b->timer, (double)b->timer.resolution_ticks),
           (unsigned long long)b->timer.overhead_ticks,
           rb_ticks_to_ns(&b->timer, (double)b->timer.overhead_ticks));
    printf("run: %s; syscall pass: %s; plots: %s\n", b->quick ? "quick" : "full",
           b->strace ? b->strace : "skipped (no strace, or --no-strace)",
           b->gnuplot ? b->gnuplot : "skipped (no gnuplot, or --no-plot)");
    if (b->rounds > 1)
        printf("rounds: %d, each allocator once per round in its own process, the order "
               "rotated per round; figures are medians over the rounds\n",
               b->rounds);
    for (int p = 0; p < b->n_peers; p++) {
        const rb_peer *pe = &b->peers[p];
        if (pe->available)
            printf("allocator %-14s %s\n", pe->name,
                   pe->soname              ? pe->lib_path
                   : pe->kind == RB_SYSTEM ? "malloc of the C library"
                                           : "librtalloc, public API");
        else
            printf("allocator %-14s %s\n", pe->name, pe->why);
    }
    fflush(stdout);
}

/* --rounds N > 1: each round runs every allocator once per workload,
 * in its own process, the order rotated per round; then the medians. */
static int measure_rounds(rb_bench *b, int *done, int total)
{
    if (rb_rounds_init(b) != 0) {
        fprintf(stderr, "rtabench: no memory for %d rounds\n", b->rounds);
        return -1;
    }
    for (int r = 0; r < b->rounds; r++)
        for (int w = 1; w <= RB_W_COUNT; w++) {
            int order[RB_MAX_PEERS], n;
            rb_rounds_order(b, w, r, order, &n);
            for (int k = 0; k < n; k++) {
                char what[24];
                snprintf(what, sizeof what, "round %d", r + 1);
                progress(++*done, total, what, w, b->peers[order[k]].name);
                rb_spawn_measure(b, w, order[k]);
                b->cells[w][order[k]].round_position = k + 1;
                rb_rounds_keep(b, r, w, order[k]);
            }
        }
    for (int w = 1; w <= RB_W_COUNT; w++)
        for (int p = 0; p < b->n_peers; p++)
            if (b->want_workload[w] && b->cells[w][p].status == RB_CELL_NOT_RUN)
                rb_rounds_fold(b, w, p);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "--child"))
        return rb_child_main(argc, argv);

    static rb_bench b;
    const char *only = NULL;
    int want_tsc = 1;
    b.scale = 1.0;
    b.rounds = 1;
    b.out_dir = "bench-results";
    b.sanitized = RB_SANITIZED;
    rb_peers_init(&b);
    if (parse_options(&b, argc, argv, &only, &want_tsc) != 0) {
        usage(stderr);
        return 2;
    }
    /* the children run this very binary, even if it is rebuilt meanwhile */
    snprintf(b.self, sizeof b.self, "/proc/%ld/exe", (long)getpid());
    if (access(b.self, X_OK) != 0) {
        perror("rtabench: /proc/PID/exe");
        return 2;
    }
    char ccdf_dir[1024];
    snprintf(ccdf_dir, sizeof ccdf_dir, "%s/ccdf", b.out_dir);
    if ((mkdir(b.out_dir, 0777) != 0 && errno != EEXIST) ||
        (mkdir(ccdf_dir, 0777) != 0 && errno != EEXIST)) {
        fprintf(stderr, "rtabench: cannot make %s: %s\n", ccdf_dir, strerror(errno));
        return 2;
    }
    for (int p = 0; p < b.n_peers; p++) {
        rb_peer *pe = &b.peers[p];
        rb_peer_find_library(pe);
        if (pe->missing) {
            /* reported as missing below, whatever else applies */
        } else if (only && !in_list(only, pe->name)) {
            pe->available = 0;
            snprintf(pe->why, sizeof pe->why, "not selected (--only)");
        } else if (b.sanitized && pe->kind == RB_SYSTEM) {
            pe->available = 0;
            snprintf(pe->why, sizeof pe->why, "sanitizer build replaces malloc");
        }
    }

    rb_timer_calibrate(&b.timer, want_tsc, b.quick ? 50 : 300);
    print_machine(&b);

    int total = 0, done = 0;
    for (int w = 1; w <= RB_W_COUNT; w++)
        for (int p = 0; p < b.n_peers; p++) {
            rb_cell *c = &b.cells[w][p];
            c->syscalls = -1;
            if (!b.want_workload[w])
                continue;
            if (!rb_workload_fits(w, b.peers[p].kind))
                c->status = RB_CELL_NA;
            else if (!b.peers[p].available) {
                c->status = b.peers[p].missing ? RB_CELL_MISSING : RB_CELL_SKIPPED;
                snprintf(c->note, sizeof c->note, "%s", b.peers[p].why);
            } else
                total += b.rounds + (b.strace ? 1 : 0);
        }

    if (b.rounds == 1) {
        for (int w = 1; w <= RB_W_COUNT; w++)
            for (int p = 0; p < b.n_peers; p++)
                if (b.want_workload[w] && b.cells[w][p].status == RB_CELL_NOT_RUN) {
                    progress(++done, total, "measure", w, b.peers[p].name);
                    rb_spawn_measure(&b, w, p);
                }
    } else if (measure_rounds(&b, &done, total) != 0)
        return 2;
    for (int w = 1; w <= RB_W_COUNT && b.strace; w++)
        for (int p = 0; p < b.n_peers; p++) {
            rb_cell *c = &b.cells[w][p];
            if (c->status == RB_CELL_OK) {
                progress(++done, total, "syscalls", w, b.peers[p].name);
                rb_spawn_count_syscalls(&b, w, p);
            } else if (c->status == RB_CELL_ERROR) {
                ++done;
            }
        }
    fprintf(stderr, "%s", isatty(STDERR_FILENO) ? "\n" : "");

    rb_report_table(&b);
    char csv[1024];
    snprintf(csv, sizeof csv, "%s/results.csv", b.out_dir);
    if (rb_report_csv(&b, csv) != 0)
        fprintf(stderr, "rtabench: cannot write %s\n", csv);
    else
        printf("\ncsv: %s\n", csv);
    if (b.rounds > 1) {
        rb_rounds_report(&b);
        snprintf(csv, sizeof csv, "%s/rounds.csv", b.out_dir);
        if (rb_rounds_csv(&b, csv) != 0)
            fprintf(stderr, "rtabench: cannot write %s\n", csv);
        else
            printf("\nrounds csv: %s (plots: the last round)\n", csv);
    }
    rb_report_plots(&b);

    int errors = 0;
    for (int w = 1; w <= RB_W_COUNT; w++)
        for (int p = 0; p < b.n_peers; p++)
            errors += b.cells[w][p].status == RB_CELL_ERROR;
    if (errors)
        fprintf(stderr, "rtabench: %d run(s) failed; see above\n", errors);
    return errors ? 1 : 0;
}
