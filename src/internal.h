#ifndef RTA_INTERNAL_H
#define RTA_INTERNAL_H
#include "config.h"
#include "rtalloc.h"
struct rta__rt_state {
    unsigned depth;
    unsigned in_fallback;
    uint64_t system_allocs;
};
struct rta__rt_state *rta__rt_self(void);
#endif
