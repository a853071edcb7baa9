/* rtsection_next: the real definition of a wrapped audio-library function.
 *
 * dlsym(RTLD_NEXT) finds it when the audio library is in the global
 * scope (linked by the program, or opened with RTLD_GLOBAL).  A program
 * whose audio code lives in a module opened with RTLD_LOCAL (csound's
 * rtjack) still calls our wrapper, since preloaded libraries come first
 * in every module's scope, but the library is then visible only to that
 * module: so look for it among the loaded objects by file name and ask
 * it directly.  dlopen(RTLD_NOLOAD) only takes a reference on what is
 * already loaded; it is dropped at once. */
#include "config.h"

#include "rtsection.h"

#include <dlfcn.h>
#include <link.h>
#include <string.h>

struct search {
    const char *prefix;
    char path[4096];
};

static int find_library(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    struct search *s = data;
    const char *name = info->dlpi_name;
    if (!name || !*name)
        return 0;
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    if (strncmp(base, s->prefix, strlen(s->prefix)) != 0)
        return 0;
    size_t len = strlen(name);
    if (len >= sizeof s->path)
        return 0;
    memcpy(s->path, name, len + 1);
    return 1;
}

void *rtsection_next(const char *name, const char *lib_prefix)
{
    rtsection_busy(1);
    void *f = dlsym(RTLD_NEXT, name);
    if (!f && lib_prefix) {
        struct search s = {lib_prefix, ""};
        /* dlopen outside the iteration: dl_iterate_phdr holds the
         * loader's lock. */
        if (dl_iterate_phdr(find_library, &s)) {
            void *h = dlopen(s.path, RTLD_LAZY | RTLD_NOLOAD);
            if (h) {
                f = dlsym(h, name);
                dlclose(h);
            }
        }
    }
    rtsection_busy(-1);
    return f;
}
