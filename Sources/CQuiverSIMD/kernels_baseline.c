// Portable kernels: plain C that the compiler may auto-vectorise for the target's base ISA (SSE2 on
// x86-64). They define the reference results the other levels are tested against.
#include "kernels_internal.h"

static float l2sq_f32(const float *a, const float *b, size_t n) {
    float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        float d0 = a[i] - b[i], d1 = a[i + 1] - b[i + 1], d2 = a[i + 2] - b[i + 2], d3 = a[i + 3] - b[i + 3];
        s0 += d0 * d0; s1 += d1 * d1; s2 += d2 * d2; s3 += d3 * d3;
    }
    for (; i < n; i++) { float d = a[i] - b[i]; s0 += d * d; }
    return (s0 + s1) + (s2 + s3);
}

static float dot_f32(const float *a, const float *b, size_t n) {
    float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        s0 += a[i] * b[i]; s1 += a[i + 1] * b[i + 1]; s2 += a[i + 2] * b[i + 2]; s3 += a[i + 3] * b[i + 3];
    }
    for (; i < n; i++) s0 += a[i] * b[i];
    return (s0 + s1) + (s2 + s3);
}

static float cosine_f32(const float *a, const float *b, size_t n) {
    float ab = 0, aa = 0, bb = 0;
    for (size_t i = 0; i < n; i++) { ab += a[i] * b[i]; aa += a[i] * a[i]; bb += b[i] * b[i]; }
    return quiver_cosine_from_sums(ab, aa, bb);
}

static float l2sq_f16(const uint16_t *a, const uint16_t *b, size_t n) {
    float s = 0;
    for (size_t i = 0; i < n; i++) { float d = quiver_half_to_float(a[i]) - quiver_half_to_float(b[i]); s += d * d; }
    return s;
}

static float dot_f16(const uint16_t *a, const uint16_t *b, size_t n) {
    float s = 0;
    for (size_t i = 0; i < n; i++) s += quiver_half_to_float(a[i]) * quiver_half_to_float(b[i]);
    return s;
}

static int32_t dot_i8(const int8_t *a, const int8_t *b, size_t n) {
    int32_t s = 0;
    for (size_t i = 0; i < n; i++) s += (int32_t)a[i] * (int32_t)b[i];
    return s;
}

static int32_t l2sq_i8(const int8_t *a, const int8_t *b, size_t n) {
    int32_t s = 0;
    for (size_t i = 0; i < n; i++) { int32_t d = (int32_t)a[i] - (int32_t)b[i]; s += d * d; }
    return s;
}

static uint32_t hamming(const uint64_t *a, const uint64_t *b, size_t n) {
    uint32_t s = 0;
    for (size_t i = 0; i < n; i++) s += (uint32_t)__builtin_popcountll(quiver_load_u64(a + i) ^ quiver_load_u64(b + i));
    return s;
}

const quiver_kernel_table quiver_kernels_baseline = {
    QUIVER_SIMD_BASELINE, l2sq_f32, dot_f32, cosine_f32, l2sq_f16, dot_f16, dot_i8, l2sq_i8, hamming,
};
