// arm64 Advanced SIMD kernels. NEON is part of the arm64 base architecture, so no target attribute
// or run-time check is needed; other architectures compile this file to nothing.
//
// The optional dot-product extension (SDOT) would speed up dot_i8, but needs a run-time check of
// HWCAP_ASIMDDP; the widening multiply-accumulate below runs on every arm64 CPU.
#include "kernels_internal.h"

#if defined(__aarch64__)

#include <arm_neon.h>

static inline float32x4_t load_ph(const uint16_t *p) { return vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(p))); }

// MARK: f32

static float l2sq_f32(const float *a, const float *b, size_t n) {
    float32x4_t s0 = vdupq_n_f32(0), s1 = vdupq_n_f32(0), s2 = vdupq_n_f32(0), s3 = vdupq_n_f32(0);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        float32x4_t d0 = vsubq_f32(vld1q_f32(a + i), vld1q_f32(b + i));
        float32x4_t d1 = vsubq_f32(vld1q_f32(a + i + 4), vld1q_f32(b + i + 4));
        float32x4_t d2 = vsubq_f32(vld1q_f32(a + i + 8), vld1q_f32(b + i + 8));
        float32x4_t d3 = vsubq_f32(vld1q_f32(a + i + 12), vld1q_f32(b + i + 12));
        s0 = vfmaq_f32(s0, d0, d0);
        s1 = vfmaq_f32(s1, d1, d1);
        s2 = vfmaq_f32(s2, d2, d2);
        s3 = vfmaq_f32(s3, d3, d3);
    }
    for (; i + 4 <= n; i += 4) {
        float32x4_t d = vsubq_f32(vld1q_f32(a + i), vld1q_f32(b + i));
        s0 = vfmaq_f32(s0, d, d);
    }
    float s = vaddvq_f32(vaddq_f32(vaddq_f32(s0, s1), vaddq_f32(s2, s3)));
    for (; i < n; i++) {
        float d = a[i] - b[i];
        s += d * d;
    }
    return s;
}

static float dot_f32(const float *a, const float *b, size_t n) {
    float32x4_t s0 = vdupq_n_f32(0), s1 = vdupq_n_f32(0), s2 = vdupq_n_f32(0), s3 = vdupq_n_f32(0);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        s0 = vfmaq_f32(s0, vld1q_f32(a + i), vld1q_f32(b + i));
        s1 = vfmaq_f32(s1, vld1q_f32(a + i + 4), vld1q_f32(b + i + 4));
        s2 = vfmaq_f32(s2, vld1q_f32(a + i + 8), vld1q_f32(b + i + 8));
        s3 = vfmaq_f32(s3, vld1q_f32(a + i + 12), vld1q_f32(b + i + 12));
    }
    for (; i + 4 <= n; i += 4) s0 = vfmaq_f32(s0, vld1q_f32(a + i), vld1q_f32(b + i));
    float s = vaddvq_f32(vaddq_f32(vaddq_f32(s0, s1), vaddq_f32(s2, s3)));
    for (; i < n; i++) s += a[i] * b[i];
    return s;
}

static float cosine_f32(const float *a, const float *b, size_t n) {
    float32x4_t ab0 = vdupq_n_f32(0), aa0 = vdupq_n_f32(0), bb0 = vdupq_n_f32(0);
    float32x4_t ab1 = vdupq_n_f32(0), aa1 = vdupq_n_f32(0), bb1 = vdupq_n_f32(0);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        float32x4_t x0 = vld1q_f32(a + i), y0 = vld1q_f32(b + i);
        float32x4_t x1 = vld1q_f32(a + i + 4), y1 = vld1q_f32(b + i + 4);
        ab0 = vfmaq_f32(ab0, x0, y0);
        aa0 = vfmaq_f32(aa0, x0, x0);
        bb0 = vfmaq_f32(bb0, y0, y0);
        ab1 = vfmaq_f32(ab1, x1, y1);
        aa1 = vfmaq_f32(aa1, x1, x1);
        bb1 = vfmaq_f32(bb1, y1, y1);
    }
    float ab = vaddvq_f32(vaddq_f32(ab0, ab1)), aa = vaddvq_f32(vaddq_f32(aa0, aa1)), bb = vaddvq_f32(vaddq_f32(bb0, bb1));
    for (; i < n; i++) {
        ab += a[i] * b[i];
        aa += a[i] * a[i];
        bb += b[i] * b[i];
    }
    return quiver_cosine_from_sums(ab, aa, bb);
}

// MARK: f16

static float l2sq_f16(const uint16_t *a, const uint16_t *b, size_t n) {
    float32x4_t s0 = vdupq_n_f32(0), s1 = vdupq_n_f32(0), s2 = vdupq_n_f32(0), s3 = vdupq_n_f32(0);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        float32x4_t d0 = vsubq_f32(load_ph(a + i), load_ph(b + i));
        float32x4_t d1 = vsubq_f32(load_ph(a + i + 4), load_ph(b + i + 4));
        float32x4_t d2 = vsubq_f32(load_ph(a + i + 8), load_ph(b + i + 8));
        float32x4_t d3 = vsubq_f32(load_ph(a + i + 12), load_ph(b + i + 12));
        s0 = vfmaq_f32(s0, d0, d0);
        s1 = vfmaq_f32(s1, d1, d1);
        s2 = vfmaq_f32(s2, d2, d2);
        s3 = vfmaq_f32(s3, d3, d3);
    }
    for (; i + 4 <= n; i += 4) {
        float32x4_t d = vsubq_f32(load_ph(a + i), load_ph(b + i));
        s0 = vfmaq_f32(s0, d, d);
    }
    float s = vaddvq_f32(vaddq_f32(vaddq_f32(s0, s1), vaddq_f32(s2, s3)));
    for (; i < n; i++) {
        float d = quiver_half_to_float(a[i]) - quiver_half_to_float(b[i]);
        s += d * d;
    }
    return s;
}

static float dot_f16(const uint16_t *a, const uint16_t *b, size_t n) {
    float32x4_t s0 = vdupq_n_f32(0), s1 = vdupq_n_f32(0), s2 = vdupq_n_f32(0), s3 = vdupq_n_f32(0);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        s0 = vfmaq_f32(s0, load_ph(a + i), load_ph(b + i));
        s1 = vfmaq_f32(s1, load_ph(a + i + 4), load_ph(b + i + 4));
        s2 = vfmaq_f32(s2, load_ph(a + i + 8), load_ph(b + i + 8));
        s3 = vfmaq_f32(s3, load_ph(a + i + 12), load_ph(b + i + 12));
    }
    for (; i + 4 <= n; i += 4) s0 = vfmaq_f32(s0, load_ph(a + i), load_ph(b + i));
    float s = vaddvq_f32(vaddq_f32(vaddq_f32(s0, s1), vaddq_f32(s2, s3)));
    for (; i < n; i++) s += quiver_half_to_float(a[i]) * quiver_half_to_float(b[i]);
    return s;
}

// MARK: int8

static int32_t dot_i8(const int8_t *a, const int8_t *b, size_t n) {
    // A product of two values in -127...127 fits int16; pairs are added into int32 lanes.
    int32x4_t s0 = vdupq_n_s32(0), s1 = vdupq_n_s32(0);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        int8x16_t x = vld1q_s8(a + i), y = vld1q_s8(b + i);
        s0 = vpadalq_s16(s0, vmull_s8(vget_low_s8(x), vget_low_s8(y)));
        s1 = vpadalq_s16(s1, vmull_high_s8(x, y));
    }
    int32_t s = vaddvq_s32(vaddq_s32(s0, s1));
    for (; i < n; i++) s += (int32_t)a[i] * (int32_t)b[i];
    return s;
}

static int32_t l2sq_i8(const int8_t *a, const int8_t *b, size_t n) {
    // A difference fits int16 (at most 254 in magnitude); squares are accumulated in int32.
    int32x4_t s0 = vdupq_n_s32(0), s1 = vdupq_n_s32(0);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        int8x16_t x = vld1q_s8(a + i), y = vld1q_s8(b + i);
        int16x8_t lo = vsubl_s8(vget_low_s8(x), vget_low_s8(y));
        int16x8_t hi = vsubl_high_s8(x, y);
        s0 = vmlal_s16(s0, vget_low_s16(lo), vget_low_s16(lo));
        s1 = vmlal_high_s16(s1, lo, lo);
        s0 = vmlal_s16(s0, vget_low_s16(hi), vget_low_s16(hi));
        s1 = vmlal_high_s16(s1, hi, hi);
    }
    int32_t s = vaddvq_s32(vaddq_s32(s0, s1));
    for (; i < n; i++) {
        int32_t d = (int32_t)a[i] - (int32_t)b[i];
        s += d * d;
    }
    return s;
}

// MARK: Bits

static uint32_t hamming(const uint64_t *a, const uint64_t *b, size_t n) {
    // Byte counts are added pairwise into uint16 lanes, each growing by at most 16 per step, so
    // they are flushed to the total every 2048 steps, well before they could wrap.
    uint64_t total = 0;
    size_t i = 0;
    while (i + 2 <= n) {
        uint16x8_t acc = vdupq_n_u16(0);
        for (size_t steps = 0; steps < 2048 && i + 2 <= n; steps++, i += 2) {
            uint8x16_t x = veorq_u8(vld1q_u8((const uint8_t *)(a + i)), vld1q_u8((const uint8_t *)(b + i)));
            acc = vpadalq_u8(acc, vcntq_u8(x));
        }
        total += vaddlvq_u16(acc);
    }
    if (i < n) total += (uint64_t)__builtin_popcountll(quiver_load_u64(a + i) ^ quiver_load_u64(b + i));
    return (uint32_t)total;
}

// MARK: Conversion

void quiver_f32_to_f16_neon(const float *src, uint16_t *dst, size_t n) {
    // FCVTN rounds by FPCR, which is round-to-nearest-even unless a program changes it.
    size_t i = 0;
    for (; i + 4 <= n; i += 4) vst1_u16(dst + i, vreinterpret_u16_f16(vcvt_f16_f32(vld1q_f32(src + i))));
    for (; i < n; i++) dst[i] = quiver_float_to_half(src[i]);
}

void quiver_f16_to_f32_neon(const uint16_t *src, float *dst, size_t n) {
    size_t i = 0;
    for (; i + 4 <= n; i += 4) vst1q_f32(dst + i, load_ph(src + i));
    for (; i < n; i++) dst[i] = quiver_half_to_float(src[i]);
}

const quiver_kernel_table quiver_kernels_neon = {
    QUIVER_SIMD_NEON, l2sq_f32, dot_f32, cosine_f32, l2sq_f16, dot_f16, dot_i8, l2sq_i8, hamming,
};

#endif
