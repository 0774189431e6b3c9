// A validated split-ring descriptor chain: the device-readable and
// device-writable parts as spans of guest memory, in chain order.
//
// parse_descriptor_chain() walks a chain from its head, following NEXT links
// and (if negotiated) one level of indirect table, and refuses anything
// malformed with a ChainError value: it never throws on guest input and every
// byte it hands out came from GuestMemory::slice(). Parsing into an existing
// chain reuses its segment vectors, so a queue that recycles its chains
// allocates nothing per request.
#pragma once

#include <sys/uio.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <variant>
#include <vector>

#include "vmm/guest_memory.h"

namespace zvmm::virtio {

enum class ChainError : uint8_t {
  kNextOutOfRange,       // a NEXT index >= the table size
  kTooLong,              // more descriptors than the table holds (a loop)
  kBadAddress,           // a buffer not wholly inside guest RAM
  kReadableAfterWritable,  // spec 2.7.4.2: writable descriptors come last
  kIndirectNotNegotiated,
  kNestedIndirect,       // an INDIRECT descriptor inside an indirect table
  kIndirectWithNext,     // INDIRECT and NEXT both set
  kIndirectBadLength,    // table length 0, not a multiple of 16, or too large
  kIndirectBadAddress,   // table not wholly inside guest RAM
};

std::string_view to_string(ChainError e);

class DescriptorChain {
 public:
  DescriptorChain() = default;  // empty, head 0
  DescriptorChain(uint16_t head, std::vector<std::span<uint8_t>> readable,
                  std::vector<std::span<uint8_t>> writable);

  uint16_t head() const { return head_; }
  uint64_t readable_bytes() const { return readable_bytes_; }
  uint64_t writable_bytes() const { return writable_bytes_; }
  const std::vector<std::span<uint8_t>>& readable() const { return readable_; }
  const std::vector<std::span<uint8_t>>& writable() const { return writable_; }

  // Copies readable bytes [offset, offset + out.size()) into `out`; returns the
  // number copied (short at the end of the readable part).
  size_t read(uint64_t offset, std::span<uint8_t> out) const;
  // Copies `in` into writable bytes [offset, ...); returns the number copied.
  size_t write(uint64_t offset, std::span<const uint8_t> in) const;

  // The range as one span if it lies inside a single segment (zero-copy I/O).
  std::optional<std::span<uint8_t>> readable_span(uint64_t offset, uint64_t len) const;
  std::optional<std::span<uint8_t>> writable_span(uint64_t offset, uint64_t len) const;
  // Appends the segments covering the range (clipped at the part's end) to
  // `out`: scatter-gather I/O straight to guest memory.
  void readable_iovecs(uint64_t offset, uint64_t len, std::vector<iovec>& out) const;
  void writable_iovecs(uint64_t offset, uint64_t len, std::vector<iovec>& out) const;

 private:
  friend class ChainBuilder;

  uint16_t head_ = 0;
  std::vector<std::span<uint8_t>> readable_;
  std::vector<std::span<uint8_t>> writable_;
  uint64_t readable_bytes_ = 0;
  uint64_t writable_bytes_ = 0;
};

struct ChainLimits {
  bool indirect_allowed = false;          // VIRTIO_RING_F_INDIRECT_DESC negotiated
  uint32_t max_indirect_entries = 1024;   // per indirect table
};

// Walks the chain starting at `head` in the descriptor table `table` (16 *
// queue size bytes of guest memory) into `out` (its previous contents are
// dropped, its capacity kept). On error `out` holds a partial chain.
std::optional<ChainError> parse_descriptor_chain(const GuestMemory& mem,
                                                 std::span<const uint8_t> table, uint16_t head,
                                                 const ChainLimits& limits, DescriptorChain& out);

// The same, into a new chain.
std::variant<DescriptorChain, ChainError> parse_descriptor_chain(const GuestMemory& mem,
                                                                 std::span<const uint8_t> table,
                                                                 uint16_t head,
                                                                 const ChainLimits& limits);

}  // namespace zvmm::virtio
