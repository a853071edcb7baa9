/* game_loop: the double-buffered frame pattern with rtalloc.
 *
 * A fixed-step game loop (60 steps per simulated second, 600 frames by
 * default, no sleeping: the clock is simulated).  Two kinds of memory:
 *
 *   entities      live for many frames: spawned with rta_malloc from the
 *                 pools, despawned with rta_free when they leave the world
 *                 or die.
 *   frame data    lives for one frame (and one more): the list of visible
 *                 entities and the render command buffer, built each frame
 *                 in a frame arena, dropped with one rta_arena_reset.
 *
 * Two arenas are used in turn: the heap's frame arena on even frames, one
 * made with rta_arena_create on odd frames.  A frame resets only the arena
 * it is about to fill, so the previous frame's render commands are still
 * intact while the current ones are built; the "renderer" here matches
 * them up to interpolate motion between the two frames, which is what a
 * real renderer (or a render thread one frame behind) needs.
 *
 * Render commands copy what they need out of the entities: an entity may
 * be despawned while last frame's commands still refer to it by id.
 *
 * Each frame also uses a nested scratch scope (rta_arena_mark /
 * rta_arena_rewind) for sort keys and a lookup table.  The per-frame arena
 * peak is summarised at the end, followed by the heap's statistics.  The
 * program checks its own bookkeeping and exits 1 if anything is off: an
 * arena overflow, a missed reset, a live pool byte left after the last
 * despawn. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rtalloc.h"

enum {
    DEFAULT_FRAMES = 600,
    STEPS_PER_SECOND = 60,
    WORLD = 1000,        /* the world is WORLD x WORLD units */
    VIEW = 400,          /* the camera sees VIEW x VIEW of it */
    MAX_ENTITIES = 4000, /* spawning stops there (the pools hold far more) */
    ARENA_BYTES = 256u << 10,
    SUMMARY_FRAMES = 100 /* one summary line per this many frames */
};

struct entity {
    struct entity *next;
    uint32_t id;
    float x, y, vx, vy;
    int hp;
    uint16_t sprite;
};

struct draw_cmd {
    uint32_t entity_id;
    uint32_t sort_key; /* depth: draw far (small y) first */
    float x, y;
    uint16_t sprite;
};

struct frame_data { /* everything here lives in a frame arena */
    unsigned frame_no;
    size_t n_visible;
    struct entity **visible;
    size_t n_cmds;
    struct draw_cmd *cmds; /* sorted by sort_key */
};

struct world {
    rta_heap *heap;
    struct entity *entities; /* singly linked, pool-allocated */
    size_t live;
    uint32_t next_id;
    uint64_t rng;
    float camera_x, camera_y;
    unsigned long spawned, despawned;
};

struct frame_report {
    size_t arena_peak; /* highest rta_arena_used seen in the frame */
    size_t live, visible, matched;
};

static uint32_t next_random(struct world *w)
{
    uint64_t x = w->rng; /* xorshift64*: same run every time */
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    w->rng = x;
    return (uint32_t)((x * 2685821657736338717ull) >> 32);
}

static float random_unit(struct world *w)
{
    return (float)next_random(w) / 4294967296.0f;
}

/* ---- long-lived entities: the pools -------------------------------------- */

static int spawn(struct world *w, float x, float y, float vx, float vy, int hp)
{
    if (w->live >= MAX_ENTITIES)
        return 0;
    struct entity *e = rta_malloc(w->heap, sizeof *e);
    if (e == NULL)
        return -1;
    *e = (struct entity){.next = w->entities,
                         .id = w->next_id++,
                         .x = x,
                         .y = y,
                         .vx = vx,
                         .vy = vy,
                         .hp = hp,
                         .sprite = (uint16_t)(next_random(w) % 16)};
    w->entities = e;
    w->live++;
    w->spawned++;
    return 0;
}

static void despawn_where(struct world *w, int (*gone)(const struct entity *))
{
    struct entity **link = &w->entities;
    while (*link) {
        struct entity *e = *link;
        if (gone(e)) {
            *link = e->next;
            rta_free(w->heap, e);
            w->live--;
            w->despawned++;
        } else {
            link = &e->next;
        }
    }
}

static int outside_or_dead(const struct entity *e)
{
    return e->hp <= 0 || e->x < 0 || e->y < 0 || e->x >= WORLD || e->y >= WORLD;
}

static int always(const struct entity *e)
{
    (void)e;
    return 1;
}

/* One fixed step of the simulation. */
static int simulate(struct world *w, unsigned frame, float dt)
{
    /* A trickle of walkers, and every 45 frames a burst of sparks. */
    int n = 3 + (int)(next_random(w) % 6);
    if (frame % 45 == 0)
        n += 300;
    for (int i = 0; i < n; i++) {
        float angle = random_unit(w) * 6.2831853f;
        float speed = 20 + random_unit(w) * 80;
        float x = frame % 45 == 0 ? 500 + random_unit(w) * 20 : random_unit(w) * WORLD;
        float y = frame % 45 == 0 ? 500 + random_unit(w) * 20 : random_unit(w) * WORLD;
        if (spawn(w, x, y, speed * cosf(angle), speed * sinf(angle),
                  30 + (int)(next_random(w) % 400)) != 0)
            return -1;
    }
    for (struct entity *e = w->entities; e; e = e->next) {
        e->x += e->vx * dt;
        e->y += e->vy * dt;
        e->hp--;
    }
    despawn_where(w, outside_or_dead);
    /* The camera drifts round the world's centre. */
    float t = (float)frame * dt;
    w->camera_x = 300 + 200 * sinf(t * 0.5f) - VIEW / 2.0f;
    w->camera_y = 300 + 200 * cosf(t * 0.3f) - VIEW / 2.0f;
    return 0;
}

/* ---- per-frame data: the arenas ------------------------------------------ */

static void note_peak(const rta_arena *a, struct frame_report *r)
{
    if (rta_arena_used(a) > r->arena_peak)
        r->arena_peak = rta_arena_used(a);
}

static int visible(const struct world *w, const struct entity *e)
{
    return e->x >= w->camera_x && e->x < w->camera_x + VIEW && e->y >= w->camera_y &&
           e->y < w->camera_y + VIEW;
}

/* Sorts cmds by sort_key with a counting sort over 256 buckets of the
 * key's top byte, then insertion sort inside buckets; its scratch (counts
 * and a copy) comes from the arena and is dropped with a rewind. */
static int sort_cmds(rta_arena *a, struct draw_cmd *cmds, size_t n, struct frame_report *r)
{
    size_t scope = rta_arena_mark(a);
    size_t *start = rta_arena_alloc(a, 257 * sizeof *start, 0);
    struct draw_cmd *copy = rta_arena_alloc(a, (n ? n : 1) * sizeof *copy, 0);
    if (start == NULL || copy == NULL)
        return -1;
    memset(start, 0, 257 * sizeof *start);
    for (size_t i = 0; i < n; i++)
        start[(cmds[i].sort_key >> 24) + 1]++;
    for (int b = 0; b < 256; b++)
        start[b + 1] += start[b];
    for (size_t i = 0; i < n; i++)
        copy[start[cmds[i].sort_key >> 24]++] = cmds[i];
    for (size_t i = 1; i < n; i++) {
        struct draw_cmd c = copy[i];
        size_t j = i;
        while (j > 0 && copy[j - 1].sort_key > c.sort_key) {
            copy[j] = copy[j - 1];
            j--;
        }
        copy[j] = c;
    }
    memcpy(cmds, copy, n * sizeof *cmds);
    note_peak(a, r);
    rta_arena_rewind(a, scope);
    return 0;
}

/* Builds this frame's visible list and sorted render commands in `a`. */
static struct frame_data *build_frame(rta_arena *a, const struct world *w, unsigned frame,
                                      struct frame_report *r)
{
    struct frame_data *f = rta_arena_alloc(a, sizeof *f, 0);
    if (f == NULL)
        return NULL;
    f->frame_no = frame;
    f->visible = rta_arena_alloc(a, (w->live ? w->live : 1) * sizeof *f->visible, 0);
    if (f->visible == NULL)
        return NULL;
    f->n_visible = 0;
    for (struct entity *e = w->entities; e; e = e->next)
        if (visible(w, e))
            f->visible[f->n_visible++] = e;

    /* 64-byte aligned, as a GPU upload buffer would want. */
    f->cmds = rta_arena_alloc(a, (f->n_visible ? f->n_visible : 1) * sizeof *f->cmds, 64);
    if (f->cmds == NULL)
        return NULL;
    f->n_cmds = f->n_visible;
    for (size_t i = 0; i < f->n_visible; i++) {
        const struct entity *e = f->visible[i];
        f->cmds[i] = (struct draw_cmd){e->id, (uint32_t)(e->y / WORLD * 4294967040.0f), e->x, e->y,
                                       e->sprite};
    }
    note_peak(a, r);
    if (sort_cmds(a, f->cmds, f->n_cmds, r) != 0)
        return NULL;
    return f;
}

/* The "renderer": finds each command's entity in the previous frame's
 * commands (still alive in the other arena) to interpolate its motion.
 * The lookup table is scratch, dropped by a rewind.  Returns how many
 * commands had a predecessor, or -1 when the arena is full. */
static long interpolate(rta_arena *a, const struct frame_data *prev, const struct frame_data *cur,
                        struct frame_report *r)
{
    if (prev == NULL)
        return 0;
    size_t slots = 16;
    while (slots < 2 * prev->n_cmds)
        slots *= 2;
    size_t scope = rta_arena_mark(a);
    const struct draw_cmd **table = rta_arena_alloc(a, slots * sizeof *table, 0);
    if (table == NULL)
        return -1;
    memset(table, 0, slots * sizeof *table);
    for (size_t i = 0; i < prev->n_cmds; i++) {
        size_t s = (prev->cmds[i].entity_id * 2654435761u) & (slots - 1);
        while (table[s])
            s = (s + 1) & (slots - 1);
        table[s] = &prev->cmds[i];
    }
    long matched = 0;
    float moved = 0;
    for (size_t i = 0; i < cur->n_cmds; i++) {
        size_t s = (cur->cmds[i].entity_id * 2654435761u) & (slots - 1);
        for (; table[s]; s = (s + 1) & (slots - 1)) {
            if (table[s]->entity_id == cur->cmds[i].entity_id) {
                moved += fabsf(cur->cmds[i].x - table[s]->x) + fabsf(cur->cmds[i].y - table[s]->y);
                matched++;
                break;
            }
        }
    }
    note_peak(a, r);
    rta_arena_rewind(a, scope);
    (void)moved; /* a real renderer would draw at the interpolated spots */
    return matched;
}

/* ---- report -------------------------------------------------------------- */

static int by_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x > y) - (x < y);
}

static void print_summary(const struct frame_report *rep, unsigned frames)
{
    printf("frames %-9s  live max  visible avg  matched avg  arena peak min/avg/max (bytes)\n", "");
    for (unsigned from = 0; from < frames; from += SUMMARY_FRAMES) {
        unsigned to = from + SUMMARY_FRAMES < frames ? from + SUMMARY_FRAMES : frames;
        size_t live_max = 0, pmin = SIZE_MAX, pmax = 0;
        double vis = 0, match = 0, psum = 0;
        for (unsigned i = from; i < to; i++) {
            live_max = rep[i].live > live_max ? rep[i].live : live_max;
            pmin = rep[i].arena_peak < pmin ? rep[i].arena_peak : pmin;
            pmax = rep[i].arena_peak > pmax ? rep[i].arena_peak : pmax;
            vis += (double)rep[i].visible;
            match += (double)rep[i].matched;
            psum += (double)rep[i].arena_peak;
        }
        double n = to - from;
        printf("%6u-%-9u %8zu %12.1f %12.1f  %7zu/%.0f/%zu\n", from, to - 1, live_max, vis / n,
               match / n, pmin, psum / n, pmax);
    }
    size_t *peaks = malloc(frames * sizeof *peaks);
    if (peaks == NULL)
        return;
    unsigned worst = 0;
    for (unsigned i = 0; i < frames; i++) {
        peaks[i] = rep[i].arena_peak;
        if (rep[i].arena_peak > rep[worst].arena_peak)
            worst = i;
    }
    qsort(peaks, frames, sizeof *peaks, by_size);
    printf("arena peak per frame: median %zu B, p99 %zu B, max %zu B (frame %u)\n",
           peaks[frames / 2], peaks[(frames * 99) / 100], peaks[frames - 1], worst);
    free(peaks);
}

static void print_arena(const char *name, const rta_arena *a)
{
    rta_arena_stats st;
    rta_arena_stats_get(a, &st);
    printf("%s: capacity %zu B, peak %zu B, resets %llu, overflows %llu\n", name, st.capacity,
           st.peak, (unsigned long long)st.resets, (unsigned long long)st.overflows);
}

/* ---- the loop ------------------------------------------------------------ */

/* --heap: the RTALLOC_OPTIONS line rtalloc-plan prints (pool=, arena=,
 * max_block=, threads=, in bytes).  0 on success. */
static int apply_plan(rta_config *cfg, const char *s)
{
    while (*s) {
        char key[16];
        unsigned long long v;
        int n = 0;
        if (sscanf(s, "%15[a-z_]=%llu%n", key, &v, &n) != 2)
            return -1;
        if (strcmp(key, "pool") == 0)
            cfg->pool_bytes = (size_t)v;
        else if (strcmp(key, "arena") == 0)
            cfg->arena_bytes = (size_t)v;
        else if (strcmp(key, "max_block") == 0)
            cfg->max_block = (size_t)v;
        else if (strcmp(key, "threads") == 0)
            cfg->max_threads = (unsigned)v;
        else
            return -1;
        s += n;
        if (*s == ',')
            s++;
        else if (*s)
            return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    unsigned frames = DEFAULT_FRAMES;
    const char *profile = NULL, *plan = NULL;
    for (int i = 1; i < argc; i++) {
        if (i + 1 < argc && strcmp(argv[i], "--frames") == 0 && atoi(argv[i + 1]) > 0)
            frames = (unsigned)atoi(argv[++i]);
        else if (i + 1 < argc && strcmp(argv[i], "--profile") == 0)
            profile = argv[++i];
        else if (i + 1 < argc && strcmp(argv[i], "--heap") == 0)
            plan = argv[++i];
        else {
            fprintf(stderr,
                    "usage: %s [--frames N] [--profile FILE.json] [--heap RTALLOC_OPTIONS]\n"
                    "  --profile  exact peaks (RTA_PROFILE) written as JSON for rtalloc-plan\n"
                    "  --heap     the pool=,arena=,max_block=,threads= line rtalloc-plan prints\n",
                    argv[0]);
            return 2;
        }
    }

    /* Set-up, not real-time: the heap, its frame arena, and a second arena
     * for the double buffer, all from memory reserved here. */
    rta_config cfg;
    rta_config_defaults(&cfg);
    cfg.pool_bytes = 4u << 20;
    cfg.arena_bytes = ARENA_BYTES;
    if (plan && apply_plan(&cfg, plan) != 0) {
        fprintf(stderr, "game_loop: --heap: not an RTALLOC_OPTIONS line of rtalloc-plan: %s\n",
                plan);
        return 2;
    }
    if (profile)
        cfg.flags |= RTA_PROFILE;
    struct world w = {.rng = 0x243F6A8885A308D3ull};
    int rc = rta_heap_create(&w.heap, &cfg);
    if (rc != 0) {
        fprintf(stderr, "game_loop: rta_heap_create: %s\n", rta_strerror(rc));
        return 1;
    }
    rta_arena *arenas[2] = {rta_heap_arena(w.heap), NULL};
    rc = rta_arena_create(w.heap, ARENA_BYTES, &arenas[1]);
    if (rc != 0 || arenas[0] == NULL) {
        fprintf(stderr, "game_loop: rta_arena_create: %s\n", rta_strerror(rc));
        return 1;
    }
    struct frame_report *rep = calloc(frames, sizeof *rep);
    if (rep == NULL)
        return 1;

    const float dt = 1.0f / STEPS_PER_SECOND;
    struct frame_data *prev = NULL;
    int failed = 0;
    for (unsigned frame = 0; frame < frames && !failed; frame++) {
        /* This frame's arena held the frame before last: drop it.  The
         * other arena still holds `prev`, the last frame. */
        rta_arena *a = arenas[frame & 1];
        rta_arena_reset(a);

        if (simulate(&w, frame, dt) != 0) {
            fprintf(stderr, "game_loop: frame %u: pools full\n", frame);
            failed = 1;
            break;
        }
        struct frame_report *r = &rep[frame];
        struct frame_data *cur = build_frame(a, &w, frame, r);
        long matched = cur ? interpolate(a, prev, cur, r) : -1;
        if (cur == NULL || matched < 0) {
            fprintf(stderr, "game_loop: frame %u: arena full\n", frame);
            failed = 1;
            break;
        }
        /* prev must still be the last frame's, untouched by this frame. */
        if (prev && prev->frame_no + 1 != frame) {
            fprintf(stderr, "game_loop: frame %u: previous frame data lost\n", frame);
            failed = 1;
        }
        r->live = w.live;
        r->visible = cur->n_visible;
        r->matched = (size_t)matched;
        prev = cur;
    }

    print_summary(rep, frames);
    print_arena("frame arena (even frames)", arenas[0]);
    print_arena("created arena (odd frames)", arenas[1]);

    /* Despawn everything: the pools must be back to zero live bytes. */
    despawn_where(&w, always);
    printf("entities spawned %lu, despawned %lu\n", w.spawned, w.despawned);
    fflush(stdout);
    if (rta_stats_write(w.heap, STDOUT_FILENO) != 0)
        failed = 1;

    if (profile) {
        FILE *f = fopen(profile, "w");
        int bad = !f || rta_stats_write_json(w.heap, fileno(f)) != 0;
        if ((f && fclose(f) != 0) || bad) {
            fprintf(stderr, "game_loop: --profile %s: cannot write it\n", profile);
            failed = 1;
        } else {
            printf("profile written to %s (rtalloc-plan %s)\n", profile, profile);
        }
    }

    rta_stats st;
    rta_stats_get(w.heap, &st);
    rta_arena_stats s0, s1;
    rta_arena_stats_get(arenas[0], &s0);
    rta_arena_stats_get(arenas[1], &s1);
    if (s0.overflows + s1.overflows != 0 || s0.resets + s1.resets != frames ||
        st.frame_arena.resets != s0.resets || st.bytes_live != 0 || st.allocs != st.frees ||
        w.spawned != w.despawned || st.allocs != w.spawned) {
        fprintf(stderr,
                "game_loop: bookkeeping is off (overflows %llu, resets %llu of %u, "
                "live bytes %zu, allocs %llu, frees %llu)\n",
                (unsigned long long)(s0.overflows + s1.overflows),
                (unsigned long long)(s0.resets + s1.resets), frames, st.bytes_live,
                (unsigned long long)st.allocs, (unsigned long long)st.frees);
        failed = 1;
    }
    free(rep);
    rta_heap_destroy(w.heap);
    return failed ? 1 : 0;
}
