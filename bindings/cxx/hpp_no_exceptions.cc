/* include/rtalloc.hpp on its own, built with -fno-exceptions -Wpedantic:
 * the header compiles without anything else included first, and a failed
 * allocation aborts instead of throwing (checked in the child). */
#include <rtalloc.hpp>

#include <csignal>
#include <cstdio>
#include <sys/wait.h>
#include <unistd.h>

int main()
{
    rta_config cfg;
    rta_config_defaults(&cfg);
    cfg.pool_bytes = 1u << 20;
    cfg.flags &= ~static_cast<unsigned>(RTA_DEBUG);
    rta_heap *h = nullptr;
    if (rta_heap_create(&h, &cfg) != 0)
        return 1;
    rta::allocator<int> a(h);
    int *p = a.allocate(10);
    a.deallocate(p, 10);
    pid_t pid = fork();
    if (pid == 0) {
        rta::pool_resource pool(h);
        (void)pool.allocate(cfg.max_block * 2, 16); /* cannot be served */
        _exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    rta_heap_destroy(h);
    if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGABRT) {
        std::fprintf(stderr, "hpp_no_exceptions: a failed allocation did not abort\n");
        return 1;
    }
    std::puts("hpp_no_exceptions: a failed allocation aborts without exceptions");
    return 0;
}
