/* The default trap handler (on_trap NULL): with RTA_DEBUG each trap
 * kind ends the process with SIGABRT after a report on stderr: the
 * headline "rtalloc: trap: <name>[, size N][, pointer 0x...]", then
 * "rtalloc: stack trace:" and the frames of the call that trapped.
 *
 * Each mistake runs in a child this program forks, with stderr on a pipe:
 * a test passes only on our handler's abort with our report (glibc's own
 * abort on a double free, say, has neither), and only when the trace is a
 * real one, whose frames are addresses inside librtalloc and inside this
 * program.  The child cannot use Check: it writes the headline it
 * expects (its pointers are its own) to shared memory before the mistake.
 */
#include "config.h"

#include <dlfcn.h>
#include <signal.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_util.h"

/* What the child expects to see, written before it makes its mistake. */
static struct expected {
    char headline[256];
} *expected;

static rta_heap *default_debug_heap(unsigned flags)
{
    rta_config cfg;
    rta_config_defaults(&cfg);
    cfg.pool_bytes = 1 * MiB;
    cfg.arena_bytes = 0;
    cfg.flags = RTA_DEBUG | flags;
    rta_heap *h = NULL;
    if (cfg.on_trap != NULL || rta_heap_create(&h, &cfg) != RTA_OK)
        _exit(3);
    return h;
}

/* The report's first line for a trap of `kind` (as src/trap.c words it:
 * size and pointer only where there is one). */
static void expect(int kind, size_t size, const void *ptr)
{
    int n = snprintf(expected->headline, sizeof expected->headline, "rtalloc: trap: %s",
                     rta_trap_name(kind));
    if (size)
        n += snprintf(expected->headline + n, sizeof expected->headline - (size_t)n,
                      ", size %zu", size);
    if (ptr)
        n += snprintf(expected->headline + n, sizeof expected->headline - (size_t)n,
                      ", pointer %#lx", (unsigned long)(uintptr_t)ptr);
    snprintf(expected->headline + n, sizeof expected->headline - (size_t)n,
             "\nrtalloc: stack trace:\n");
}

/* ---- the mistakes (run in the child; each must not return) -------------- */

static void exhausted(void)
{
    rta_heap *h = default_debug_heap(0);
    expect(RTA_TRAP_EXHAUSTED, 64 * KiB + 1, NULL);
    void *p = rta_malloc(h, tu_opaque(64 * KiB + 1));
    (void)p;
}

static void fallback(void)
{
    rta_heap *h = default_debug_heap(RTA_FALLBACK_SYSTEM);
    expect(RTA_TRAP_FALLBACK, 100 * KiB, NULL);
    void *p = rta_malloc(h, tu_opaque(100 * KiB));
    rta_free(h, p);
}

static void double_free(void)
{
    rta_heap *h = default_debug_heap(0);
    void *keep = rta_malloc(h, 64);
    void *p = rta_malloc(h, 64);
    (void)keep;
    rta_free(h, p);
    expect(RTA_TRAP_DOUBLE_FREE, 0, p);
    rta_free(h, p);
}

static void foreign_free(void)
{
    rta_heap *h = default_debug_heap(0);
    static int outside;
    expect(RTA_TRAP_FOREIGN_FREE, 0, &outside);
    rta_free(h, &outside);
}

static void interior_free(void)
{
    rta_heap *h = default_debug_heap(0);
    char *p = rta_malloc(h, 256);
    expect(RTA_TRAP_INTERIOR_FREE, 0, p + 32);
    rta_free(h, p + 32);
}

static void size_mismatch(void)
{
    rta_heap *h = default_debug_heap(0);
    void *p = rta_malloc(h, 64);
    expect(RTA_TRAP_SIZE_MISMATCH, 4000, p);
    rta_free_sized(h, p, 4000);
}

static void leak(void)
{
    rta_heap *h = default_debug_heap(0);
    void *p = rta_malloc(h, 64);
    (void)p;
    expect(RTA_TRAP_LEAK, 64, NULL);
    rta_heap_destroy(h);
}

static void clean(void)
{
    rta_heap *h = default_debug_heap(0);
    void *p = rta_malloc(h, 64);
    rta_free_sized(h, p, 64);
    p = rta_malloc(h, 256);
    rta_free(h, p);
    rta_heap_destroy(h);
}

/* ---- the parent's side --------------------------------------------------- */

static char text[16384];

/* Runs fn in a child with stderr on a pipe; returns its status, with
 * what it wrote in text. */
static int run_child(void (*fn)(void))
{
    int pfd[2];
    ck_assert_int_eq(pipe(pfd), 0);
    memset(expected, 0, sizeof *expected);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        close(pfd[0]);
        dup2(pfd[1], 2);
        fn();
        _exit(4); /* returned from the trap */
    }
    close(pfd[1]);
    size_t n = 0;
    ssize_t r;
    while (n + 1 < sizeof text && (r = read(pfd[0], text + n, sizeof text - 1 - n)) > 0)
        n += (size_t)r;
    text[n] = 0;
    close(pfd[0]);
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    return status;
}

/* The base address of the object (library or program) holding addr. */
static const void *object_of(const void *addr)
{
    Dl_info info;
    return dladdr(addr, &info) ? info.dli_fbase : NULL;
}

/* Checks the frames after the headline: lines of backtrace_symbols_fd,
 * "<object>(<symbol>+0x<off>)[0x<address>]", at least one inside
 * librtalloc (the trap) and one inside this program (the caller). */
static void check_stack_trace(const char *trace)
{
    const void *lib = object_of((const void *)rta_malloc);
    const void *prog = object_of((const void *)run_child);
    ck_assert_ptr_nonnull(lib);
    ck_assert_ptr_nonnull(prog);
    int frames = 0, in_lib = 0, in_prog = 0;
    for (const char *l = trace; *l;) {
        const char *end = strchr(l, '\n');
        if (!end)
            break;
        const char *open = memchr(l, '[', (size_t)(end - l));
        unsigned long addr;
        char close;
        if (open && end[-1] == ']' && sscanf(open, "[%lx%c", &addr, &close) == 2 && close == ']') {
            const void *obj = object_of((const void *)addr);
            frames++;
            in_lib += obj == lib;
            in_prog += obj == prog;
        }
        l = end + 1;
    }
    ck_assert_msg(frames >= 3, "%d frames in the stack trace:\n%s", frames, text);
    ck_assert_msg(in_lib > 0, "no frame inside librtalloc in the stack trace:\n%s", text);
    ck_assert_msg(in_prog > 0, "no frame inside the test program in the stack trace:\n%s", text);
}

static void expect_report(void (*fn)(void))
{
    int status = run_child(fn);
    ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT,
                  "status %#x (exit 4: returned from the trap), expected SIGABRT; stderr:\n%s",
                  status, text);
    ck_assert_msg(expected->headline[0] != 0, "the child stopped before its mistake:\n%s", text);
    const char *at = strstr(text, expected->headline);
    ck_assert_msg(at != NULL, "report lacks\n%s\nstderr:\n%s", expected->headline, text);
    check_stack_trace(at + strlen(expected->headline));
}

START_TEST(test_abort_exhausted)
{
    expect_report(exhausted);
}
END_TEST

START_TEST(test_abort_fallback)
{
    expect_report(fallback);
}
END_TEST

START_TEST(test_abort_double_free)
{
    expect_report(double_free);
}
END_TEST

START_TEST(test_abort_foreign_free)
{
    expect_report(foreign_free);
}
END_TEST

START_TEST(test_abort_interior_free)
{
    expect_report(interior_free);
}
END_TEST

START_TEST(test_abort_size_mismatch)
{
    expect_report(size_mismatch);
}
END_TEST

START_TEST(test_abort_leak)
{
    expect_report(leak);
    /* The leak summary comes first: it names the 64-byte class. */
    ck_assert_msg(strstr(text, " 64 ") != NULL, "leak summary lacks class 64:\n%s", text);
}
END_TEST

START_TEST(test_no_abort_when_clean)
{
    /* The same calls without a mistake: no abort, nothing on stderr. */
    int status = run_child(clean);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 4, "status %#x", status);
    ck_assert_str_eq(text, "");
}
END_TEST

static Suite *debug_traps_suite(void)
{
    Suite *s = suite_create("debug_traps");
    TCase *tc = tcase_create("default_handler");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_abort_exhausted);
    tcase_add_test(tc, test_abort_fallback);
    tcase_add_test(tc, test_abort_double_free);
    tcase_add_test(tc, test_abort_foreign_free);
    tcase_add_test(tc, test_abort_interior_free);
    tcase_add_test(tc, test_abort_size_mismatch);
    tcase_add_test(tc, test_abort_leak);
    tcase_add_test(tc, test_no_abort_when_clean);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    expected = mmap(NULL, sizeof *expected, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                    -1, 0);
    if (expected == MAP_FAILED)
        return EXIT_FAILURE;
    return tu_run(debug_traps_suite());
}
