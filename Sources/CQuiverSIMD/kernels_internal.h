#ifndef CQUIVER_KERNELS_INTERNAL_H
#define CQUIVER_KERNELS_INTERNAL_H

#include "include/CQuiverSIMD.h"
#include <math.h>
#include <string.h>

extern const quiver_kernel_table quiver_kernels_baseline;

/// Cosine distance from the three sums of one pass; 1 when either norm is zero.
static inline float quiver_cosine_from_sums(float ab, float aa, float bb) {
    if (aa <= 0.0f || bb <= 0.0f) return 1.0f;
    return 1.0f - ab / sqrtf(aa * bb);
}

/// IEEE binary16 bits to f32, exact for every input (subnormals, infinities, NaN).
static inline float quiver_half_to_float(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t exp = (h >> 10) & 0x1fu;
    uint32_t man = h & 0x3ffu;
    uint32_t bits;
    if (exp == 0) {
        if (man == 0) {
            bits = sign;
        } else {  // subnormal: renormalise
            int e = -1;
            do { e++; man <<= 1; } while ((man & 0x400u) == 0);
            bits = sign | ((uint32_t)(127 - 15 - e) << 23) | ((man & 0x3ffu) << 13);
        }
    } else if (exp == 31) {
        bits = sign | 0x7f800000u | (man << 13);
    } else {
        bits = sign | ((exp + 127 - 15) << 23) | (man << 13);
    }
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

/// f32 to IEEE binary16 bits, round to nearest even, overflow to infinity, NaN kept quiet.
static inline uint16_t quiver_float_to_half(float f) {
    uint32_t x;
    memcpy(&x, &f, 4);
    uint32_t sign = (x >> 16) & 0x8000u;
    uint32_t absx = x & 0x7fffffffu;
    if (absx >= 0x7f800000u) return (uint16_t)(sign | 0x7c00u | (absx > 0x7f800000u ? 0x200u : 0));
    if (absx >= 0x477ff000u) return (uint16_t)(sign | 0x7c00u);  // rounds to >= 65520: infinity
    if (absx < 0x38800000u) {  // result is subnormal or zero
        if (absx < 0x33000000u) return (uint16_t)sign;  // below half the smallest subnormal
        uint32_t man = (absx & 0x7fffffu) | 0x800000u;
        int shift = 126 - (int)(absx >> 23);  // 14 + (113 - exp)
        uint32_t half = man >> (shift);
        uint32_t rem = man & ((1u << shift) - 1);
        uint32_t mid = 1u << (shift - 1);
        if (rem > mid || (rem == mid && (half & 1))) half++;
        return (uint16_t)(sign | half);
    }
    uint32_t h = ((absx >> 13) - (112u << 10));
    uint32_t rem = absx & 0x1fffu;
    if (rem > 0x1000u || (rem == 0x1000u && (h & 1))) h++;
    return (uint16_t)(sign | h);
}

#endif
