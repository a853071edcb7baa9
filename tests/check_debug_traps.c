/* The default trap handler (on_trap NULL): with RTA_DEBUG each trap
 * kind ends the process with SIGABRT after a report on stderr naming the
 * trap, with a stack trace.
 *
 * These tests need Check's fork mode (tcase_add_test_raise_signal), so
 * they live in their own program that skips itself (exit 77) when run
 * with CK_FORK=no, e.g. under valgrind.
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_util.h"

static rta_heap *default_debug_heap(unsigned flags)
{
    rta_config cfg;
    rta_config_defaults(&cfg);
    cfg.pool_bytes = 1 * MiB;
    cfg.arena_bytes = 0;
    cfg.flags = RTA_DEBUG | flags;
    ck_assert_ptr_null(cfg.on_trap);
    return tu_create(&cfg);
}

START_TEST(test_abort_exhausted)
{
    rta_heap *h = default_debug_heap(0);
    void *p = rta_malloc(h, 64 * KiB + 1);
    (void)p;
    ck_abort_msg("returned from an exhausted trap");
}
END_TEST

START_TEST(test_abort_fallback)
{
    rta_heap *h = default_debug_heap(RTA_FALLBACK_SYSTEM);
    void *p = rta_malloc(h, 100 * KiB);
    free(p);
    ck_abort_msg("returned from a fallback trap");
}
END_TEST

START_TEST(test_abort_double_free)
{
    rta_heap *h = default_debug_heap(0);
    void *keep = rta_malloc(h, 64);
    void *p = rta_malloc(h, 64);
    (void)keep;
    rta_free(h, p);
    rta_free(h, p);
    ck_abort_msg("returned from a double-free trap");
}
END_TEST

START_TEST(test_abort_foreign_free)
{
    rta_heap *h = default_debug_heap(0);
    int on_stack;
    rta_free(h, &on_stack);
    ck_abort_msg("returned from a foreign-free trap");
}
END_TEST

START_TEST(test_abort_interior_free)
{
    rta_heap *h = default_debug_heap(0);
    char *p = rta_malloc(h, 256);
    rta_free(h, p + 32);
    ck_abort_msg("returned from an interior-free trap");
}
END_TEST

START_TEST(test_abort_size_mismatch)
{
    rta_heap *h = default_debug_heap(0);
    void *p = rta_malloc(h, 64);
    rta_free_sized(h, p, 4000);
    ck_abort_msg("returned from a size-mismatch trap");
}
END_TEST

START_TEST(test_abort_leak)
{
    rta_heap *h = default_debug_heap(0);
    void *p = rta_malloc(h, 64);
    (void)p;
    rta_heap_destroy(h);
    ck_abort_msg("returned from a leak trap");
}
END_TEST

START_TEST(test_no_abort_when_clean)
{
    /* The same calls without a mistake do not abort. */
    rta_heap *h = default_debug_heap(0);
    void *p = rta_malloc(h, 64);
    rta_free_sized(h, p, 64);
    p = rta_malloc(h, 256);
    rta_free(h, p);
    rta_heap_destroy(h);
}
END_TEST

/* Runs a double free in a child with stderr on a pipe; returns the
 * child's status and what it wrote. */
static int double_free_report(char *text, size_t cap)
{
    int pfd[2];
    ck_assert_int_eq(pipe(pfd), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        close(pfd[0]);
        dup2(pfd[1], 2);
        rta_heap *h = NULL;
        rta_config cfg;
        rta_config_defaults(&cfg);
        cfg.pool_bytes = 1 * MiB;
        cfg.flags = RTA_DEBUG;
        if (rta_heap_create(&h, &cfg) != 0)
            _exit(3);
        void *keep = rta_malloc(h, 64);
        void *p = rta_malloc(h, 64);
        (void)keep;
        rta_free(h, p);
        rta_free(h, p);
        _exit(4);
    }
    close(pfd[1]);
    size_t n = 0;
    ssize_t r;
    while (n + 1 < cap && (r = read(pfd[0], text + n, cap - 1 - n)) > 0)
        n += (size_t)r;
    text[n] = 0;
    close(pfd[0]);
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    return status;
}

START_TEST(test_default_report)
{
    static char text[16384];
    int status = double_free_report(text, sizeof text);
    ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT, "status %#x", status);
    const char *name = rta_trap_name(RTA_TRAP_DOUBLE_FREE);
    ck_assert_msg(strstr(text, name) != NULL, "report lacks \"%s\":\n%s", name, text);
    /* A stack trace follows the headline: several lines. */
    int lines = 0;
    for (const char *c = text; *c; c++)
        lines += *c == '\n';
    ck_assert_msg(lines >= 3, "no stack trace in report:\n%s", text);
}
END_TEST

static Suite *debug_traps_suite(void)
{
    Suite *s = suite_create("debug_traps");
    TCase *tc = tcase_create("default_handler");
    tcase_set_timeout(tc, 30);
    tcase_add_test_raise_signal(tc, test_abort_exhausted, SIGABRT);
    tcase_add_test_raise_signal(tc, test_abort_fallback, SIGABRT);
    tcase_add_test_raise_signal(tc, test_abort_double_free, SIGABRT);
    tcase_add_test_raise_signal(tc, test_abort_foreign_free, SIGABRT);
    tcase_add_test_raise_signal(tc, test_abort_interior_free, SIGABRT);
    tcase_add_test_raise_signal(tc, test_abort_size_mismatch, SIGABRT);
    tcase_add_test_raise_signal(tc, test_abort_leak, SIGABRT);
    tcase_add_test(tc, test_no_abort_when_clean);
    tcase_add_test(tc, test_default_report);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    const char *fork_mode = getenv("CK_FORK");
    if (fork_mode && strcmp(fork_mode, "no") == 0) {
        fprintf(stderr, "check_debug_traps: needs CK_FORK=yes, skipped\n");
        return 77;
    }
    return tu_run(debug_traps_suite());
}
