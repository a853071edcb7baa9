# librtalloc_guard: owned by the guard work (issue 4).
