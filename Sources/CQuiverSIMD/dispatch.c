// Chooses kernels at run time. The CPU is probed once with cpuid, and XGETBV confirms that the OS
// saves the YMM/ZMM registers on a context switch; callers pick a table with
// quiver_kernels_for_level.
#include "kernels_internal.h"

#if defined(__x86_64__)
#include <cpuid.h>

// CPUID.1:ECX
#define QUIVER_CPUID1_ECX_FMA (1u << 12)
#define QUIVER_CPUID1_ECX_POPCNT (1u << 23)
#define QUIVER_CPUID1_ECX_OSXSAVE (1u << 27)
#define QUIVER_CPUID1_ECX_AVX (1u << 28)
#define QUIVER_CPUID1_ECX_F16C (1u << 29)
// CPUID.(7,0):EBX
#define QUIVER_CPUID7_EBX_AVX2 (1u << 5)
#define QUIVER_CPUID7_EBX_AVX512F (1u << 16)
#define QUIVER_CPUID7_EBX_AVX512DQ (1u << 17)
#define QUIVER_CPUID7_EBX_AVX512BW (1u << 30)
#define QUIVER_CPUID7_EBX_AVX512VL (1u << 31)
// CPUID.(7,0):ECX
#define QUIVER_CPUID7_ECX_AVX512VNNI (1u << 11)
#define QUIVER_CPUID7_ECX_AVX512VPOPCNTDQ (1u << 14)
// XCR0: the register state the OS saves and restores.
#define QUIVER_XCR0_SSE_AVX 0x06u      // XMM and the upper halves of YMM
#define QUIVER_XCR0_AVX512 0xe0u       // opmask, upper halves of ZMM0-15, ZMM16-31

typedef struct {
    quiver_simd_level level;
    uint32_t features;
} quiver_cpu;

static uint64_t quiver_xgetbv0(void) {
    uint32_t eax, edx;
    // The mnemonic, not _xgetbv, so that no target attribute is needed; callers check OSXSAVE.
    __asm__ __volatile__("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((uint64_t)edx << 32) | eax;
}

static quiver_cpu quiver_probe_cpu(void) {
    quiver_cpu cpu = {QUIVER_SIMD_BASELINE, 0};
    unsigned int eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return cpu;
    const uint32_t avx2_leaf1 = QUIVER_CPUID1_ECX_FMA | QUIVER_CPUID1_ECX_POPCNT | QUIVER_CPUID1_ECX_OSXSAVE |
                                QUIVER_CPUID1_ECX_AVX | QUIVER_CPUID1_ECX_F16C;
    if ((ecx & avx2_leaf1) != avx2_leaf1) return cpu;
    uint64_t xcr0 = quiver_xgetbv0();
    if ((xcr0 & QUIVER_XCR0_SSE_AVX) != QUIVER_XCR0_SSE_AVX) return cpu;
    if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return cpu;
    if ((ebx & QUIVER_CPUID7_EBX_AVX2) == 0) return cpu;
    cpu.level = QUIVER_SIMD_AVX2;

    const uint32_t avx512 =
        QUIVER_CPUID7_EBX_AVX512F | QUIVER_CPUID7_EBX_AVX512DQ | QUIVER_CPUID7_EBX_AVX512BW | QUIVER_CPUID7_EBX_AVX512VL;
    const uint64_t zmm_state = QUIVER_XCR0_SSE_AVX | QUIVER_XCR0_AVX512;
    if ((ebx & avx512) != avx512 || (xcr0 & zmm_state) != zmm_state) return cpu;
    cpu.level = QUIVER_SIMD_AVX512;
    if (ecx & QUIVER_CPUID7_ECX_AVX512VNNI) cpu.features |= QUIVER_SIMD_FEATURE_AVX512_VNNI;
    if (ecx & QUIVER_CPUID7_ECX_AVX512VPOPCNTDQ) cpu.features |= QUIVER_SIMD_FEATURE_AVX512_VPOPCNTDQ;
    return cpu;
}

static quiver_cpu quiver_cpu_info(void) {
    // Bit 31 marks the cached word as probed. Every thread computes the same answer, so a race
    // only repeats the probe; the atomics keep it defined behaviour.
    static uint32_t cached = 0;
    uint32_t word = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (word == 0) {
        quiver_cpu cpu = quiver_probe_cpu();
        word = (1u << 31) | ((uint32_t)cpu.level << 8) | cpu.features;
        __atomic_store_n(&cached, word, __ATOMIC_RELAXED);
    }
    quiver_cpu cpu = {(quiver_simd_level)((word >> 8) & 0xffu), word & 0xffu};
    return cpu;
}

#endif

quiver_simd_level quiver_simd_detect(void) {
#if defined(__x86_64__)
    return quiver_cpu_info().level;
#elif defined(__aarch64__)
    return QUIVER_SIMD_NEON;  // Advanced SIMD is part of the arm64 base architecture
#else
    return QUIVER_SIMD_BASELINE;
#endif
}

uint32_t quiver_simd_features(void) {
#if defined(__x86_64__)
    return quiver_cpu_info().features;
#else
    return 0;
#endif
}

const quiver_kernel_table *quiver_kernels_for_level_features(quiver_simd_level level, uint32_t features) {
    (void)features;  // only AVX-512 has optional features
    switch (level) {
    case QUIVER_SIMD_BASELINE: return &quiver_kernels_baseline;
#if defined(__x86_64__)
    case QUIVER_SIMD_AVX2:
        return quiver_cpu_info().level >= QUIVER_SIMD_AVX2 ? &quiver_kernels_avx2 : NULL;
    case QUIVER_SIMD_AVX512: {
        quiver_cpu cpu = quiver_cpu_info();
        if (cpu.level < QUIVER_SIMD_AVX512) return NULL;
        return &quiver_kernels_avx512[features & cpu.features & QUIVER_SIMD_FEATURE_ALL];
    }
#elif defined(__aarch64__)
    case QUIVER_SIMD_NEON: return &quiver_kernels_neon;
#endif
    default: return NULL;
    }
}

const quiver_kernel_table *quiver_kernels_for_level(quiver_simd_level level) {
    return quiver_kernels_for_level_features(level, QUIVER_SIMD_FEATURE_ALL);
}

int quiver_f32_to_f16_for_level(quiver_simd_level level, const float *src, uint16_t *dst, size_t n) {
    if (quiver_kernels_for_level_features(level, 0) == NULL) return 0;
    switch (level) {
#if defined(__x86_64__)
    case QUIVER_SIMD_AVX2: quiver_f32_to_f16_avx2(src, dst, n); break;
    case QUIVER_SIMD_AVX512: quiver_f32_to_f16_avx512(src, dst, n); break;
#elif defined(__aarch64__)
    case QUIVER_SIMD_NEON: quiver_f32_to_f16_neon(src, dst, n); break;
#endif
    default:
        for (size_t i = 0; i < n; i++) dst[i] = quiver_float_to_half(src[i]);
        break;
    }
    return 1;
}

int quiver_f16_to_f32_for_level(quiver_simd_level level, const uint16_t *src, float *dst, size_t n) {
    if (quiver_kernels_for_level_features(level, 0) == NULL) return 0;
    switch (level) {
#if defined(__x86_64__)
    case QUIVER_SIMD_AVX2: quiver_f16_to_f32_avx2(src, dst, n); break;
    case QUIVER_SIMD_AVX512: quiver_f16_to_f32_avx512(src, dst, n); break;
#elif defined(__aarch64__)
    case QUIVER_SIMD_NEON: quiver_f16_to_f32_neon(src, dst, n); break;
#endif
    default:
        for (size_t i = 0; i < n; i++) dst[i] = quiver_half_to_float(src[i]);
        break;
    }
    return 1;
}

void quiver_f32_to_f16(const float *src, uint16_t *dst, size_t n) {
    quiver_f32_to_f16_for_level(quiver_simd_detect(), src, dst, n);
}

void quiver_f16_to_f32(const uint16_t *src, float *dst, size_t n) {
    quiver_f16_to_f32_for_level(quiver_simd_detect(), src, dst, n);
}
