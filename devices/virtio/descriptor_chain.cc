#include "devices/virtio/descriptor_chain.h"

#include <algorithm>
#include <cstring>

#include "devices/virtio/virtio_constants.h"
#include "base/le.h"

namespace zvmm::virtio {

std::string_view to_string(ChainError e) {
  switch (e) {
    case ChainError::kNextOutOfRange: return "next index out of range";
    case ChainError::kTooLong: return "chain longer than its table (loop)";
    case ChainError::kBadAddress: return "buffer outside guest memory";
    case ChainError::kReadableAfterWritable: return "readable descriptor after a writable one";
    case ChainError::kIndirectNotNegotiated: return "indirect descriptor not negotiated";
    case ChainError::kNestedIndirect: return "nested indirect descriptor";
    case ChainError::kIndirectWithNext: return "indirect descriptor with NEXT";
    case ChainError::kIndirectBadLength: return "bad indirect table length";
    case ChainError::kIndirectBadAddress: return "indirect table outside guest memory";
  }
  return "unknown chain error";
}

namespace {

constexpr size_t kDescSize = 16;

struct Desc {
  uint64_t addr;
  uint32_t len;
  uint16_t flags;
  uint16_t next;
};

Desc load_desc(std::span<const uint8_t> table, size_t index) {
  const size_t o = index * kDescSize;
  return {load_le<uint64_t>(table, o), load_le<uint32_t>(table, o + 8),
          load_le<uint16_t>(table, o + 12), load_le<uint16_t>(table, o + 14)};
}

uint64_t total(const std::vector<std::span<uint8_t>>& segs) {
  uint64_t n = 0;
  for (const auto& s : segs) n += s.size();
  return n;
}

}  // namespace

// Walks one table (the ring's or an indirect one) into a chain's segment lists.
// `table_entries` bounds both the indices and the chain length.
class ChainBuilder {
 public:
  // Empties `out` (keeping its capacity) for the chain at `head`.
  ChainBuilder(const GuestMemory& mem, const ChainLimits& limits, uint16_t head,
               DescriptorChain& out)
      : mem_(mem), limits_(limits), out_(out) {
    out.head_ = head;
    out.readable_.clear();
    out.writable_.clear();
    out.readable_bytes_ = out.writable_bytes_ = 0;
  }

  std::optional<ChainError> walk(std::span<const uint8_t> table, uint16_t start, bool indirect) {
    const size_t entries = table.size() / kDescSize;
    size_t index = start;
    for (size_t count = 0;; ++count) {
      if (count >= entries) return ChainError::kTooLong;
      const Desc d = load_desc(table, index);
      if (d.flags & desc_flags::kIndirect) {
        if (indirect) return ChainError::kNestedIndirect;
        if (!limits_.indirect_allowed) return ChainError::kIndirectNotNegotiated;
        if (d.flags & desc_flags::kNext) return ChainError::kIndirectWithNext;
        if (d.len == 0 || d.len % kDescSize ||
            d.len / kDescSize > limits_.max_indirect_entries) {
          return ChainError::kIndirectBadLength;
        }
        auto sub = mem_.slice(d.addr, d.len);
        if (!sub) return ChainError::kIndirectBadAddress;
        return walk(*sub, 0, true);  // the indirect table ends the chain
      }
      if (auto e = add(d)) return e;
      if (!(d.flags & desc_flags::kNext)) return std::nullopt;
      if (d.next >= entries) return ChainError::kNextOutOfRange;
      index = d.next;
    }
  }

 private:
  std::optional<ChainError> add(const Desc& d) {
    auto s = mem_.slice(d.addr, d.len);
    if (!s) return ChainError::kBadAddress;
    if (d.flags & desc_flags::kWrite) {
      out_.writable_.push_back(*s);
      out_.writable_bytes_ += s->size();
    } else {
      if (!out_.writable_.empty()) return ChainError::kReadableAfterWritable;
      out_.readable_.push_back(*s);
      out_.readable_bytes_ += s->size();
    }
    return std::nullopt;
  }

  const GuestMemory& mem_;
  const ChainLimits& limits_;
  DescriptorChain& out_;
};

namespace {

template <typename Byte, typename Fn>
size_t copy_segments(const std::vector<std::span<uint8_t>>& segs, uint64_t offset, size_t len,
                     Fn&& fn) {
  size_t done = 0;
  for (const auto& s : segs) {
    if (done == len) break;
    if (offset >= s.size()) {
      offset -= s.size();
      continue;
    }
    const size_t n = std::min<uint64_t>(s.size() - offset, len - done);
    fn(s.subspan(offset, n), done);
    done += n;
    offset = 0;
  }
  return done;
}

void append_iovecs(const std::vector<std::span<uint8_t>>& segs, uint64_t offset, uint64_t len,
                   std::vector<iovec>& out) {
  copy_segments<uint8_t>(segs, offset, len, [&](std::span<uint8_t> seg, size_t) {
    out.push_back({seg.data(), seg.size()});
  });
}

std::optional<std::span<uint8_t>> find_span(const std::vector<std::span<uint8_t>>& segs,
                                            uint64_t offset, uint64_t len) {
  for (const auto& s : segs) {
    if (offset < s.size() || (offset == s.size() && len == 0)) {
      if (len > s.size() - offset) return std::nullopt;
      return s.subspan(offset, len);
    }
    offset -= s.size();
  }
  if (offset == 0 && len == 0) return std::span<uint8_t>{};
  return std::nullopt;
}

}  // namespace

DescriptorChain::DescriptorChain(uint16_t head, std::vector<std::span<uint8_t>> readable,
                                 std::vector<std::span<uint8_t>> writable)
    : head_(head),
      readable_(std::move(readable)),
      writable_(std::move(writable)),
      readable_bytes_(total(readable_)),
      writable_bytes_(total(writable_)) {}

size_t DescriptorChain::read(uint64_t offset, std::span<uint8_t> out) const {
  return copy_segments<uint8_t>(readable_, offset, out.size(),
                                [&](std::span<uint8_t> seg, size_t at) {
                                  std::memcpy(out.data() + at, seg.data(), seg.size());
                                });
}

size_t DescriptorChain::write(uint64_t offset, std::span<const uint8_t> in) const {
  return copy_segments<uint8_t>(writable_, offset, in.size(),
                                [&](std::span<uint8_t> seg, size_t at) {
                                  std::memcpy(seg.data(), in.data() + at, seg.size());
                                });
}

std::optional<std::span<uint8_t>> DescriptorChain::readable_span(uint64_t offset,
                                                                 uint64_t len) const {
  return find_span(readable_, offset, len);
}

std::optional<std::span<uint8_t>> DescriptorChain::writable_span(uint64_t offset,
                                                                 uint64_t len) const {
  return find_span(writable_, offset, len);
}

void DescriptorChain::readable_iovecs(uint64_t offset, uint64_t len, std::vector<iovec>& out) const {
  append_iovecs(readable_, offset, len, out);
}

void DescriptorChain::writable_iovecs(uint64_t offset, uint64_t len, std::vector<iovec>& out) const {
  append_iovecs(writable_, offset, len, out);
}

std::optional<ChainError> parse_descriptor_chain(const GuestMemory& mem,
                                                 std::span<const uint8_t> table, uint16_t head,
                                                 const ChainLimits& limits, DescriptorChain& out) {
  ChainBuilder builder(mem, limits, head, out);
  if (head >= table.size() / kDescSize) return ChainError::kNextOutOfRange;
  return builder.walk(table, head, false);
}

std::variant<DescriptorChain, ChainError> parse_descriptor_chain(const GuestMemory& mem,
                                                                 std::span<const uint8_t> table,
                                                                 uint16_t head,
                                                                 const ChainLimits& limits) {
  DescriptorChain chain;
  if (auto e = parse_descriptor_chain(mem, table, head, limits, chain)) return *e;
  return chain;
}

}  // namespace zvmm::virtio
