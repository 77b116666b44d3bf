// CRC-32C: a portable slicing-by-8 table version and an SSE4.2 version chosen once by cpuid.
// The hardware function is compiled for SSE4.2 with a target attribute, so the package needs no
// compiler flags and the binary still runs on CPUs without it.
#include "include/CQuiverCRC32C.h"

#include <pthread.h>
#include <string.h>

#if defined(__x86_64__)
#include <cpuid.h>
#include <nmmintrin.h>
#endif

#define QUIVER_CRC32C_POLY 0x82F63B78u  // Castagnoli polynomial, bit-reflected

static uint32_t crc32c_table[8][256];
static pthread_once_t crc32c_table_once = PTHREAD_ONCE_INIT;

// Table k maps a byte to its CRC contribution when followed by k zero bytes (slicing-by-8).
static void crc32c_build_tables(void) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t crc = i;
        for (int bit = 0; bit < 8; bit++) crc = (crc >> 1) ^ (QUIVER_CRC32C_POLY & (0u - (crc & 1u)));
        crc32c_table[0][i] = crc;
    }
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t crc = crc32c_table[0][i];
        for (int k = 1; k < 8; k++) {
            crc = crc32c_table[0][crc & 0xff] ^ (crc >> 8);
            crc32c_table[k][i] = crc;
        }
    }
}

static inline uint64_t crc32c_load_le64(const uint8_t *p) {
    uint64_t v;
    memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

uint32_t quiver_crc32c_extend_portable(uint32_t crc, const void *data, size_t n) {
    pthread_once(&crc32c_table_once, crc32c_build_tables);
    const uint8_t *p = (const uint8_t *)data;
    uint32_t c = ~crc;
    while (n >= 8) {
        uint64_t v = crc32c_load_le64(p) ^ c;
        c = crc32c_table[7][v & 0xff] ^ crc32c_table[6][(v >> 8) & 0xff] ^
            crc32c_table[5][(v >> 16) & 0xff] ^ crc32c_table[4][(v >> 24) & 0xff] ^
            crc32c_table[3][(v >> 32) & 0xff] ^ crc32c_table[2][(v >> 40) & 0xff] ^
            crc32c_table[1][(v >> 48) & 0xff] ^ crc32c_table[0][v >> 56];
        p += 8;
        n -= 8;
    }
    while (n > 0) {
        c = crc32c_table[0][(c ^ *p) & 0xff] ^ (c >> 8);
        p++;
        n--;
    }
    return ~c;
}

#if defined(__x86_64__)

__attribute__((target("sse4.2")))
uint32_t quiver_crc32c_extend_hardware(uint32_t crc, const void *data, size_t n) {
    const uint8_t *p = (const uint8_t *)data;
    uint64_t c = (uint32_t)~crc;
    while (n > 0 && ((uintptr_t)p & 7) != 0) {
        c = _mm_crc32_u8((uint32_t)c, *p);
        p++;
        n--;
    }
    while (n >= 8) {
        uint64_t v;
        memcpy(&v, p, 8);
        c = _mm_crc32_u64(c, v);
        p += 8;
        n -= 8;
    }
    while (n > 0) {
        c = _mm_crc32_u8((uint32_t)c, *p);
        p++;
        n--;
    }
    return ~(uint32_t)c;
}

int quiver_crc32c_hardware_available(void) {
    // 0 = unknown, 1 = no, 2 = yes. Every thread computes the same answer, so a race is harmless;
    // the atomics keep it defined behaviour.
    static int cached = 0;
    int known = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (known == 0) {
        unsigned int eax, ebx, ecx, edx;
        int has = __get_cpuid(1, &eax, &ebx, &ecx, &edx) && (ecx & bit_SSE4_2) != 0;
        known = has ? 2 : 1;
        __atomic_store_n(&cached, known, __ATOMIC_RELAXED);
    }
    return known == 2;
}

#else

uint32_t quiver_crc32c_extend_hardware(uint32_t crc, const void *data, size_t n) {
    return quiver_crc32c_extend_portable(crc, data, n);
}

int quiver_crc32c_hardware_available(void) { return 0; }

#endif

uint32_t quiver_crc32c_extend(uint32_t crc, const void *data, size_t n) {
    if (quiver_crc32c_hardware_available()) return quiver_crc32c_extend_hardware(crc, data, n);
    return quiver_crc32c_extend_portable(crc, data, n);
}
