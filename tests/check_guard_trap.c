/* Tests of the guard's reports, each in a child process whose stderr is
 * captured: the trap (SIGABRT, and a report naming the call, its size, the
 * thread and the function that made it), the count-mode exit line, and
 * log mode (each call site reported once, the program keeps running).
 *
 * The program is linked with -export-dynamic so its functions are in the
 * dynamic symbol table, where the report finds their names. */
#include "config.h"

#include <check.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rtalloc.h"
#include "rtalloc_guard.h"

extern void *_Znwm(size_t size);

static void *(*volatile v_malloc)(size_t) = malloc;
static void *(*volatile v_calloc)(size_t, size_t) = calloc;
static void (*volatile v_free)(void *) = free;

static char output[16384];
static pid_t child_pid;

/* Runs fn in a child with stderr into a pipe; returns the wait status and
 * leaves the child's stderr in output. */
static int run_child(void (*fn)(void))
{
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    child_pid = pid;
    if (pid == 0) {
        close(fds[0]);
        dup2(fds[1], 2);
        fn();
        exit(0);
    }
    close(fds[1]);
    size_t len = 0;
    ssize_t n;
    while (len < sizeof output - 1 && (n = read(fds[0], output + len, sizeof output - 1 - len)) > 0)
        len += (size_t)n;
    output[len] = '\0';
    close(fds[0]);
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    return status;
}

static int occurrences(const char *text, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(text, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* Not static: its name must be in the dynamic symbol table. */
void naughty_callback_fn(void);
__attribute__((noinline)) void naughty_callback_fn(void)
{
    v_free(v_malloc(4242));
    __asm__ volatile("" ::: "memory"); /* no tail call: keep this frame */
}

static void child_trap_malloc(void)
{
    rta_guard_set_mode(RTA_GUARD_TRAP);
    rta_rt_enter();
    naughty_callback_fn();
}

START_TEST(trap_reports_and_aborts)
{
    int status = run_child(child_trap_malloc);
    ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT,
                  "child did not die of SIGABRT (status %d)\n%s", status, output);
    ck_assert_msg(strstr(output, "rtalloc-guard: trap: malloc(4242) in a real-time section\n"),
                  "%s", output);
    ck_assert_msg(strstr(output, "system-heap call 1 in RT sections on this thread"), "%s",
                  output);
    ck_assert_msg(strstr(output, "rtalloc-guard:   thread "), "%s", output);
    /* The first frame is the function that called malloc. */
    ck_assert_msg(strstr(output, "#0 0x") &&
                      strstr(output, " in naughty_callback_fn+0x") <
                          strstr(output, "#1 0x"),
                  "%s", output);
    ck_assert_msg(strstr(output, "check_guard_trap+0x"), "no module+offset:\n%s", output);
    ck_assert_msg(strstr(output, "rtalloc-guard: abort()"), "%s", output);
    /* The guard's own frames are left out. */
    ck_assert_msg(!strstr(output, "librtalloc_guard"), "%s", output);
}
END_TEST

static void child_trap_new(void)
{
    rta_guard_set_mode(RTA_GUARD_TRAP);
    rta_rt_enter();
    (void)_Znwm(24);
}

START_TEST(trap_names_operator_new)
{
    int status = run_child(child_trap_new);
    ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
    ck_assert_msg(strstr(output, "rtalloc-guard: trap: operator new(24) in a real-time section"),
                  "%s", output);
}
END_TEST

static void child_trap_usleep(void)
{
    rta_guard_set_mode(RTA_GUARD_TRAP);
    rta_guard_set_strict(1);
    rta_rt_enter();
    usleep(1000);
}

START_TEST(strict_trap_names_blocking_call)
{
    int status = run_child(child_trap_usleep);
    ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
    ck_assert_msg(strstr(output, "rtalloc-guard: trap: usleep(1000) blocks in a real-time section"),
                  "%s", output);
}
END_TEST

static void child_count(void)
{
    rta_guard_set_mode(RTA_GUARD_COUNT);
    rta_rt_enter();
    void *p = v_calloc(3, 5);
    v_free(v_malloc(7));
    v_free(p);
    rta_rt_leave();
    v_free(v_malloc(7)); /* outside: not counted */
}

START_TEST(count_mode_exit_line)
{
    int status = run_child(child_count);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    ck_assert_msg(strstr(output, "]: 4 system-heap calls in RT sections\n"), "%s", output);
    ck_assert_msg(!strstr(output, "rtalloc-guard: trap"), "%s", output);
    /* Each summary line names the process; the sites are attributed to
     * the function that called, in this program's module. */
    char prefix[64];
    snprintf(prefix, sizeof prefix, "rtalloc-guard[%d check_guard_trap]: ", (int)child_pid);
    ck_assert_int_eq(occurrences(output, "rtalloc-guard"), occurrences(output, prefix));
    ck_assert_int_eq(occurrences(output, "]: site: 1 calloc in child_count+0x"), 1);
    ck_assert_int_eq(occurrences(output, "]: site: 1 malloc in child_count+0x"), 1);
    ck_assert_int_eq(occurrences(output, "]: site: 1 free in child_count+0x"), 2);
    ck_assert_int_eq(occurrences(output, "]: module check_guard_trap: 4 calls\n"), 1);
}
END_TEST

void log_site_a(void);
__attribute__((noinline)) void log_site_a(void)
{
    v_free(v_malloc(16));
    __asm__ volatile("" ::: "memory"); /* no tail call: keep this frame */
}

void log_site_b(void);
__attribute__((noinline)) void log_site_b(void)
{
    v_free(v_calloc(2, 8));
    __asm__ volatile("" ::: "memory");
}

static void child_log(void)
{
    rta_guard_set_mode(RTA_GUARD_LOG);
    rta_rt_enter();
    for (int i = 0; i < 50; i++)
        log_site_a(); /* 100 calls, two sites (malloc, free) */
    log_site_b();     /* 2 calls, two more sites */
    rta_rt_leave();
    rta_guard_log_flush();
}

START_TEST(log_mode_reports_each_site_once)
{
    int status = run_child(child_log);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s", output);
    ck_assert_int_eq(occurrences(output, "rtalloc-guard: log: "), 4);
    ck_assert_int_eq(occurrences(output, "rtalloc-guard: log: malloc(16) in a real-time section"),
                     1);
    ck_assert_int_eq(occurrences(output, "rtalloc-guard: log: calloc(2, 8) in a real-time section"),
                     1);
    /* One frame of each report, and one summary line of each site. */
    ck_assert_int_eq(occurrences(output, " in log_site_a+0x"), 2 + 2);
    ck_assert_int_eq(occurrences(output, " in log_site_b+0x"), 2 + 2);
    ck_assert_int_eq(occurrences(output, "]: site: 50 malloc in log_site_a+0x"), 1);
    ck_assert_int_eq(occurrences(output, "]: site: 50 free in log_site_a+0x"), 1);
    ck_assert_msg(strstr(output, "]: 102 system-heap calls in RT sections\n"), "%s", output);
}
END_TEST

static Suite *trap_suite(void)
{
    Suite *s = suite_create("guard reports");
    TCase *tc = tcase_create("reports");
    tcase_add_test(tc, trap_reports_and_aborts);
    tcase_add_test(tc, trap_names_operator_new);
    tcase_add_test(tc, strict_trap_names_blocking_call);
    tcase_add_test(tc, count_mode_exit_line);
    tcase_add_test(tc, log_mode_reports_each_site_once);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    if (!rta_guard_interposed()) {
        printf("SKIP: malloc is not the guard's in this build (sanitizers?)\n");
        return 77;
    }
    SRunner *sr = srunner_create(trap_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
