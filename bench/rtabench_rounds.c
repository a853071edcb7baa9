/* Rounds (--rounds N): every selected (workload, allocator) pair runs N
 * times, each time in its own process, and the table shows per figure
 * the median over the rounds, with its spread.
 *
 * One round runs every allocator once per workload, starting each round
 * one allocator further along, so that a drift of the machine (another
 * job starting, the hypervisor's neighbours, a frequency change) falls
 * on all allocators alike instead of always on the one measured last.
 * Each figure's median is taken on its own (the median p99 and the
 * median p50 may come from different rounds); a figure a round could not
 * give (-1: every chunk preempted) is left out of its median. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rtabench_driver.h"

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median, min and max of the n values v[i*stride] that are >= 0 (-1
 * for all three when there is none). */
typedef struct rb_spread {
    double median, min, max;
    int n;
} rb_spread;

static rb_spread spread_of(const double *first, size_t stride_bytes, int n, int require_clean,
                           const uint64_t *clean_first)
{
    double v[RB_MAX_ROUNDS];
    rb_spread s = {-1, -1, -1, 0};
    for (int i = 0; i < n; i++) {
        double x = *(const double *)((const char *)first + (size_t)i * stride_bytes);
        if (require_clean &&
            !*(const uint64_t *)((const char *)clean_first + (size_t)i * stride_bytes))
            continue;
        if (x >= 0)
            v[s.n++] = x;
    }
    if (!s.n)
        return s;
    qsort(v, (size_t)s.n, sizeof v[0], cmp_double);
    s.median = s.n % 2 ? v[s.n / 2] : (v[s.n / 2 - 1] + v[s.n / 2]) / 2;
    s.min = v[0];
    s.max = v[s.n - 1];
    return s;
}

#define RB_ROUND_CELL(b, r, w, p)                                                                  \
    (&(b)->round_cells[((size_t)(r) * (RB_W_COUNT + 1) + (w)) * RB_MAX_PEERS + (p)])
#define SPREAD(b, w, p, field)                                                                     \
    spread_of(&RB_ROUND_CELL(b, 0, w, p)->field,                                                   \
              sizeof(rb_cell) * (RB_W_COUNT + 1) * RB_MAX_PEERS, (b)->rounds, 0, NULL)
#define SPREAD_CLEAN(b, w, p, field, clean)                                                        \
    spread_of(&RB_ROUND_CELL(b, 0, w, p)->field,                                                   \
              sizeof(rb_cell) * (RB_W_COUNT + 1) * RB_MAX_PEERS, (b)->rounds, 1,                   \
              &RB_ROUND_CELL(b, 0, w, p)->clean)

int rb_rounds_init(rb_bench *b)
{
    b->round_cells = calloc((size_t)b->rounds * (RB_W_COUNT + 1) * RB_MAX_PEERS, sizeof(rb_cell));
    return b->round_cells ? 0 : -1;
}

void rb_rounds_order(const rb_bench *b, int w, int round, int *order, int *n)
{
    int runnable[RB_MAX_PEERS], m = 0;
    for (int p = 0; p < b->n_peers; p++)
        if (b->want_workload[w] && b->cells[w][p].status == RB_CELL_NOT_RUN)
            runnable[m++] = p;
    for (int k = 0; k < m; k++)
        order[k] = runnable[(k + round) % m];
    *n = m;
}

void rb_rounds_keep(rb_bench *b, int round, int w, int p)
{
    *RB_ROUND_CELL(b, round, w, p) = b->cells[w][p];
    memset(&b->cells[w][p], 0, sizeof b->cells[w][p]);
    b->cells[w][p].status = RB_CELL_NOT_RUN;
    b->cells[w][p].syscalls = -1;
}

void rb_rounds_fold(rb_bench *b, int w, int p)
{
    rb_cell *c = &b->cells[w][p];
    for (int r = 0; r < b->rounds; r++)
        if (RB_ROUND_CELL(b, r, w, p)->status != RB_CELL_OK) { /* a failed round fails the cell */
            *c = *RB_ROUND_CELL(b, r, w, p);
            snprintf(c->note + strlen(c->note), sizeof c->note - strlen(c->note),
                     " (round %d of %d)", r + 1, b->rounds);
            return;
        }
    *c = *RB_ROUND_CELL(b, 0, w, p);
    for (int o = 0; o < c->n_ops; o++)
        for (int q = 0; q < RB_QUANTILES; q++) {
            c->ops[o].ns[q] = SPREAD(b, w, p, ops[o].ns[q]).median;
            c->ops[o].clean_ns[q] =
                SPREAD_CLEAN(b, w, p, ops[o].clean_ns[q], ops[o].clean_samples).median;
        }
    c->ns_per_alloc = SPREAD(b, w, p, ns_per_alloc).median;
    c->ns_per_alloc_all = SPREAD(b, w, p, ns_per_alloc_all).median;
    c->throughput = SPREAD(b, w, p, throughput).median;
    c->throughput_all = SPREAD(b, w, p, throughput_all).median;
    for (int r = 1; r < b->rounds; r++) {
        const rb_cell *rc = RB_ROUND_CELL(b, r, w, p);
        for (int o = 0; o < c->n_ops; o++)
            c->ops[o].clean_samples += rc->ops[o].clean_samples;
        if (rc->faults > c->faults) /* the most any round made */
            c->faults = rc->faults;
        c->chunks += rc->chunks;
        c->clean_chunks += rc->clean_chunks;
        c->preemptions += rc->preemptions;
    }
}

static void print_spread(const char *label, rb_spread s, double scale)
{
    if (s.n)
        printf("  %s %.1f [%.1f .. %.1f]", label, s.median / scale, s.min / scale, s.max / scale);
    else
        printf("  %s -", label);
}

void rb_rounds_report(const rb_bench *b)
{
    printf("\nSpread over %d rounds, each allocator in its own process once per round, the\n"
           "order rotated per round: median [min .. max] of the p50 of every sample, of\n"
           "the untimed ns per allocation with its free (unpreempted chunks) and, for\n"
           "workload 3, of the ring's M blocks/s.  The table above gives the medians.\n",
           b->rounds);
    for (int w = 1; w <= RB_W_COUNT; w++) {
        if (!b->want_workload[w])
            continue;
        printf("\n== workload %d: %s ==\n", w, rb_workload_words(w));
        for (int p = 0; p < b->n_peers; p++) {
            const rb_cell *c = &b->cells[w][p];
            if (c->status != RB_CELL_OK)
                continue;
            printf("%-13s", b->peers[p].name);
            for (int o = 0; o < c->n_ops; o++) {
                char label[24];
                snprintf(label, sizeof label, "%s p50", c->ops[o].name);
                print_spread(label, SPREAD(b, w, p, ops[o].ns[RB_Q_P50]), 1);
            }
            print_spread("untimed", SPREAD(b, w, p, ns_per_alloc), 1);
            if (w == RB_W_XTHREAD)
                print_spread("M/s", SPREAD(b, w, p, throughput), 1e6);
            printf("\n");
        }
    }
    fflush(stdout);
}

int rb_rounds_csv(const rb_bench *b, const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fprintf(f, "round,position,workload,workload_name,allocator,status,op,p50_ns,p99_ns,"
               "clean_p50_ns,untimed_ns_per_alloc,throughput_per_s\n");
    for (int r = 0; r < b->rounds; r++)
        for (int w = 1; w <= RB_W_COUNT; w++)
            for (int p = 0; p < b->n_peers; p++) {
                const rb_cell *c = RB_ROUND_CELL(b, r, w, p);
                if (c->status == RB_CELL_NOT_RUN)
                    continue;
                for (int o = 0; o < (c->status == RB_CELL_OK ? c->n_ops : 1); o++)
                    fprintf(f, "%d,%d,%d,%s,%s,%s,%s,%.1f,%.1f,%.1f,%.2f,%.0f\n", r + 1,
                            c->round_position, w, rb_workload_name(w), b->peers[p].name,
                            c->status == RB_CELL_OK ? "ok" : "error",
                            c->status == RB_CELL_OK ? c->ops[o].name : "", c->ops[o].ns[RB_Q_P50],
                            c->ops[o].ns[RB_Q_P99],
                            c->ops[o].clean_samples ? c->ops[o].clean_ns[RB_Q_P50] : -1.0,
                            c->ns_per_alloc, c->throughput);
            }
    return fclose(f) == 0 ? 0 : -1;
}
