/* Results out: the terminal table, the CSV and the CCDF plots.
 *
 * The plot is one PNG per workload, one panel per operation (allocation,
 * free or arena reset, whole frame), one line per allocator: the share
 * of operations that took at least x nanoseconds, on log-log axes, where
 * the tail that decides a real-time deadline is as visible as the
 * median. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rtabench_driver.h"

static const char *status_word(const rb_cell *c)
{
    switch (c->status) {
    case RB_CELL_NA:
        return "n/a";
    case RB_CELL_MISSING:
        return "missing";
    case RB_CELL_SKIPPED:
        return "skipped";
    case RB_CELL_ERROR:
        return "error";
    case RB_CELL_NOT_RUN:
        return "not run";
    default:
        return "ok";
    }
}

static void fmt_ns(char *buf, size_t size, double ns)
{
    if (ns < 100)
        snprintf(buf, size, "%.1f", ns);
    else
        snprintf(buf, size, "%.0f", ns);
}

static void print_op_row(const rb_bench *b, int p, const rb_cell *c, int o)
{
    const rb_op_figures *op = &c->ops[o];
    char q[RB_QUANTILES][32], cq[2][32];
    for (int i = 0; i < RB_QUANTILES; i++)
        fmt_ns(q[i], sizeof q[i], op->ns[i]);
    if (op->clean_samples) {
        fmt_ns(cq[0], sizeof cq[0], op->clean_ns[RB_Q_P9999]);
        fmt_ns(cq[1], sizeof cq[1], op->clean_ns[RB_Q_MAX]);
    } else { /* every chunk was preempted */
        snprintf(cq[0], sizeof cq[0], "-");
        snprintf(cq[1], sizeof cq[1], "-");
    }
    printf("%-13s %-5s %8llu %6s %6s %6s %7s %9s | %7s %8s", o == 0 ? b->peers[p].name : "",
           op->name, (unsigned long long)op->samples, q[0], q[1], q[2], q[3], q[4], cq[0], cq[1]);
    if (o == 0) {
        char sc[32];
        if (c->syscalls < 0)
            snprintf(sc, sizeof sc, "-");
        else
            snprintf(sc, sizeof sc, "%ld", c->syscalls);
        printf(" | %7.1f %6ld %8s %4.0f%%", c->ns_per_alloc, c->faults, sc,
               c->chunks ? 100.0 * (double)c->clean_chunks / (double)c->chunks : 0.0);
    }
    printf("\n");
}

void rb_report_table(const rb_bench *b)
{
    printf("\nLatency in ns, timer overhead taken off.  'unpreempted': only the chunks of\n"
           "<= %u timed calls in which the measuring thread was not preempted.\n"
           "untimed = ns per allocation with its free, no timer inside (unpreempted\n"
           "chunks; -1: every chunk was preempted; results.csv has both).  faults and\n"
           "syscalls: whole process, inside the measured chunks (syscalls from a separate\n"
           "strace pass).  clean = share of chunks without a preemption.\n",
           RB_CHUNK_SAMPLES);
    for (int w = 1; w <= RB_W_COUNT; w++) {
        if (!b->want_workload[w])
            continue;
        printf("\n== workload %d: %s ==\n", w, rb_workload_words(w));
        printf("%-13s %-5s %8s %6s %6s %6s %7s %9s | %16s | %7s %6s %8s %5s\n", "", "", "", "", "",
               "", "", "", "unpreempted", "", "", "", "");
        printf("%-13s %-5s %8s %6s %6s %6s %7s %9s | %7s %8s | %7s %6s %8s %5s\n", "allocator",
               "op", "samples", "p50", "p99", "p99.9", "p99.99", "max", "p99.99", "max", "untimed",
               "faults", "syscalls", "clean");
        for (int p = 0; p < b->n_peers; p++) {
            const rb_cell *c = &b->cells[w][p];
            if (c->status != RB_CELL_OK) {
                if (c->status != RB_CELL_NA)
                    printf("%-13s %s%s%s\n", b->peers[p].name, status_word(c),
                           c->note[0] ? ": " : "", c->note);
                continue;
            }
            for (int o = 0; o < c->n_ops; o++)
                print_op_row(b, p, c, o);
            if (w == RB_W_XTHREAD && c->throughput < 0)
                printf("%-13s M blocks/s through the ring (untimed): every chunk preempted; "
                       "all: %.2f\n",
                       "", c->throughput_all / 1e6);
            else if (w == RB_W_XTHREAD)
                printf("%-13s %.2f M blocks/s through the ring (untimed, unpreempted chunks; "
                       "all: %.2f); consumer chunks clean %.0f%%\n",
                       "", c->throughput / 1e6, c->throughput_all / 1e6,
                       c->helper_chunks
                           ? 100.0 * (double)c->helper_clean_chunks / (double)c->helper_chunks
                           : 0.0);
            if (c->syscalls > 0)
                printf("%-13s syscalls: %s\n", "", c->syscall_names);
        }
    }
    fflush(stdout);
}

int rb_report_csv(const rb_bench *b, const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fprintf(f, "workload,workload_name,allocator,status,op,samples,p50_ns,p99_ns,p999_ns,"
               "p9999_ns,max_ns,clean_samples,clean_p50_ns,clean_p99_ns,clean_p999_ns,"
               "clean_p9999_ns,clean_max_ns,untimed_ns_per_alloc,untimed_ns_per_alloc_all,"
               "throughput_per_s,throughput_all_per_s,"
               "page_faults,syscalls,syscall_names,chunks,clean_chunks,preemptions,"
               "neighbour_ops,malloc_from,note\n");
    for (int w = 1; w <= RB_W_COUNT; w++) {
        if (!b->want_workload[w])
            continue;
        for (int p = 0; p < b->n_peers; p++) {
            const rb_cell *c = &b->cells[w][p];
            if (c->status != RB_CELL_OK) {
                fprintf(f, "%d,%s,%s,%s,,,,,,,,,,,,,,,,,,,,,,,,,,\"%s\"\n", w, rb_workload_name(w),
                        b->peers[p].name, status_word(c), c->note);
                continue;
            }
            for (int o = 0; o < c->n_ops; o++) {
                const rb_op_figures *op = &c->ops[o];
                fprintf(f, "%d,%s,%s,ok,%s,%llu", w, rb_workload_name(w), b->peers[p].name,
                        op->name, (unsigned long long)op->samples);
                for (int i = 0; i < RB_QUANTILES; i++)
                    fprintf(f, ",%.1f", op->ns[i]);
                fprintf(f, ",%llu", (unsigned long long)op->clean_samples);
                for (int i = 0; i < RB_QUANTILES; i++)
                    fprintf(f, ",%.1f", op->clean_ns[i]);
                fprintf(f, ",%.2f,%.2f,%.0f,%.0f,%ld,%ld,\"%s\",%ld,%ld,%ld,%llu,\"%s\",\n",
                        c->ns_per_alloc, c->ns_per_alloc_all, c->throughput, c->throughput_all,
                        c->faults, c->syscalls, c->syscall_names, c->chunks, c->clean_chunks,
                        c->preemptions, (unsigned long long)c->neighbour_ops, c->impl);
            }
        }
    }
    return fclose(f) == 0 ? 0 : -1;
}

/* Operations shown as panels, in order. */
static const char *const panel_ops[] = {"alloc", "free", "frame"};

static int write_plot_script(const rb_bench *b, int w, const char *script, const char *png)
{
    FILE *f = fopen(script, "w");
    if (!f)
        return -1;
    int panels = (w == RB_W_CHURN || w == RB_W_XTHREAD) ? 2 : 3;
    fprintf(f, "set terminal pngcairo size %d,520 font ',10'\n", 520 * panels);
    fprintf(f, "set output '%s'\n", png);
    fprintf(f,
            "set multiplot layout 1,%d title \"workload %d: %s\\nCCDF: share of "
            "operations taking at least x ns; solid: chunks without preemption, dotted: all "
            "samples\"\n",
            panels, w, rb_workload_words(w));
    fprintf(f, "set logscale xy\nset format x '10^{%%L}'\nset format y '10^{%%L}'\n"
               "set xrange [1:*]\nset grid\nset key top right\n");
    fprintf(f, "set xlabel 'latency (ns; below the timer step shown at 1)'\n"
               "set ylabel 'fraction >= x'\n");
    for (int pn = 0; pn < panels; pn++) {
        const char *op = panel_ops[pn];
        int lines = 0;
        fprintf(f, "set title '%s'\n",
                pn == 1   ? "free (arena: reset of the frame)"
                : pn == 2 ? "whole frame"
                          : "allocation");
        for (int p = 0; p < b->n_peers; p++) {
            const rb_cell *c = &b->cells[w][p];
            if (c->status != RB_CELL_OK)
                continue;
            for (int o = 0; o < c->n_ops; o++) {
                const char *name = c->ops[o].name;
                int match = !strcmp(name, op) || (pn == 1 && !strcmp(name, "reset"));
                if (!match)
                    continue;
                /* solid: unpreempted chunks; dotted, same colour: every sample */
                if (c->ops[o].clean_samples) {
                    fprintf(f,
                            "%s '%s/ccdf/w%d-%s-%s-clean.dat' using 1:2 with steps lw 2 "
                            "lc %d title '%s'",
                            lines ? ", \\\n    " : "plot ", b->out_dir, w, b->peers[p].name, name,
                            p + 1, b->peers[p].name);
                    lines++;
                }
                fprintf(f,
                        "%s '%s/ccdf/w%d-%s-%s-all.dat' using 1:2 with steps lw 1 dt 3 "
                        "lc %d %s",
                        lines ? ", \\\n    " : "plot ", b->out_dir, w, b->peers[p].name, name,
                        p + 1, c->ops[o].clean_samples ? "notitle" : "title '(all)'");
                lines++;
            }
        }
        if (!lines)
            fprintf(f, "set label 1 'no data' at graph 0.4,0.5\nplot 2 notitle\nunset label 1");
        fprintf(f, "\n");
    }
    fprintf(f, "unset multiplot\n");
    return fclose(f) == 0 ? 0 : -1;
}

void rb_report_plots(const rb_bench *b)
{
    if (!b->gnuplot) {
        printf("\nplots skipped: --no-plot, or gnuplot not found (install gnuplot-nox)\n");
        return;
    }
    printf("\n");
    for (int w = 1; w <= RB_W_COUNT; w++) {
        char script[1024], png[1024];
        if (!b->want_workload[w])
            continue;
        snprintf(script, sizeof script, "%s/ccdf-w%d.gp", b->out_dir, w);
        snprintf(png, sizeof png, "%s/ccdf-w%d-%s.png", b->out_dir, w, rb_workload_name(w));
        if (write_plot_script(b, w, script, png) != 0) {
            printf("plot w%d: cannot write %s\n", w, script);
            continue;
        }
        fflush(NULL);
        pid_t pid = fork();
        if (pid == 0) {
            execl(b->gnuplot, b->gnuplot, script, (char *)NULL);
            fprintf(stderr, "rtabench: cannot run %s: %s\n", b->gnuplot, strerror(errno));
            _exit(127);
        }
        int status = -1;
        if (pid > 0)
            waitpid(pid, &status, 0);
        if (status == 0)
            printf("plot: %s\n", png);
        else
            printf("plot w%d: gnuplot failed (script %s)\n", w, script);
    }
}
