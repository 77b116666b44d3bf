#ifndef CQUIVER_CRC32C_H
#define CQUIVER_CRC32C_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of iSCSI, ext4 and LevelDB.
///
/// `crc` is the checksum of the bytes before `data` (0 for a fresh checksum), so a checksum can be
/// built up piece by piece: `extend(extend(0, a), b) == extend(0, a ++ b)`. Any `data` alignment and
/// any `n` (including 0, where `data` may be NULL) are accepted.
/// Uses the SSE4.2 `crc32` instruction when the CPU has it, the portable tables otherwise.
uint32_t quiver_crc32c_extend(uint32_t crc, const void *data, size_t n);

/// The portable table-driven (slicing-by-8) implementation; same contract as `quiver_crc32c_extend`.
uint32_t quiver_crc32c_extend_portable(uint32_t crc, const void *data, size_t n);

/// The hardware implementation; same contract as `quiver_crc32c_extend`.
/// Only call it when `quiver_crc32c_hardware_available()` returns non-zero.
uint32_t quiver_crc32c_extend_hardware(uint32_t crc, const void *data, size_t n);

/// Non-zero when this CPU and build have a hardware CRC-32C instruction (x86-64 SSE4.2).
int quiver_crc32c_hardware_available(void);

#ifdef __cplusplus
}
#endif

#endif
