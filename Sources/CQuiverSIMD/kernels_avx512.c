// AVX-512 kernels (F, BW, DQ, VL), plus variants of the int8 and bit kernels for the optional VNNI
// and VPOPCNTDQ extensions. Like kernels_avx2.c, every function carries its own target attribute,
// so the package needs no compiler flags; dispatch.c hands out the table whose extensions the CPU
// has, after checking cpuid and that the OS saves the ZMM and mask registers.
//
// Tails use zero-masked loads, which never fault on the lanes they skip, so one code path serves
// every length and alignment.
//
// No loop peels to reach an aligned address, although a 64-byte load that crosses a cache line
// costs two L1 accesses (measured in L1 at d = 1536: dot_f32 39 ns with both vectors 64-byte
// aligned, 82 ns at a 16-byte offset). Peeling would tie the summation order, and so the last bits
// of a result, to the vectors' addresses, and index builds must be reproducible. Callers that want
// full speed store vectors 64-byte aligned.
#include "kernels_internal.h"

#if defined(__x86_64__)

#include <immintrin.h>

#define QUIVER_AVX512_TARGET "avx2,fma,f16c,popcnt,avx512f,avx512bw,avx512dq,avx512vl"
#define QUIVER_AVX512 __attribute__((target(QUIVER_AVX512_TARGET)))
#define QUIVER_AVX512_VNNI __attribute__((target(QUIVER_AVX512_TARGET ",avx512vnni")))
#define QUIVER_AVX512_VPOPCNTDQ __attribute__((target(QUIVER_AVX512_TARGET ",avx512vpopcntdq")))

// MARK: Helpers

/// The mask of the first `rem` lanes (rem < 16).
static inline __mmask16 first16(size_t rem) { return (__mmask16)((1u << rem) - 1u); }
/// The mask of the first `rem` lanes (rem < 64).
static inline __mmask64 first64(size_t rem) { return (__mmask64)((1ull << rem) - 1ull); }

QUIVER_AVX512 static inline __m512 load_ph(const uint16_t *p) {
    return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)p));
}

QUIVER_AVX512 static inline __m512 load_ph_masked(__mmask16 m, const uint16_t *p) {
    return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, p));
}

QUIVER_AVX512 static inline __m512i load_bytes(const int8_t *p) { return _mm512_loadu_si512(p); }

// MARK: f32

QUIVER_AVX512 static float l2sq_f32(const float *a, const float *b, size_t n) {
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps(), s2 = _mm512_setzero_ps(), s3 = _mm512_setzero_ps();
    size_t i = 0;
    for (; i + 64 <= n; i += 64) {
        __m512 d0 = _mm512_sub_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i));
        __m512 d1 = _mm512_sub_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16));
        __m512 d2 = _mm512_sub_ps(_mm512_loadu_ps(a + i + 32), _mm512_loadu_ps(b + i + 32));
        __m512 d3 = _mm512_sub_ps(_mm512_loadu_ps(a + i + 48), _mm512_loadu_ps(b + i + 48));
        s0 = _mm512_fmadd_ps(d0, d0, s0);
        s1 = _mm512_fmadd_ps(d1, d1, s1);
        s2 = _mm512_fmadd_ps(d2, d2, s2);
        s3 = _mm512_fmadd_ps(d3, d3, s3);
    }
    for (; i + 16 <= n; i += 16) {
        __m512 d = _mm512_sub_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i));
        s0 = _mm512_fmadd_ps(d, d, s0);
    }
    if (i < n) {
        __mmask16 m = first16(n - i);
        __m512 d = _mm512_sub_ps(_mm512_maskz_loadu_ps(m, a + i), _mm512_maskz_loadu_ps(m, b + i));
        s1 = _mm512_fmadd_ps(d, d, s1);
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)));
}

QUIVER_AVX512 static float dot_f32(const float *a, const float *b, size_t n) {
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps(), s2 = _mm512_setzero_ps(), s3 = _mm512_setzero_ps();
    size_t i = 0;
    for (; i + 64 <= n; i += 64) {
        s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s0);
        s1 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16), s1);
        s2 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 32), _mm512_loadu_ps(b + i + 32), s2);
        s3 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 48), _mm512_loadu_ps(b + i + 48), s3);
    }
    for (; i + 16 <= n; i += 16) s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s0);
    if (i < n) {
        __mmask16 m = first16(n - i);
        s1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, a + i), _mm512_maskz_loadu_ps(m, b + i), s1);
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)));
}

QUIVER_AVX512 static float cosine_f32(const float *a, const float *b, size_t n) {
    // Three FMAs per load pair: four accumulators each keep twelve chains in flight, which
    // measured 10 % faster than six at d = 1536 (it is FMA-bound wherever a core has one 512-bit FMA unit).
    __m512 ab0 = _mm512_setzero_ps(), aa0 = _mm512_setzero_ps(), bb0 = _mm512_setzero_ps();
    __m512 ab1 = _mm512_setzero_ps(), aa1 = _mm512_setzero_ps(), bb1 = _mm512_setzero_ps();
    __m512 ab2 = _mm512_setzero_ps(), aa2 = _mm512_setzero_ps(), bb2 = _mm512_setzero_ps();
    __m512 ab3 = _mm512_setzero_ps(), aa3 = _mm512_setzero_ps(), bb3 = _mm512_setzero_ps();
    size_t i = 0;
    for (; i + 64 <= n; i += 64) {
        __m512 x0 = _mm512_loadu_ps(a + i), y0 = _mm512_loadu_ps(b + i);
        __m512 x1 = _mm512_loadu_ps(a + i + 16), y1 = _mm512_loadu_ps(b + i + 16);
        __m512 x2 = _mm512_loadu_ps(a + i + 32), y2 = _mm512_loadu_ps(b + i + 32);
        __m512 x3 = _mm512_loadu_ps(a + i + 48), y3 = _mm512_loadu_ps(b + i + 48);
        ab0 = _mm512_fmadd_ps(x0, y0, ab0);
        aa0 = _mm512_fmadd_ps(x0, x0, aa0);
        bb0 = _mm512_fmadd_ps(y0, y0, bb0);
        ab1 = _mm512_fmadd_ps(x1, y1, ab1);
        aa1 = _mm512_fmadd_ps(x1, x1, aa1);
        bb1 = _mm512_fmadd_ps(y1, y1, bb1);
        ab2 = _mm512_fmadd_ps(x2, y2, ab2);
        aa2 = _mm512_fmadd_ps(x2, x2, aa2);
        bb2 = _mm512_fmadd_ps(y2, y2, bb2);
        ab3 = _mm512_fmadd_ps(x3, y3, ab3);
        aa3 = _mm512_fmadd_ps(x3, x3, aa3);
        bb3 = _mm512_fmadd_ps(y3, y3, bb3);
    }
    for (; i + 16 <= n; i += 16) {
        __m512 x = _mm512_loadu_ps(a + i), y = _mm512_loadu_ps(b + i);
        ab0 = _mm512_fmadd_ps(x, y, ab0);
        aa0 = _mm512_fmadd_ps(x, x, aa0);
        bb0 = _mm512_fmadd_ps(y, y, bb0);
    }
    if (i < n) {
        __mmask16 m = first16(n - i);
        __m512 x = _mm512_maskz_loadu_ps(m, a + i), y = _mm512_maskz_loadu_ps(m, b + i);
        ab1 = _mm512_fmadd_ps(x, y, ab1);
        aa1 = _mm512_fmadd_ps(x, x, aa1);
        bb1 = _mm512_fmadd_ps(y, y, bb1);
    }
    __m512 ab = _mm512_add_ps(_mm512_add_ps(ab0, ab1), _mm512_add_ps(ab2, ab3));
    __m512 aa = _mm512_add_ps(_mm512_add_ps(aa0, aa1), _mm512_add_ps(aa2, aa3));
    __m512 bb = _mm512_add_ps(_mm512_add_ps(bb0, bb1), _mm512_add_ps(bb2, bb3));
    return quiver_cosine_from_sums(_mm512_reduce_add_ps(ab), _mm512_reduce_add_ps(aa), _mm512_reduce_add_ps(bb));
}

// MARK: f16

QUIVER_AVX512 static float l2sq_f16(const uint16_t *a, const uint16_t *b, size_t n) {
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps(), s2 = _mm512_setzero_ps(), s3 = _mm512_setzero_ps();
    size_t i = 0;
    for (; i + 64 <= n; i += 64) {
        __m512 d0 = _mm512_sub_ps(load_ph(a + i), load_ph(b + i));
        __m512 d1 = _mm512_sub_ps(load_ph(a + i + 16), load_ph(b + i + 16));
        __m512 d2 = _mm512_sub_ps(load_ph(a + i + 32), load_ph(b + i + 32));
        __m512 d3 = _mm512_sub_ps(load_ph(a + i + 48), load_ph(b + i + 48));
        s0 = _mm512_fmadd_ps(d0, d0, s0);
        s1 = _mm512_fmadd_ps(d1, d1, s1);
        s2 = _mm512_fmadd_ps(d2, d2, s2);
        s3 = _mm512_fmadd_ps(d3, d3, s3);
    }
    for (; i + 16 <= n; i += 16) {
        __m512 d = _mm512_sub_ps(load_ph(a + i), load_ph(b + i));
        s0 = _mm512_fmadd_ps(d, d, s0);
    }
    if (i < n) {
        __mmask16 m = first16(n - i);
        __m512 d = _mm512_sub_ps(load_ph_masked(m, a + i), load_ph_masked(m, b + i));
        s1 = _mm512_fmadd_ps(d, d, s1);
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)));
}

QUIVER_AVX512 static float dot_f16(const uint16_t *a, const uint16_t *b, size_t n) {
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps(), s2 = _mm512_setzero_ps(), s3 = _mm512_setzero_ps();
    size_t i = 0;
    for (; i + 64 <= n; i += 64) {
        s0 = _mm512_fmadd_ps(load_ph(a + i), load_ph(b + i), s0);
        s1 = _mm512_fmadd_ps(load_ph(a + i + 16), load_ph(b + i + 16), s1);
        s2 = _mm512_fmadd_ps(load_ph(a + i + 32), load_ph(b + i + 32), s2);
        s3 = _mm512_fmadd_ps(load_ph(a + i + 48), load_ph(b + i + 48), s3);
    }
    for (; i + 16 <= n; i += 16) s0 = _mm512_fmadd_ps(load_ph(a + i), load_ph(b + i), s0);
    if (i < n) {
        __mmask16 m = first16(n - i);
        s1 = _mm512_fmadd_ps(load_ph_masked(m, a + i), load_ph_masked(m, b + i), s1);
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)));
}

// MARK: int8

/// |x| as unsigned bytes and y with x's sign, so that Σ |x| · (y · sign x) = Σ x · y.
///
/// AVX-512 has no `vpsignb`: y is negated under the mask of x's sign bits. Where x is 0, |x| is 0,
/// so y's lane does not matter. Inputs are never -128, whose absolute value does not fit.
#define QUIVER_SIGN_SPLIT(x, y, ax, sy)                                                       \
    __m512i ax = _mm512_abs_epi8(x);                                                         \
    __m512i sy = _mm512_mask_sub_epi8((y), _mm512_movepi8_mask(x), _mm512_setzero_si512(), (y))

/// Σ x·y of 64 byte pairs as 16 int32 lanes, with `maddubs` (a pair sum is at most 32258, so
/// the int16 step never saturates) and `madd` to widen.
QUIVER_AVX512 static inline __m512i dot_i8_block_bw(__m512i x, __m512i y) {
    QUIVER_SIGN_SPLIT(x, y, ax, sy);
    return _mm512_madd_epi16(_mm512_maddubs_epi16(ax, sy), _mm512_set1_epi16(1));
}

/// Adds Σ x·y of 64 byte pairs to `acc`'s 16 int32 lanes with one VPDPBUSD.
QUIVER_AVX512_VNNI static inline __m512i dot_i8_block_vnni(__m512i acc, __m512i x, __m512i y) {
    QUIVER_SIGN_SPLIT(x, y, ax, sy);
    return _mm512_dpbusd_epi32(acc, ax, sy);
}

QUIVER_AVX512 static int32_t dot_i8_bw(const int8_t *a, const int8_t *b, size_t n) {
    __m512i s0 = _mm512_setzero_si512(), s1 = _mm512_setzero_si512();
    size_t i = 0;
    for (; i + 128 <= n; i += 128) {
        s0 = _mm512_add_epi32(s0, dot_i8_block_bw(load_bytes(a + i), load_bytes(b + i)));
        s1 = _mm512_add_epi32(s1, dot_i8_block_bw(load_bytes(a + i + 64), load_bytes(b + i + 64)));
    }
    if (i + 64 <= n) {
        s0 = _mm512_add_epi32(s0, dot_i8_block_bw(load_bytes(a + i), load_bytes(b + i)));
        i += 64;
    }
    if (i < n) {
        __mmask64 m = first64(n - i);
        s1 = _mm512_add_epi32(s1, dot_i8_block_bw(_mm512_maskz_loadu_epi8(m, a + i), _mm512_maskz_loadu_epi8(m, b + i)));
    }
    return _mm512_reduce_add_epi32(_mm512_add_epi32(s0, s1));
}

QUIVER_AVX512_VNNI static int32_t dot_i8_vnni(const int8_t *a, const int8_t *b, size_t n) {
    __m512i s0 = _mm512_setzero_si512(), s1 = _mm512_setzero_si512();
    size_t i = 0;
    for (; i + 128 <= n; i += 128) {
        s0 = dot_i8_block_vnni(s0, load_bytes(a + i), load_bytes(b + i));
        s1 = dot_i8_block_vnni(s1, load_bytes(a + i + 64), load_bytes(b + i + 64));
    }
    if (i + 64 <= n) {
        s0 = dot_i8_block_vnni(s0, load_bytes(a + i), load_bytes(b + i));
        i += 64;
    }
    if (i < n) {
        __mmask64 m = first64(n - i);
        s1 = dot_i8_block_vnni(s1, _mm512_maskz_loadu_epi8(m, a + i), _mm512_maskz_loadu_epi8(m, b + i));
    }
    return _mm512_reduce_add_epi32(_mm512_add_epi32(s0, s1));
}

/// Σ (x-y)² of 64 byte pairs as 16 int32 lanes: |x - y| = max - min fits an unsigned byte (at
/// most 254), is widened to int16 by interleaving with zero, and squared with `madd`.
QUIVER_AVX512 static inline __m512i l2sq_i8_block(__m512i x, __m512i y) {
    __m512i d = _mm512_sub_epi8(_mm512_max_epi8(x, y), _mm512_min_epi8(x, y));
    __m512i lo = _mm512_unpacklo_epi8(d, _mm512_setzero_si512());
    __m512i hi = _mm512_unpackhi_epi8(d, _mm512_setzero_si512());
    return _mm512_add_epi32(_mm512_madd_epi16(lo, lo), _mm512_madd_epi16(hi, hi));
}

QUIVER_AVX512 static int32_t l2sq_i8(const int8_t *a, const int8_t *b, size_t n) {
    __m512i s0 = _mm512_setzero_si512(), s1 = _mm512_setzero_si512();
    size_t i = 0;
    for (; i + 128 <= n; i += 128) {
        s0 = _mm512_add_epi32(s0, l2sq_i8_block(load_bytes(a + i), load_bytes(b + i)));
        s1 = _mm512_add_epi32(s1, l2sq_i8_block(load_bytes(a + i + 64), load_bytes(b + i + 64)));
    }
    if (i + 64 <= n) {
        s0 = _mm512_add_epi32(s0, l2sq_i8_block(load_bytes(a + i), load_bytes(b + i)));
        i += 64;
    }
    if (i < n) {
        __mmask64 m = first64(n - i);
        s1 = _mm512_add_epi32(s1, l2sq_i8_block(_mm512_maskz_loadu_epi8(m, a + i), _mm512_maskz_loadu_epi8(m, b + i)));
    }
    return _mm512_reduce_add_epi32(_mm512_add_epi32(s0, s1));
}

// MARK: Bits

QUIVER_AVX512_VPOPCNTDQ static uint32_t hamming_vpopcntdq(const uint64_t *a, const uint64_t *b, size_t n) {
    __m512i c0 = _mm512_setzero_si512(), c1 = _mm512_setzero_si512();
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512i x0 = _mm512_xor_si512(_mm512_loadu_si512(a + i), _mm512_loadu_si512(b + i));
        __m512i x1 = _mm512_xor_si512(_mm512_loadu_si512(a + i + 8), _mm512_loadu_si512(b + i + 8));
        c0 = _mm512_add_epi64(c0, _mm512_popcnt_epi64(x0));
        c1 = _mm512_add_epi64(c1, _mm512_popcnt_epi64(x1));
    }
    if (i + 8 <= n) {
        __m512i x = _mm512_xor_si512(_mm512_loadu_si512(a + i), _mm512_loadu_si512(b + i));
        c0 = _mm512_add_epi64(c0, _mm512_popcnt_epi64(x));
        i += 8;
    }
    if (i < n) {
        __mmask8 m = (__mmask8)((1u << (n - i)) - 1u);
        __m512i x = _mm512_xor_si512(_mm512_maskz_loadu_epi64(m, a + i), _mm512_maskz_loadu_epi64(m, b + i));
        c1 = _mm512_add_epi64(c1, _mm512_popcnt_epi64(x));
    }
    return (uint32_t)_mm512_reduce_add_epi64(_mm512_add_epi64(c0, c1));
}

// MARK: Conversion

QUIVER_AVX512 void quiver_f32_to_f16_avx512(const float *src, uint16_t *dst, size_t n) {
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m256i h = _mm512_cvtps_ph(_mm512_loadu_ps(src + i), _MM_FROUND_TO_NEAREST_INT);
        _mm256_storeu_si256((__m256i *)(dst + i), h);
    }
    if (i < n) {
        __mmask16 m = first16(n - i);
        __m256i h = _mm512_cvtps_ph(_mm512_maskz_loadu_ps(m, src + i), _MM_FROUND_TO_NEAREST_INT);
        _mm256_mask_storeu_epi16(dst + i, m, h);
    }
}

QUIVER_AVX512 void quiver_f16_to_f32_avx512(const uint16_t *src, float *dst, size_t n) {
    size_t i = 0;
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(dst + i, load_ph(src + i));
    if (i < n) {
        __mmask16 m = first16(n - i);
        _mm512_mask_storeu_ps(dst + i, m, load_ph_masked(m, src + i));
    }
}

// MARK: Tables

const quiver_kernel_table quiver_kernels_avx512[4] = {
    [0] = {QUIVER_SIMD_AVX512, l2sq_f32, dot_f32, cosine_f32, l2sq_f16, dot_f16, dot_i8_bw, l2sq_i8,
           quiver_hamming_popcnt},
    [QUIVER_SIMD_FEATURE_AVX512_VNNI] = {QUIVER_SIMD_AVX512, l2sq_f32, dot_f32, cosine_f32, l2sq_f16, dot_f16,
                                         dot_i8_vnni, l2sq_i8, quiver_hamming_popcnt},
    [QUIVER_SIMD_FEATURE_AVX512_VPOPCNTDQ] = {QUIVER_SIMD_AVX512, l2sq_f32, dot_f32, cosine_f32, l2sq_f16, dot_f16,
                                              dot_i8_bw, l2sq_i8, hamming_vpopcntdq},
    [QUIVER_SIMD_FEATURE_ALL] = {QUIVER_SIMD_AVX512, l2sq_f32, dot_f32, cosine_f32, l2sq_f16, dot_f16, dot_i8_vnni,
                                 l2sq_i8, hamming_vpopcntdq},
};

#endif
