/* Names of stack frames, for reports printed off the real-time thread.
 *
 * dladdr names only what a module exports.  Static and hidden functions
 * (most of a plugin) are found in the module's ELF symbol table
 * (.symtab) when the file still has one: the file is mapped read-only
 * once and kept, and the function whose range holds the address is
 * taken.  C++ names are demangled with libstdc++'s __cxa_demangle when
 * the process has libstdc++ (a C++ program always does).  Everything
 * here may allocate and take the loader's lock: never call it on a
 * real-time thread, except in trap mode, on the way to abort(). */
#include "guard.h"

#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

extern char *program_invocation_name;

#define MODULES 64

struct module {
    const void *base;       /* dli_fbase, the key */
    int tried;              /* symtab looked for */
    const ElfW(Sym) *syms;  /* .symtab, or NULL */
    size_t nsyms;
    const char *strs;
    uintptr_t bias;         /* run-time address - link-time address */
};
static struct module modules[MODULES];
static unsigned nmodules;

static const ElfW(Shdr) *section(const ElfW(Ehdr) *eh, size_t size, unsigned i)
{
    if (eh->e_shoff == 0 || i >= eh->e_shnum ||
        eh->e_shoff + (size_t)(i + 1) * sizeof(ElfW(Shdr)) > size)
        return NULL;
    return (const ElfW(Shdr) *)((const char *)eh + eh->e_shoff) + i;
}

static void load_symtab(struct module *m, const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    struct stat st;
    void *map = MAP_FAILED;
    if (fstat(fd, &st) == 0 && st.st_size > (off_t)sizeof(ElfW(Ehdr)))
        map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED)
        return;
    size_t size = (size_t)st.st_size;
    const ElfW(Ehdr) *eh = map;
    if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_ident[EI_CLASS] != (sizeof(void *) == 8 ? ELFCLASS64 : ELFCLASS32))
        goto out;
    for (unsigned i = 0; i < eh->e_shnum; i++) {
        const ElfW(Shdr) *sh = section(eh, size, i);
        if (!sh || sh->sh_type != SHT_SYMTAB)
            continue;
        const ElfW(Shdr) *str = section(eh, size, sh->sh_link);
        if (!str || sh->sh_offset + sh->sh_size > size || str->sh_offset + str->sh_size > size)
            break;
        m->syms = (const ElfW(Sym) *)((const char *)map + sh->sh_offset);
        m->nsyms = sh->sh_size / sizeof(ElfW(Sym));
        m->strs = (const char *)map + str->sh_offset;
        return; /* kept mapped for the life of the process */
    }
out:
    munmap(map, size);
}

static struct module *module_of(const Dl_info *info, const struct link_map *lm,
                                const char *path)
{
    for (unsigned i = 0; i < nmodules; i++)
        if (modules[i].base == info->dli_fbase)
            return &modules[i];
    if (nmodules == MODULES)
        return NULL;
    struct module *m = &modules[nmodules++];
    m->base = info->dli_fbase;
    m->bias = lm ? lm->l_addr : 0;
    m->tried = 1;
    load_symtab(m, path);
    return m;
}

/* The function of .symtab holding addr, or NULL. */
static const char *symtab_lookup(const struct module *m, uintptr_t addr, uintptr_t *start)
{
    if (!m || !m->syms)
        return NULL;
    uintptr_t v = addr - m->bias;
    const ElfW(Sym) *best = NULL;
    for (size_t i = 0; i < m->nsyms; i++) {
        const ElfW(Sym) *s = &m->syms[i];
        if (ELF64_ST_TYPE(s->st_info) != STT_FUNC || s->st_shndx == SHN_UNDEF)
            continue;
        if (v >= s->st_value && v < s->st_value + (s->st_size ? s->st_size : 1) &&
            (!best || s->st_value > best->st_value))
            best = s;
    }
    if (!best)
        return NULL;
    *start = best->st_value + m->bias;
    return m->strs + best->st_name;
}

typedef char *(*demangle_fn)(const char *, char *, size_t *, int *);

static void set_func(struct rta__guard_sym *out, const char *name)
{
    static demangle_fn demangle;
    static int looked;
    size_t cap = sizeof out->func;
    out->func[0] = '\0';
    if (name[0] == '_' && name[1] == 'Z') {
        if (!looked) {
            demangle = (demangle_fn)dlsym(RTLD_DEFAULT, "__cxa_demangle");
            looked = 1;
        }
        int status = -1;
        char *d = demangle ? demangle(name, NULL, NULL, &status) : NULL;
        if (d && status == 0) {
            strncat(out->func, d, cap - 1);
            free(d);
            return;
        }
        free(d);
    }
    strncat(out->func, name, cap - 1);
}

static const char *basename_of(const char *path)
{
    const char *b = strrchr(path, '/');
    return b ? b + 1 : path;
}

void rta__guard_symbolize(const void *pc, struct rta__guard_sym *out)
{
    Dl_info info;
    struct link_map *lm = NULL;
    memset(out, 0, sizeof *out);
    out->base = out->module;
    rta__guard_tls.busy++;
    if (!dladdr1(pc, &info, (void **)&lm, RTLD_DL_LINKMAP) || !info.dli_fbase) {
        rta__guard_tls.busy--;
        return;
    }
    /* The main program's name is "": read it from /proc/self/exe. */
    const char *path = info.dli_fname;
    if (!path || !*path || (lm && lm->l_name && !*lm->l_name)) {
        ssize_t n = readlink("/proc/self/exe", out->module, sizeof out->module - 1);
        out->module[n > 0 ? n : 0] = '\0';
    } else {
        strncat(out->module, path, sizeof out->module - 1);
    }
    out->base = basename_of(out->module);
    const ElfW(Ehdr) *eh = info.dli_fbase;
    out->offset = eh->e_type == ET_EXEC ? (uintptr_t)pc : (uintptr_t)pc - (uintptr_t)info.dli_fbase;
    out->system = rta__guard_system_module(out->module);
    Dl_info self;
    out->guard = dladdr((const void *)&rta__guard_symbolize, &self) &&
                 self.dli_fbase == info.dli_fbase;
    uintptr_t start = 0;
    const char *name = symtab_lookup(module_of(&info, lm, out->module), (uintptr_t)pc, &start);
    if (info.dli_sname && info.dli_saddr &&
        (!name || (uintptr_t)info.dli_saddr >= start)) {
        name = info.dli_sname;
        start = (uintptr_t)info.dli_saddr;
    }
    if (name && *name) {
        set_func(out, name);
        out->func_off = (uintptr_t)pc - start;
    }
    rta__guard_tls.busy--;
}

int rta__guard_first_own_frame(void *const *frames, int nframes)
{
    for (int i = 0; i < nframes; i++) {
        struct rta__guard_sym sym;
        rta__guard_symbolize(frames[i], &sym);
        if (!sym.system && !sym.guard && sym.module[0])
            return i;
    }
    return nframes;
}
