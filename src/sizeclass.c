/* Size classes: 16 to 128 bytes in steps of 16, then four classes per
 * doubling (160, 192, 224, 256, 320, ...), so a request wastes at most 25%
 * above 128 bytes.  Every class is a multiple of 16, and a class of
 * 2^k * m bytes (m odd) has blocks aligned to 2^k because spans are
 * aligned to their (larger, power-of-two) size.  The mapping is a few
 * integer instructions, no table, no loop. */
#include "internal.h"

size_t rta__class_to_size(unsigned cls)
{
    if (cls < 8)
        return (size_t)(cls + 1) << 4;
    unsigned k = cls - 8, e = 7 + k / 4, m = k % 4;
    return (size_t)(5 + m) << (e - 2);
}

unsigned rta__classes_for(size_t max_block)
{
    return rta__size_to_class(max_block) + 1;
}

/* M = ceil(2^64 / d): n / d == (M * n) >> 64 and n % d == 0 iff
 * (uint64_t)(M * n) <= M - 1, exactly, for every 32-bit n. */
uint64_t rta__divmagic(uint32_t d)
{
    return UINT64_C(0xFFFFFFFFFFFFFFFF) / d + 1;
}
