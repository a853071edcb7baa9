/* The allocators rtabench compares, and where their libraries are.
 *
 * rtalloc (pools and frame arena) is linked in; glibc's malloc is the
 * process's own; jemalloc, mimalloc and tcmalloc are preloaded from the
 * Debian packages' shared libraries (libjemalloc2, libmimalloc2.0,
 * libtcmalloc-minimal4), looked up in the usual library directories at
 * run time.  One that is not there is marked missing, never replaced. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rtabench_driver.h"

#if defined(__x86_64__)
#define RB_MULTIARCH "x86_64-linux-gnu"
#elif defined(__aarch64__)
#define RB_MULTIARCH "aarch64-linux-gnu"
#elif defined(__i386__)
#define RB_MULTIARCH "i386-linux-gnu"
#else
#define RB_MULTIARCH "unknown"
#endif

static void add_peer(rb_bench *b, const char *name, rb_kind kind, const char *soname,
                     const char *tag)
{
    rb_peer *p = &b->peers[b->n_peers++];
    memset(p, 0, sizeof *p);
    p->name = name;
    p->kind = kind;
    p->soname = soname;
    p->impl_tag = tag;
    p->available = 1;
}

void rb_peers_init(rb_bench *b)
{
    b->n_peers = 0;
    add_peer(b, "rtalloc", RB_RTA_POOLS, NULL, NULL);
    add_peer(b, "rtalloc-arena", RB_RTA_ARENA, NULL, NULL);
    add_peer(b, "glibc", RB_SYSTEM, NULL, "libc.so");
    add_peer(b, "jemalloc", RB_SYSTEM, "libjemalloc.so.2", "libjemalloc");
    add_peer(b, "mimalloc", RB_SYSTEM, "libmimalloc.so.2", "libmimalloc");
    add_peer(b, "tcmalloc", RB_SYSTEM, "libtcmalloc_minimal.so.4", "libtcmalloc");
    /* rtalloc entering through malloc (librtalloc_malloc), preloaded like
     * the peers: found when installed, or given with --lib (issue 11). */
    add_peer(b, "rtalloc-malloc", RB_SYSTEM, "librtalloc_malloc.so.0", "librtalloc_malloc");
}

/* First executable called name in PATH, or NULL. */
const char *rb_find_in_path(const char *name)
{
    static char found[4][1024];
    static int used;
    const char *path = getenv("PATH");
    if (!path || used == 4)
        return NULL;
    while (*path) {
        size_t len = strcspn(path, ":");
        snprintf(found[used], sizeof found[used], "%.*s/%s", (int)len, path, name);
        if (len && access(found[used], X_OK) == 0)
            return found[used++];
        path += len + (path[len] == ':');
    }
    return NULL;
}

void rb_peer_find_library(rb_peer *p)
{
    static const char *const dirs[] = {"/usr/lib/" RB_MULTIARCH, "/lib/" RB_MULTIARCH, "/usr/lib64",
                                       "/usr/lib", "/usr/local/lib"};
    if (!p->soname)
        return;
    if (p->lib_path[0]) { /* given with --lib */
        if (access(p->lib_path, R_OK) != 0) {
            p->available = 0;
            p->missing = 1;
            snprintf(p->why, sizeof p->why, "%s: %s", p->lib_path, strerror(errno));
        }
        return;
    }
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        snprintf(p->lib_path, sizeof p->lib_path, "%s/%s", dirs[i], p->soname);
        if (access(p->lib_path, R_OK) == 0)
            return;
    }
    p->lib_path[0] = '\0';
    p->available = 0;
    p->missing = 1;
    snprintf(p->why, sizeof p->why, "%s not installed", p->soname);
}
