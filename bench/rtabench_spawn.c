/* Spawning the children: the measuring pass and the strace pass.
 *
 * The child gets a clean environment (the caller's LD_PRELOAD removed,
 * the peer's library set where there is one).  Under strace the library
 * is given with -E, so strace itself does not run on the peer.  System
 * calls are counted from the strace log between each pair of marker
 * writes, from every thread: a line for each call made (the "resumed"
 * halves of interrupted calls, signals and exits are not calls).  With
 * -f, strace writes a thread's call when it starts, so a call another
 * thread starts inside a window is counted, one it starts outside is not. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rtabench_driver.h"

extern char **environ;

#define RB_MAX_ARGS 48

typedef struct argv_buf {
    char *argv[RB_MAX_ARGS];
    char text[RB_MAX_ARGS][256];
    int n;
} argv_buf;

static void arg(argv_buf *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void arg(argv_buf *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->text[a->n], sizeof a->text[0], fmt, ap);
    va_end(ap);
    a->argv[a->n] = a->text[a->n];
    a->argv[++a->n] = NULL;
}

static void child_args(argv_buf *a, const rb_bench *b, int w, const rb_peer *p, int with_ccdf)
{
    unsigned long count = rb_workload_count(w, b->quick, b->scale);
    arg(a, "%s", b->self);
    arg(a, "--child"), arg(a, "%d", w);
    arg(a, "--peer"), arg(a, "%s", p->name);
    arg(a, "--kind"), arg(a, "%d", (int)p->kind);
    if (p->impl_tag)
        arg(a, "--impl"), arg(a, "%s", p->impl_tag);
    arg(a, "--tsc"), arg(a, "%d", b->timer.use_tsc);
    arg(a, "--ticks-per-ns"), arg(a, "%.9g", b->timer.ticks_per_ns);
    arg(a, "--overhead"), arg(a, "%llu", (unsigned long long)b->timer.overhead_ticks);
    arg(a, "--resolution"), arg(a, "%llu", (unsigned long long)b->timer.resolution_ticks);
    arg(a, "--count"), arg(a, "%lu", count);
    arg(a, "--warmup"), arg(a, "%lu", count / 10 ? count / 10 : 1);
    if (with_ccdf)
        arg(a, "--ccdf-dir"), arg(a, "%s/ccdf", b->out_dir);
}

/* environ without LD_PRELOAD, plus preload= when given. */
static char **child_environment(const char *preload)
{
    static char *env[4096];
    static char preload_var[600];
    int n = 0;
    for (char **e = environ; *e && n < 4094; e++)
        if (strncmp(*e, "LD_PRELOAD=", 11) != 0)
            env[n++] = *e;
    if (preload) {
        snprintf(preload_var, sizeof preload_var, "LD_PRELOAD=%s", preload);
        env[n++] = preload_var;
    }
    env[n] = NULL;
    return env;
}

/* Runs argv with env; its stdout into out (NUL-terminated).  Returns the
 * wait status, or -1 when it could not be started. */
static int run_capture(char **argv, char **env, char *out, size_t out_size)
{
    int fds[2];
    if (pipe(fds) != 0)
        return -1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        dup2(fds[1], STDOUT_FILENO);
        close(fds[0]);
        close(fds[1]);
        execve(argv[0], argv, env);
        fprintf(stderr, "rtabench: cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(fds[1]);
    size_t used = 0;
    for (;;) {
        char sink[4096];
        char *dst = used + 1 < out_size ? out + used : sink;
        size_t room = used + 1 < out_size ? out_size - 1 - used : sizeof sink;
        ssize_t got = read(fds[0], dst, room);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        if (dst != sink)
            used += (size_t)got;
    }
    out[used] = '\0';
    close(fds[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return status;
}

static void parse_child_output(rb_cell *c, char *text)
{
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        if (!strncmp(line, "impl ", 5)) {
            snprintf(c->impl, sizeof c->impl, "%s", line + 5);
        } else if (!strncmp(line, "op ", 3) && c->n_ops < 3) {
            rb_op_figures *o = &c->ops[c->n_ops];
            unsigned long long n, nc;
            double *a = o->ns, *b = o->clean_ns;
            if (sscanf(line + 3, "%7s %llu %lf %lf %lf %lf %lf %llu %lf %lf %lf %lf %lf", o->name,
                       &n, &a[0], &a[1], &a[2], &a[3], &a[4], &nc, &b[0], &b[1], &b[2], &b[3],
                       &b[4]) == 13) {
                o->samples = n;
                o->clean_samples = nc;
                c->n_ops++;
            }
        } else if (!strncmp(line, "untimed ", 8)) {
            sscanf(line + 8, "%lf %lf %lf %lf", &c->ns_per_alloc, &c->ns_per_alloc_all,
                   &c->throughput, &c->throughput_all);
        } else if (!strncmp(line, "faults ", 7)) {
            c->faults = strtol(line + 7, NULL, 10);
        } else if (!strncmp(line, "chunks ", 7)) {
            sscanf(line + 7, "%ld %ld %ld", &c->chunks, &c->clean_chunks, &c->preemptions);
        } else if (!strncmp(line, "helper_chunks ", 14)) {
            sscanf(line + 14, "%ld %ld %ld", &c->helper_chunks, &c->helper_clean_chunks,
                   &c->helper_preemptions);
        } else if (!strncmp(line, "neighbour_ops ", 14)) {
            c->neighbour_ops = strtoull(line + 14, NULL, 10);
        }
    }
}

static void describe_status(char *note, size_t size, int status)
{
    if (status < 0)
        snprintf(note, size, "could not start the child");
    else if (WIFSIGNALED(status))
        snprintf(note, size, "child killed by signal %d", WTERMSIG(status));
    else {
        /* the child's exit codes, see rb_child_main */
        static const char *const why[] = {"",
                                          "",
                                          "bad arguments",
                                          "malloc not served by the peer's library",
                                          "allocator set-up failed",
                                          "an allocation failed"};
        int code = WEXITSTATUS(status);
        snprintf(note, size, "child exited with status %d%s%s", code,
                 code >= 2 && code <= 5 ? ": " : "", code >= 2 && code <= 5 ? why[code] : "");
    }
}

void rb_spawn_measure(rb_bench *b, int w, int peer)
{
    static char out[65536];
    const rb_peer *p = &b->peers[peer];
    rb_cell *c = &b->cells[w][peer];
    argv_buf a = {.n = 0};
    child_args(&a, b, w, p, 1);
    int status =
        run_capture(a.argv, child_environment(p->soname ? p->lib_path : NULL), out, sizeof out);
    c->syscalls = -1;
    if (status != 0) {
        c->status = RB_CELL_ERROR;
        describe_status(c->note, sizeof c->note, status);
        return;
    }
    parse_child_output(c, out);
    c->status = c->n_ops > 0 ? RB_CELL_OK : RB_CELL_ERROR;
    if (c->status == RB_CELL_ERROR)
        snprintf(c->note, sizeof c->note, "child printed no figures");
}

/* Counts calls between each begin marker and the next end marker (every
 * chunk has a pair); names tallied into c->syscall_names.  -1 when no
 * marker was seen. */
static long count_between_markers(FILE *log, rb_cell *c)
{
    char line[4096];
    int inside = 0;
    long calls = 0, windows = 0;
    struct {
        char name[32];
        long n;
    } tally[32];
    int n_tally = 0;

    while (fgets(line, sizeof line, log)) {
        if (strstr(line, RB_MARK_BEGIN)) {
            inside = 1;
            windows++;
            continue;
        }
        if (strstr(line, RB_MARK_END)) {
            inside = 0;
            continue;
        }
        if (!inside)
            continue;
        char *s = line;
        while (*s >= '0' && *s <= '9') /* pid from -f */
            s++;
        while (*s == ' ')
            s++;
        if (!strncmp(s, "<...", 4) || !strncmp(s, "---", 3) || !strncmp(s, "+++", 3))
            continue;
        size_t len = strcspn(s, "(");
        if (len == 0 || len >= sizeof tally[0].name || s[len] != '(')
            continue;
        calls++;
        int i;
        for (i = 0; i < n_tally; i++)
            if (strlen(tally[i].name) == len && !strncmp(tally[i].name, s, len))
                break;
        if (i == n_tally && n_tally < 32) {
            memcpy(tally[i].name, s, len);
            tally[i].name[len] = '\0';
            tally[i].n = 0;
            n_tally++;
        }
        if (i < n_tally)
            tally[i].n++;
    }
    c->syscall_names[0] = '\0';
    for (int i = 0; i < n_tally; i++) {
        size_t used = strlen(c->syscall_names);
        snprintf(c->syscall_names + used, sizeof c->syscall_names - used, "%s%s:%ld", i ? " " : "",
                 tally[i].name, tally[i].n);
    }
    return windows ? calls : -1;
}

void rb_spawn_count_syscalls(rb_bench *b, int w, int peer)
{
    static char out[65536];
    const rb_peer *p = &b->peers[peer];
    rb_cell *c = &b->cells[w][peer];
    char log_path[1024], preload[600];
    argv_buf a = {.n = 0};

    snprintf(log_path, sizeof log_path, "%s/strace-w%d-%s.log", b->out_dir, w, p->name);
    if (p->soname)
        snprintf(preload, sizeof preload, "LD_PRELOAD=%s", p->lib_path);
    else
        snprintf(preload, sizeof preload, "LD_PRELOAD");
    arg(&a, "%s", b->strace);
    arg(&a, "-f"), arg(&a, "-qq"), arg(&a, "-o"), arg(&a, "%s", log_path);
    arg(&a, "-E"), arg(&a, "%s", preload);
    if (b->sanitized) { /* LeakSanitizer cannot run under ptrace */
        const char *asan = getenv("ASAN_OPTIONS");
        arg(&a, "-E");
        arg(&a, "ASAN_OPTIONS=%s%sdetect_leaks=0", asan ? asan : "", asan && *asan ? ":" : "");
    }
    argv_buf child = {.n = 0};
    child_args(&child, b, w, p, 0);
    for (int i = 0; i < child.n; i++)
        arg(&a, "%s", child.text[i]);

    int status = run_capture(a.argv, child_environment(NULL), out, sizeof out);
    FILE *log = fopen(log_path, "r");
    if (status != 0 || !log) {
        c->syscalls = -1;
        snprintf(c->syscall_names, sizeof c->syscall_names, "strace pass failed");
        if (log)
            fclose(log);
        return;
    }
    c->syscalls = count_between_markers(log, c);
    fclose(log);
    if (c->syscalls >= 0)
        unlink(log_path);
}
