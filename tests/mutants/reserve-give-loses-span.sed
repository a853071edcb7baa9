# file: src/reserve.c
# bug: a span given back to the reserve is lost instead of pushed on its free stack
/^void rta__reserve_give(/,/^}/ s/^    uint32_t idx = rta__span_index(h, s) + 1;$/&\n    if (idx)\n        return;/
