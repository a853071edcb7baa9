/* Size classes: 16 to 128 bytes in steps of 16, then four classes per
 * doubling (160, 192, 224, 256, 320, ...), so a request wastes at most 25%
 * above 128 bytes.  Every class is a multiple of 16, and a class of
 * 2^k * m bytes (m odd) has blocks aligned to 2^k because spans are
 * aligned to their (larger, power-of-two) size.  The mapping is a few
 * integer instructions, no loop; up to RTA__SMALL_MAX bytes, where most
 * requests fall, one load from a table built by the compiler. */
#include "internal.h"

/* Index (size + 15) / 16, sizes 0..RTA__SMALL_MAX: the class
 * rta__size_to_class gives (tests/check_core_races checks every size up to
 * 4200 against the contract's classes). */
const uint8_t rta__small_class[RTA__SMALL_MAX / 16 + 1] = {
    0,  0,  1,  2,  3,  4,  5,  6,  7,  8,  8,  9,  9,  10, 10, 11, 11, 12, 12, 12, 12, 13, 13, 13,
    13, 14, 14, 14, 14, 15, 15, 15, 15, 16, 16, 16, 16, 16, 16, 16, 16, 17, 17, 17, 17, 17, 17, 17,
    17, 18, 18, 18, 18, 18, 18, 18, 18, 19, 19, 19, 19, 19, 19, 19, 19, 20, 20, 20, 20, 20, 20, 20,
    20, 20, 20, 20, 20, 20, 20, 20, 20, 21, 21, 21, 21, 21, 21, 21, 21, 21, 21, 21, 21, 21, 21, 21,
    21, 22, 22, 22, 22, 22, 22, 22, 22, 22, 22, 22, 22, 22, 22, 22, 22, 23, 23, 23, 23, 23, 23, 23,
    23, 23, 23, 23, 23, 23, 23, 23, 23, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24,
    24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 25, 25, 25, 25, 25, 25, 25,
    25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25, 25,
    25, 26, 26, 26, 26, 26, 26, 26, 26, 26, 26, 26, 26, 26, 26, 26, 26, 26, 26, 26, 26, 26, 26, 26,
    26, 26, 26, 26, 26, 26, 26, 26, 26, 27, 27, 27, 27, 27, 27, 27, 27, 27, 27, 27, 27, 27, 27, 27,
    27, 27, 27, 27, 27, 27, 27, 27, 27, 27, 27, 27, 27, 27, 27, 27, 27,
};

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
