#ifndef CQUIVER_SIMD_H
#define CQUIVER_SIMD_H

#include <stddef.h>
#include <stdint.h>

#include "CQuiverCRC32C.h"  // CRC-32C for the storage engine (crc32c.c)

#ifdef __cplusplus
extern "C" {
#endif

/// SIMD levels, ordered: a higher level implies the CPU has every lower one.
typedef enum {
    QUIVER_SIMD_BASELINE = 0,  ///< portable C, any x86-64 / arm64
    QUIVER_SIMD_NEON = 1,      ///< arm64 Advanced SIMD
    QUIVER_SIMD_AVX2 = 2,      ///< x86-64 AVX2 + FMA + F16C + POPCNT
    QUIVER_SIMD_AVX512 = 3,    ///< x86-64 AVX-512 F/BW/DQ/VL (+VPOPCNTDQ/VNNI when present)
} quiver_simd_level;

/// One set of distance kernels, all compiled for the same SIMD level.
///
/// Every kernel reads `n` elements (for `hamming`, `n` 64-bit words) from each input, accepts
/// unaligned pointers, and accepts any `n >= 0`.
typedef struct {
    quiver_simd_level level;
    /// Squared Euclidean distance of two f32 vectors.
    float (*l2sq_f32)(const float *a, const float *b, size_t n);
    /// Dot product of two f32 vectors.
    float (*dot_f32)(const float *a, const float *b, size_t n);
    /// Cosine distance `1 - dot / (|a| |b|)` of two f32 vectors; 1 when either has zero norm.
    float (*cosine_f32)(const float *a, const float *b, size_t n);
    /// Squared Euclidean distance of two IEEE binary16 vectors (stored as raw uint16 bits).
    float (*l2sq_f16)(const uint16_t *a, const uint16_t *b, size_t n);
    /// Dot product of two IEEE binary16 vectors.
    float (*dot_f16)(const uint16_t *a, const uint16_t *b, size_t n);
    /// Exact integer dot product of two int8 vectors with values in [-127, 127].
    int32_t (*dot_i8)(const int8_t *a, const int8_t *b, size_t n);
    /// Exact integer squared Euclidean distance of two int8 vectors with values in [-127, 127].
    int32_t (*l2sq_i8)(const int8_t *a, const int8_t *b, size_t n);
    /// Hamming distance (differing bits) of two bit vectors of `n` 64-bit words.
    uint32_t (*hamming)(const uint64_t *a, const uint64_t *b, size_t n);
} quiver_kernel_table;

/// The best level this CPU supports (cpuid / OS XSAVE state checked once).
quiver_simd_level quiver_simd_detect(void);

/// The kernels of `level`, or NULL if the CPU (or this build's architecture) lacks that level.
const quiver_kernel_table *quiver_kernels_for_level(quiver_simd_level level);

/// Optional AVX-512 extensions that the AVX-512 kernels use when the CPU has them.
#define QUIVER_SIMD_FEATURE_AVX512_VNNI 0x1u        ///< dot_i8 with VPDPBUSD
#define QUIVER_SIMD_FEATURE_AVX512_VPOPCNTDQ 0x2u   ///< hamming with VPOPCNTQ
#define QUIVER_SIMD_FEATURE_ALL 0x3u

/// The optional features (QUIVER_SIMD_FEATURE_* bits) this CPU has; 0 off x86-64.
uint32_t quiver_simd_features(void);

/// The kernels of `level` using only the optional features in `features` that the CPU also has,
/// so that tests and benchmarks can reach every code path; NULL if the CPU lacks `level`.
/// `quiver_kernels_for_level(level)` is `quiver_kernels_for_level_features(level, QUIVER_SIMD_FEATURE_ALL)`.
const quiver_kernel_table *quiver_kernels_for_level_features(quiver_simd_level level, uint32_t features);

/// Converts `n` f32 values to IEEE binary16 bits (round to nearest even; overflow to infinity;
/// a NaN stays a NaN, made quiet, with its sign and top payload bits).
///
/// Every level gives the same bits; this uses the best one the CPU has.
void quiver_f32_to_f16(const float *src, uint16_t *dst, size_t n);
/// Converts `n` IEEE binary16 values to f32, exactly (a signalling NaN is made quiet).
void quiver_f16_to_f32(const uint16_t *src, float *dst, size_t n);

/// `quiver_f32_to_f16` with the code of `level`; returns 0 without converting if the CPU lacks it.
int quiver_f32_to_f16_for_level(quiver_simd_level level, const float *src, uint16_t *dst, size_t n);
/// `quiver_f16_to_f32` with the code of `level`; returns 0 without converting if the CPU lacks it.
int quiver_f16_to_f32_for_level(quiver_simd_level level, const uint16_t *src, float *dst, size_t n);

// MARK: Atomics on plain memory
//
// The index keeps neighbour lists in flat buffers that readers scan while writers edit them.
// These helpers make every such access atomic, so concurrent search and insert are free of data
// races (and clean under ThreadSanitizer) at no cost on x86-64, where they compile to plain moves.

static inline uint32_t quiver_load_u32_acquire(const uint32_t *p) {
    return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}
static inline uint32_t quiver_load_u32_relaxed(const uint32_t *p) {
    return __atomic_load_n(p, __ATOMIC_RELAXED);
}
static inline void quiver_store_u32_release(uint32_t *p, uint32_t v) {
    __atomic_store_n(p, v, __ATOMIC_RELEASE);
}
static inline void quiver_store_u32_relaxed(uint32_t *p, uint32_t v) {
    __atomic_store_n(p, v, __ATOMIC_RELAXED);
}
static inline uint32_t quiver_fetch_add_u32(uint32_t *p, uint32_t v) {
    return __atomic_fetch_add(p, v, __ATOMIC_ACQ_REL);
}
static inline uint64_t quiver_load_u64_acquire(const uint64_t *p) {
    return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}
static inline uint64_t quiver_fetch_or_u64(uint64_t *p, uint64_t v) {
    return __atomic_fetch_or(p, v, __ATOMIC_ACQ_REL);
}
static inline uint8_t quiver_load_u8_acquire(const uint8_t *p) {
    return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}
static inline void quiver_store_u8_release(uint8_t *p, uint8_t v) {
    __atomic_store_n(p, v, __ATOMIC_RELEASE);
}

/// Acquires a one-byte spin lock (0 = free, 1 = held), yielding the CPU while it waits.
static inline void quiver_spin_lock(uint8_t *lock) {
    for (;;) {
        if (!__atomic_exchange_n(lock, 1, __ATOMIC_ACQUIRE)) return;
        while (__atomic_load_n(lock, __ATOMIC_RELAXED)) {
#if defined(__x86_64__) || defined(__i386__)
            __builtin_ia32_pause();
#elif defined(__aarch64__)
            __asm__ __volatile__("yield");
#endif
        }
    }
}
/// Releases a lock taken with `quiver_spin_lock`.
static inline void quiver_spin_unlock(uint8_t *lock) {
    __atomic_store_n(lock, 0, __ATOMIC_RELEASE);
}

/// Prefetches the cache line at `p` for reading into all cache levels.
static inline void quiver_prefetch(const void *p) {
    __builtin_prefetch(p, 0, 3);
}

#ifdef __cplusplus
}
#endif

#endif
