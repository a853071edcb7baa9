/* RTALLOC_GUARD_SUPPRESS=FILE: calls the user has decided to accept.
 *
 * One rule a line, `#` starts a comment (to the end of the line):
 *   fun:GLOB   a frame of the call's stack whose function name (demangled
 *              for C++) matches, e.g. fun:sord_ask
 *   mod:GLOB   a frame whose module's file name (basename) matches,
 *              e.g. mod:libsord-0.so*
 *   call:NAME  the call itself: a glob on its name ("malloc",
 *              "operator new*"), or a word of it ("mutex" matches
 *              pthread_mutex_lock, "delete" every operator delete)
 * A call that any rule matches is suppressed: counted apart, never
 * trapped, not printed by log mode, not in the exit status.
 *
 * The file is read once at start-up into static storage.  A site's
 * verdict needs its frames' names, so it is decided off the real-time
 * thread (log mode's printing thread, the exit summary), except in trap
 * mode, where a new site is symbolized on the spot once. */
#include "guard.h"

#include <ctype.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <string.h>
#include <unistd.h>

#define RULES 128
#define RULE_LEN 200

enum { R_FUN, R_MOD, R_CALL };

struct rule {
    int kind;
    char glob[RULE_LEN];
};
static struct rule rules[RULES];
static int nrules;

int rta__guard_suppress_any(void)
{
    return nrules > 0;
}

static void warn(const char *what, const char *detail)
{
    char buf[400];
    struct rta__gbuf b = {buf, 0, sizeof buf};
    rta__gbuf_str(&b, "RTALLOC_GUARD_SUPPRESS: ");
    rta__gbuf_str(&b, what);
    rta__gbuf_str(&b, detail);
    rta__gbuf_str(&b, "\n");
    buf[b.len < sizeof buf ? b.len : sizeof buf - 1] = '\0';
    rta__guard_say(buf);
}

static void add_rule(char *line)
{
    char *hash = strchr(line, '#'); /* a comment, whole-line or trailing */
    if (hash)
        *hash = '\0';
    while (isspace((unsigned char)*line))
        line++;
    char *end = line + strlen(line);
    while (end > line && isspace((unsigned char)end[-1]))
        *--end = '\0';
    if (!*line)
        return;
    static const char *const prefix[] = {"fun:", "mod:", "call:"};
    for (int k = R_FUN; k <= R_CALL; k++) {
        size_t n = strlen(prefix[k]);
        if (strncmp(line, prefix[k], n) != 0)
            continue;
        if (nrules == RULES || strlen(line + n) >= RULE_LEN) {
            warn("rule ignored (too many or too long): ", line);
            return;
        }
        rules[nrules].kind = k;
        strcpy(rules[nrules].glob, line + n);
        nrules++;
        return;
    }
    warn("not a rule (fun:, mod: or call:): ", line);
}

void rta__guard_suppress_load(const char *path)
{
    if (!path || !*path)
        return;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        warn("cannot open ", path);
        return;
    }
    char buf[8192], line[512];
    size_t len = 0;
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) {
        for (ssize_t i = 0; i < n; i++) {
            if (buf[i] == '\n') {
                line[len] = '\0';
                add_rule(line);
                len = 0;
            } else if (len < sizeof line - 1) {
                line[len++] = buf[i];
            }
        }
    }
    line[len] = '\0';
    add_rule(line);
    close(fd);
}

/* "mutex" is a word of "pthread_mutex_lock"; "new" of "operator new[]". */
static int has_word(const char *name, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = name; (p = strstr(p, word)) != NULL; p++) {
        int starts = p == name || !isalnum((unsigned char)p[-1]);
        int ends = !isalnum((unsigned char)p[n]);
        if (starts && ends)
            return 1;
    }
    return 0;
}

static int call_matches(const struct rta__guard_call *call)
{
    for (int r = 0; r < nrules; r++) {
        if (rules[r].kind != R_CALL)
            continue;
        if (fnmatch(rules[r].glob, call->name, 0) == 0 || has_word(call->name, rules[r].glob))
            return 1;
    }
    return 0;
}

static int frame_matches(const struct rta__guard_sym *sym)
{
    for (int r = 0; r < nrules; r++) {
        if (rules[r].kind == R_FUN && sym->func[0] && fnmatch(rules[r].glob, sym->func, 0) == 0)
            return 1;
        if (rules[r].kind == R_MOD && sym->base[0] && fnmatch(rules[r].glob, sym->base, 0) == 0)
            return 1;
    }
    return 0;
}

int rta__guard_site_verdict(struct rta__guard_site *s)
{
    int v = __atomic_load_n(&s->verdict, __ATOMIC_ACQUIRE);
    if (v != RTA__VERDICT_UNKNOWN)
        return v;
    v = RTA__VERDICT_REPORT;
    if (nrules) {
        rta__guard_tls.busy++;
        if (call_matches(s->call))
            v = RTA__VERDICT_SUPPRESSED;
        for (int i = 0; i < s->nframes && v == RTA__VERDICT_REPORT; i++) {
            struct rta__guard_sym sym;
            rta__guard_symbolize(s->frames[i], &sym);
            if (!sym.guard && frame_matches(&sym))
                v = RTA__VERDICT_SUPPRESSED;
        }
        rta__guard_tls.busy--;
    }
    __atomic_store_n(&s->verdict, v, __ATOMIC_RELEASE);
    return v;
}
