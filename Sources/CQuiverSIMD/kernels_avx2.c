// AVX2 kernels, also using FMA, F16C and POPCNT. Each function carries its own target attribute, so
// the package needs no compiler flags and the binary still loads on CPUs without AVX2, which never
// reach these functions (dispatch.c checks cpuid and XGETBV first).
//
// Loops keep several independent accumulators (an FMA has 4 cycles of latency and two issue per
// cycle) and reduce horizontally once at the end. Tails use masked loads, a final load that
// overlaps the last full block with the already-counted lanes masked off, or, for vectors shorter
// than one register, a zero-padded copy: zero lanes add nothing to any of these sums.
#include "kernels_internal.h"

#if defined(__x86_64__)

#include <immintrin.h>

#define QUIVER_AVX2 __attribute__((target("avx2,fma,f16c,popcnt")))

// MARK: Helpers

QUIVER_AVX2 static inline float hsum_ps(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

QUIVER_AVX2 static inline int32_t hsum_epi32(__m256i v) {
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(1, 0, 3, 2)));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(2, 3, 0, 1)));
    return _mm_cvtsi128_si32(s);
}

/// Lanes 0..<rem set: the mask of a load of the last `rem` (1...7) elements.
QUIVER_AVX2 static inline __m256i first_lanes(size_t rem) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)rem), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/// Lanes 8-rem..<8 set: the lanes of a load of the last 8 elements that were not counted yet.
QUIVER_AVX2 static inline __m256 last_lanes(size_t rem) {
    __m256i m = _mm256_cmpgt_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), _mm256_set1_epi32(7 - (int)rem));
    return _mm256_castsi256_ps(m);
}

/// 32 zero bytes then 32 0xff bytes; 32 bytes loaded from offset `rem` keep the last `rem` lanes.
static const int8_t quiver_byte_tail_mask[64] = {
    0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
    0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
};

QUIVER_AVX2 static inline __m256i load_bytes(const int8_t *p) { return _mm256_loadu_si256((const __m256i *)p); }

QUIVER_AVX2 static inline __m256 load_ph(const uint16_t *p) {
    return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p));
}

/// The `rem` (< 8) halves at `p`, zero-padded to 8 lanes.
QUIVER_AVX2 static inline __m256 load_ph_partial(const uint16_t *p, size_t rem) {
    uint16_t padded[8] = {0};
    for (size_t j = 0; j < rem; j++) padded[j] = p[j];
    return load_ph(padded);
}

// MARK: f32

QUIVER_AVX2 static float l2sq_f32(const float *a, const float *b, size_t n) {
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps(), s2 = _mm256_setzero_ps(), s3 = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        __m256 d0 = _mm256_sub_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i));
        __m256 d1 = _mm256_sub_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8));
        __m256 d2 = _mm256_sub_ps(_mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(b + i + 16));
        __m256 d3 = _mm256_sub_ps(_mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(b + i + 24));
        s0 = _mm256_fmadd_ps(d0, d0, s0);
        s1 = _mm256_fmadd_ps(d1, d1, s1);
        s2 = _mm256_fmadd_ps(d2, d2, s2);
        s3 = _mm256_fmadd_ps(d3, d3, s3);
    }
    for (; i + 8 <= n; i += 8) {
        __m256 d = _mm256_sub_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i));
        s0 = _mm256_fmadd_ps(d, d, s0);
    }
    if (i < n) {
        __m256i m = first_lanes(n - i);
        __m256 d = _mm256_sub_ps(_mm256_maskload_ps(a + i, m), _mm256_maskload_ps(b + i, m));
        s1 = _mm256_fmadd_ps(d, d, s1);
    }
    return hsum_ps(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
}

QUIVER_AVX2 static float dot_f32(const float *a, const float *b, size_t n) {
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps(), s2 = _mm256_setzero_ps(), s3 = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
        s2 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(b + i + 16), s2);
        s3 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(b + i + 24), s3);
    }
    for (; i + 8 <= n; i += 8) s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
    if (i < n) {
        __m256i m = first_lanes(n - i);
        s1 = _mm256_fmadd_ps(_mm256_maskload_ps(a + i, m), _mm256_maskload_ps(b + i, m), s1);
    }
    return hsum_ps(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
}

QUIVER_AVX2 static float cosine_f32(const float *a, const float *b, size_t n) {
    // Three sums per load pair: two accumulators each keep six FMA chains in flight.
    __m256 ab0 = _mm256_setzero_ps(), aa0 = _mm256_setzero_ps(), bb0 = _mm256_setzero_ps();
    __m256 ab1 = _mm256_setzero_ps(), aa1 = _mm256_setzero_ps(), bb1 = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m256 x0 = _mm256_loadu_ps(a + i), y0 = _mm256_loadu_ps(b + i);
        __m256 x1 = _mm256_loadu_ps(a + i + 8), y1 = _mm256_loadu_ps(b + i + 8);
        ab0 = _mm256_fmadd_ps(x0, y0, ab0);
        aa0 = _mm256_fmadd_ps(x0, x0, aa0);
        bb0 = _mm256_fmadd_ps(y0, y0, bb0);
        ab1 = _mm256_fmadd_ps(x1, y1, ab1);
        aa1 = _mm256_fmadd_ps(x1, x1, aa1);
        bb1 = _mm256_fmadd_ps(y1, y1, bb1);
    }
    if (i + 8 <= n) {
        __m256 x = _mm256_loadu_ps(a + i), y = _mm256_loadu_ps(b + i);
        ab0 = _mm256_fmadd_ps(x, y, ab0);
        aa0 = _mm256_fmadd_ps(x, x, aa0);
        bb0 = _mm256_fmadd_ps(y, y, bb0);
        i += 8;
    }
    if (i < n) {
        __m256i m = first_lanes(n - i);
        __m256 x = _mm256_maskload_ps(a + i, m), y = _mm256_maskload_ps(b + i, m);
        ab1 = _mm256_fmadd_ps(x, y, ab1);
        aa1 = _mm256_fmadd_ps(x, x, aa1);
        bb1 = _mm256_fmadd_ps(y, y, bb1);
    }
    return quiver_cosine_from_sums(hsum_ps(_mm256_add_ps(ab0, ab1)), hsum_ps(_mm256_add_ps(aa0, aa1)),
                                   hsum_ps(_mm256_add_ps(bb0, bb1)));
}

// MARK: f16

QUIVER_AVX2 static float l2sq_f16(const uint16_t *a, const uint16_t *b, size_t n) {
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps(), s2 = _mm256_setzero_ps(), s3 = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        __m256 d0 = _mm256_sub_ps(load_ph(a + i), load_ph(b + i));
        __m256 d1 = _mm256_sub_ps(load_ph(a + i + 8), load_ph(b + i + 8));
        __m256 d2 = _mm256_sub_ps(load_ph(a + i + 16), load_ph(b + i + 16));
        __m256 d3 = _mm256_sub_ps(load_ph(a + i + 24), load_ph(b + i + 24));
        s0 = _mm256_fmadd_ps(d0, d0, s0);
        s1 = _mm256_fmadd_ps(d1, d1, s1);
        s2 = _mm256_fmadd_ps(d2, d2, s2);
        s3 = _mm256_fmadd_ps(d3, d3, s3);
    }
    for (; i + 8 <= n; i += 8) {
        __m256 d = _mm256_sub_ps(load_ph(a + i), load_ph(b + i));
        s0 = _mm256_fmadd_ps(d, d, s0);
    }
    if (i < n) {
        size_t rem = n - i;
        __m256 d;
        if (n >= 8) {
            d = _mm256_sub_ps(load_ph(a + n - 8), load_ph(b + n - 8));
            d = _mm256_and_ps(d, last_lanes(rem));
        } else {
            d = _mm256_sub_ps(load_ph_partial(a, rem), load_ph_partial(b, rem));
        }
        s1 = _mm256_fmadd_ps(d, d, s1);
    }
    return hsum_ps(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
}

QUIVER_AVX2 static float dot_f16(const uint16_t *a, const uint16_t *b, size_t n) {
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps(), s2 = _mm256_setzero_ps(), s3 = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        s0 = _mm256_fmadd_ps(load_ph(a + i), load_ph(b + i), s0);
        s1 = _mm256_fmadd_ps(load_ph(a + i + 8), load_ph(b + i + 8), s1);
        s2 = _mm256_fmadd_ps(load_ph(a + i + 16), load_ph(b + i + 16), s2);
        s3 = _mm256_fmadd_ps(load_ph(a + i + 24), load_ph(b + i + 24), s3);
    }
    for (; i + 8 <= n; i += 8) s0 = _mm256_fmadd_ps(load_ph(a + i), load_ph(b + i), s0);
    if (i < n) {
        size_t rem = n - i;
        if (n >= 8) {
            // Mask the products, not one input: 0 * inf in a counted lane would add a NaN.
            __m256 p = _mm256_mul_ps(load_ph(a + n - 8), load_ph(b + n - 8));
            s1 = _mm256_add_ps(s1, _mm256_and_ps(p, last_lanes(rem)));
        } else {
            s1 = _mm256_fmadd_ps(load_ph_partial(a, rem), load_ph_partial(b, rem), s1);
        }
    }
    return hsum_ps(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
}

// MARK: int8

/// Σ x·y of 32 byte pairs as 8 int32 lanes.
///
/// `maddubs` multiplies unsigned by signed bytes, so x's sign moves onto y: |x| · (y · sign x).
/// Each int16 pair sum is at most 2 · 127 · 127 = 32258, so nothing saturates (inputs are never -128).
QUIVER_AVX2 static inline __m256i dot_i8_block(__m256i x, __m256i y) {
    __m256i pairs = _mm256_maddubs_epi16(_mm256_sign_epi8(x, x), _mm256_sign_epi8(y, x));
    return _mm256_madd_epi16(pairs, _mm256_set1_epi16(1));
}

/// Σ (x-y)² of 32 byte pairs as 8 int32 lanes.
///
/// |x - y| = max - min fits an unsigned byte (at most 254); it is widened to int16 by interleaving
/// with zero and squared with `madd` (a pair sum is at most 2 · 254² = 129032).
QUIVER_AVX2 static inline __m256i l2sq_i8_block(__m256i x, __m256i y) {
    __m256i d = _mm256_sub_epi8(_mm256_max_epi8(x, y), _mm256_min_epi8(x, y));
    __m256i lo = _mm256_unpacklo_epi8(d, _mm256_setzero_si256());
    __m256i hi = _mm256_unpackhi_epi8(d, _mm256_setzero_si256());
    return _mm256_add_epi32(_mm256_madd_epi16(lo, lo), _mm256_madd_epi16(hi, hi));
}

QUIVER_AVX2 static int32_t dot_i8(const int8_t *a, const int8_t *b, size_t n) {
    __m256i s0 = _mm256_setzero_si256(), s1 = _mm256_setzero_si256();
    size_t i = 0;
    for (; i + 64 <= n; i += 64) {
        s0 = _mm256_add_epi32(s0, dot_i8_block(load_bytes(a + i), load_bytes(b + i)));
        s1 = _mm256_add_epi32(s1, dot_i8_block(load_bytes(a + i + 32), load_bytes(b + i + 32)));
    }
    if (i + 32 <= n) {
        s0 = _mm256_add_epi32(s0, dot_i8_block(load_bytes(a + i), load_bytes(b + i)));
        i += 32;
    }
    if (i < n) {
        size_t rem = n - i;
        __m256i x, y;
        if (n >= 32) {
            __m256i keep = load_bytes(quiver_byte_tail_mask + rem);
            x = _mm256_and_si256(load_bytes(a + n - 32), keep);  // a zero x zeroes the product
            y = load_bytes(b + n - 32);
        } else {
            int8_t pa[32] = {0}, pb[32] = {0};
            for (size_t j = 0; j < rem; j++) { pa[j] = a[j]; pb[j] = b[j]; }
            x = load_bytes(pa);
            y = load_bytes(pb);
        }
        s1 = _mm256_add_epi32(s1, dot_i8_block(x, y));
    }
    return hsum_epi32(_mm256_add_epi32(s0, s1));
}

QUIVER_AVX2 static int32_t l2sq_i8(const int8_t *a, const int8_t *b, size_t n) {
    __m256i s0 = _mm256_setzero_si256(), s1 = _mm256_setzero_si256();
    size_t i = 0;
    for (; i + 64 <= n; i += 64) {
        s0 = _mm256_add_epi32(s0, l2sq_i8_block(load_bytes(a + i), load_bytes(b + i)));
        s1 = _mm256_add_epi32(s1, l2sq_i8_block(load_bytes(a + i + 32), load_bytes(b + i + 32)));
    }
    if (i + 32 <= n) {
        s0 = _mm256_add_epi32(s0, l2sq_i8_block(load_bytes(a + i), load_bytes(b + i)));
        i += 32;
    }
    if (i < n) {
        size_t rem = n - i;
        __m256i x, y;
        if (n >= 32) {
            __m256i keep = load_bytes(quiver_byte_tail_mask + rem);
            x = _mm256_and_si256(load_bytes(a + n - 32), keep);
            y = _mm256_and_si256(load_bytes(b + n - 32), keep);
        } else {
            int8_t pa[32] = {0}, pb[32] = {0};
            for (size_t j = 0; j < rem; j++) { pa[j] = a[j]; pb[j] = b[j]; }
            x = load_bytes(pa);
            y = load_bytes(pb);
        }
        s1 = _mm256_add_epi32(s1, l2sq_i8_block(x, y));
    }
    return hsum_epi32(_mm256_add_epi32(s0, s1));
}

// MARK: Bits

/// Hamming distance with the POPCNT instruction, four words per step (also used by the AVX-512
/// kernels when the CPU lacks VPOPCNTDQ).
QUIVER_AVX2 uint32_t quiver_hamming_popcnt(const uint64_t *a, const uint64_t *b, size_t n) {
    uint64_t c0 = 0, c1 = 0, c2 = 0, c3 = 0;
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        c0 += (uint64_t)_mm_popcnt_u64(quiver_load_u64(a + i) ^ quiver_load_u64(b + i));
        c1 += (uint64_t)_mm_popcnt_u64(quiver_load_u64(a + i + 1) ^ quiver_load_u64(b + i + 1));
        c2 += (uint64_t)_mm_popcnt_u64(quiver_load_u64(a + i + 2) ^ quiver_load_u64(b + i + 2));
        c3 += (uint64_t)_mm_popcnt_u64(quiver_load_u64(a + i + 3) ^ quiver_load_u64(b + i + 3));
    }
    for (; i < n; i++) c0 += (uint64_t)_mm_popcnt_u64(quiver_load_u64(a + i) ^ quiver_load_u64(b + i));
    return (uint32_t)((c0 + c1) + (c2 + c3));
}

// MARK: Conversion

QUIVER_AVX2 void quiver_f32_to_f16_avx2(const float *src, uint16_t *dst, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m128i h = _mm256_cvtps_ph(_mm256_loadu_ps(src + i), _MM_FROUND_TO_NEAREST_INT);
        _mm_storeu_si128((__m128i *)(dst + i), h);
    }
    for (; i < n; i++) dst[i] = (uint16_t)_cvtss_sh(src[i], _MM_FROUND_TO_NEAREST_INT);
}

QUIVER_AVX2 void quiver_f16_to_f32_avx2(const uint16_t *src, float *dst, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(dst + i, load_ph(src + i));
    for (; i < n; i++) dst[i] = _cvtsh_ss(src[i]);
}

const quiver_kernel_table quiver_kernels_avx2 = {
    QUIVER_SIMD_AVX2, l2sq_f32, dot_f32, cosine_f32, l2sq_f16, dot_f16, dot_i8, l2sq_i8, quiver_hamming_popcnt,
};

#endif
