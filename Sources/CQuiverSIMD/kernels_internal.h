#ifndef CQUIVER_KERNELS_INTERNAL_H
#define CQUIVER_KERNELS_INTERNAL_H

#include "include/CQuiverSIMD.h"
#include <math.h>
#include <string.h>

extern const quiver_kernel_table quiver_kernels_baseline;

#if defined(__x86_64__)
extern const quiver_kernel_table quiver_kernels_avx2;
/// AVX-512 tables indexed by the optional features they use (QUIVER_SIMD_FEATURE_* bits).
extern const quiver_kernel_table quiver_kernels_avx512[4];

/// Hamming distance with the POPCNT instruction (kernels_avx2.c); for CPUs with AVX2 or better.
uint32_t quiver_hamming_popcnt(const uint64_t *a, const uint64_t *b, size_t n);

void quiver_f32_to_f16_avx2(const float *src, uint16_t *dst, size_t n);
void quiver_f16_to_f32_avx2(const uint16_t *src, float *dst, size_t n);
void quiver_f32_to_f16_avx512(const float *src, uint16_t *dst, size_t n);
void quiver_f16_to_f32_avx512(const uint16_t *src, float *dst, size_t n);
#endif

#if defined(__aarch64__)
extern const quiver_kernel_table quiver_kernels_neon;

void quiver_f32_to_f16_neon(const float *src, uint16_t *dst, size_t n);
void quiver_f16_to_f32_neon(const uint16_t *src, float *dst, size_t n);
#endif

/// Loads a 64-bit word from a pointer that may be unaligned (one plain move on x86-64 and arm64).
static inline uint64_t quiver_load_u64(const uint64_t *p) {
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

/// Cosine distance from the three sums of one pass; 1 when either norm is zero.
///
/// The norms are multiplied in double: in f32, `aa * bb` overflows for vectors whose elements
/// are around 1e10 and underflows to zero around 1e-10, although each sum alone is representable.
static inline float quiver_cosine_from_sums(float ab, float aa, float bb) {
    if (aa <= 0.0f || bb <= 0.0f) return 1.0f;
    return (float)(1.0 - (double)ab / sqrt((double)aa * (double)bb));
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
    } else if (exp == 31) {  // infinity, or NaN made quiet with its payload kept, as F16C does
        bits = sign | 0x7f800000u | (man << 13) | (man != 0 ? 0x400000u : 0);
    } else {
        bits = sign | ((exp + 127 - 15) << 23) | (man << 13);
    }
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

/// f32 to IEEE binary16 bits, round to nearest even, overflow to infinity.
///
/// A NaN becomes a quiet NaN with the sign and the top 9 payload bits kept: bit for bit what
/// F16C's `vcvtps2ph`, arm64's `fcvtn` and compiler-rt's `__truncsfhf2` produce.
static inline uint16_t quiver_float_to_half(float f) {
    uint32_t x;
    memcpy(&x, &f, 4);
    uint32_t sign = (x >> 16) & 0x8000u;
    uint32_t absx = x & 0x7fffffffu;
    if (absx > 0x7f800000u) return (uint16_t)(sign | 0x7e00u | ((absx >> 13) & 0x1ffu));
    if (absx == 0x7f800000u) return (uint16_t)(sign | 0x7c00u);
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
