// CRC-32C (Castagnoli), software table implementation, for on-disk metadata.
#pragma once

#include <cstdint>
#include <span>

namespace zvmm::zoned {

// crc32c("123456789") == 0xE3069283.
uint32_t crc32c(std::span<const uint8_t> data, uint32_t crc = 0);

}  // namespace zvmm::zoned
