/* The driver side of rtabench: which allocators exist, what each run
 * (one workload, one allocator, one child process) reported, and the
 * pieces that spawn the children, count their system calls and print
 * the results.
 *
 * Every run is its own process so allocators never share a heap: the
 * driver re-executes its own binary with "--child", with LD_PRELOAD set
 * for a peer allocator, and reads the child's figures from a pipe. */
#ifndef RTABENCH_DRIVER_H
#define RTABENCH_DRIVER_H

#include <stdint.h>

#include "rtabench_alloc.h"
#include "rtabench_run.h"
#include "rtabench_timer.h"

enum { RB_Q_P50, RB_Q_P99, RB_Q_P999, RB_Q_P9999, RB_Q_MAX, RB_QUANTILES };

typedef struct rb_peer {
    const char *name; /* as printed and in file names */
    rb_kind kind;
    const char *soname;   /* preloaded library, NULL for none */
    const char *impl_tag; /* substring of the file that must define malloc */
    char lib_path[512];   /* where it was found */
    int available;
    int missing;   /* its library is not installed */
    char why[640]; /* when not available */
} rb_peer;

enum { RB_CELL_NOT_RUN, RB_CELL_OK, RB_CELL_NA, RB_CELL_MISSING, RB_CELL_SKIPPED, RB_CELL_ERROR };

typedef struct rb_op_figures {
    char name[8]; /* alloc, free, reset, frame */
    uint64_t samples, clean_samples;
    double ns[RB_QUANTILES];       /* every sample */
    double clean_ns[RB_QUANTILES]; /* samples of chunks with no preemption */
} rb_op_figures;

typedef struct rb_cell {
    int status;
    char note[200];
    char impl[200]; /* library that served malloc, as the child saw it */
    int n_ops;
    rb_op_figures ops[3];
    /* untimed pass, allocation plus its free: chunks with no preemption
     * (-1: none), and all chunks; units per second the same two ways
     * (workload 3: blocks through the ring) */
    double ns_per_alloc, ns_per_alloc_all;
    double throughput, throughput_all;
    long faults;                            /* minor + major, whole process, inside chunks */
    long chunks, clean_chunks, preemptions; /* measuring thread */
    long helper_chunks, helper_clean_chunks, helper_preemptions; /* w3 consumer */
    uint64_t neighbour_ops;
    long syscalls; /* strace pass; -1: not counted */
    char syscall_names[200];
    int round_position; /* --rounds: 1 when run first in its workload's round */
} rb_cell;

#define RB_MAX_PEERS 7
#define RB_MAX_ROUNDS 99

typedef struct rb_bench {
    rb_timer timer;
    int quick;
    double scale;
    const char *out_dir;
    const char *strace;  /* path, or NULL to skip that pass */
    const char *gnuplot; /* path, or NULL to skip the plot */
    char self[1024];     /* this program, for the children */
    int sanitized;
    int n_peers;
    rb_peer peers[RB_MAX_PEERS];
    int want_workload[RB_W_COUNT + 1];
    rb_cell cells[RB_W_COUNT + 1][RB_MAX_PEERS];
    int rounds;           /* --rounds, 1 by default */
    rb_cell *round_cells; /* rounds x (RB_W_COUNT + 1) x RB_MAX_PEERS, when rounds > 1 */
} rb_bench;

/* rtabench_peers.c: fills b->peers; finds a peer's library (or marks it
 * missing); first executable called name in PATH, or NULL. */
void rb_peers_init(rb_bench *b);
void rb_peer_find_library(rb_peer *p);
const char *rb_find_in_path(const char *name);

/* rtabench_workloads.c */
const char *rb_workload_name(int w);
const char *rb_workload_words(int w);
/* Does the allocator apply to the workload (the arena only to frames)? */
int rb_workload_fits(int w, rb_kind kind);
/* Frames, steps or items per measured pass, and warm-up. */
unsigned long rb_workload_count(int w, int quick, double scale);

/* Child side: runs one workload for one allocator, prints its figures on
 * stdout, writes its CCDF files.  Returns the process exit status. */
int rb_child_main(int argc, char **argv);

/* Runs the child for cell (w, peer) and fills the cell. */
void rb_spawn_measure(rb_bench *b, int w, int peer);
/* Runs the child under strace -f and counts its system calls between the
 * two markers into the cell. */
void rb_spawn_count_syscalls(rb_bench *b, int w, int peer);

/* rtabench_rounds.c (--rounds N > 1): storage for every round's cells;
 * the order of the runnable allocators of workload w in a round (rotated
 * by one per round); keep moves cell (w, p) into the round's storage and
 * clears it for the next round; fold puts the medians over the rounds
 * into the cell (a failed round fails it); the spread table and the
 * per-round CSV. */
int rb_rounds_init(rb_bench *b);
void rb_rounds_order(const rb_bench *b, int w, int round, int *order, int *n);
void rb_rounds_keep(rb_bench *b, int round, int w, int p);
void rb_rounds_fold(rb_bench *b, int w, int p);
void rb_rounds_report(const rb_bench *b);
int rb_rounds_csv(const rb_bench *b, const char *path);

void rb_report_table(const rb_bench *b);
int rb_report_csv(const rb_bench *b, const char *path);
void rb_report_plots(const rb_bench *b);

#endif
