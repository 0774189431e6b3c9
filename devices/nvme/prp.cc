#include "devices/nvme/prp.h"

#include <algorithm>
#include <array>
#include <cstdio>

#include "base/le.h"

namespace zvmm::nvme {

std::string PrpError::describe() const {
  char buf[32];
  std::snprintf(buf, sizeof buf, " (0x%llx)", static_cast<unsigned long long>(value));
  return std::string(what) + buf;
}

namespace {

constexpr uint64_t kPageMask = kMemoryPageSize - 1;
constexpr uint64_t kEntrySize = 8;

// Most data pages after PRP1 in a transfer, and so most list pages a walk can
// read: the first list, then 511 data pages per chained page (the last up to 512).
constexpr uint64_t kMaxDataPages = (kMemoryPageSize << kMaxMdts) / kMemoryPageSize;
constexpr size_t kMaxListPages = 1 + (kMaxDataPages + kPrpEntriesPerPage - 2) / (kPrpEntriesPerPage - 1);

PrpError error(GenericStatus status, std::string_view what, uint64_t value) {
  return PrpError{status, what, value};
}

class Walker {
 public:
  Walker(const GuestMemory& mem, std::vector<iovec>& out) : mem_(mem), out_(out) {}

  std::optional<PrpError> walk(const PrpDataPointer& dptr, const PrpLimits& limits) {
    const uint64_t len = dptr.length;
    if (len == 0) return std::nullopt;
    if (len > limits.max_transfer_bytes()) {
      return error(GenericStatus::kInvalidField, "transfer length exceeds MDTS", len);
    }

    // PRP1: any dword-aligned offset; the rest of its page.
    if (dptr.prp1 & 3) {
      return error(GenericStatus::kInvalidPrpOffset, "PRP1 is not dword aligned", dptr.prp1);
    }
    const uint64_t first = std::min(len, kMemoryPageSize - (dptr.prp1 & kPageMask));
    if (auto e = add(dptr.prp1, first, "PRP1 data outside guest memory")) return e;
    uint64_t remaining = len - first;
    if (remaining == 0) return std::nullopt;

    // PRP2 as the second (and last) data page.
    if (remaining <= kMemoryPageSize) {
      if (dptr.prp2 & kPageMask) {
        return error(GenericStatus::kInvalidPrpOffset, "PRP2 data page has an offset", dptr.prp2);
      }
      return add(dptr.prp2, remaining, "PRP2 data page outside guest memory");
    }

    // PRP2 as a list pointer: qword aligned, any offset.
    if (dptr.prp2 & (kEntrySize - 1)) {
      return error(GenericStatus::kInvalidPrpOffset, "PRP list pointer is not qword aligned",
                   dptr.prp2);
    }
    std::array<uint64_t, kMaxListPages> lists_read;
    size_t nlists = 0;
    uint64_t list = dptr.prp2;
    uint64_t slots = (kMemoryPageSize - (list & kPageMask)) / kEntrySize;
    for (;;) {
      if (std::find(lists_read.begin(), lists_read.begin() + nlists, list) !=
          lists_read.begin() + nlists) {
        return error(GenericStatus::kDataTransferError, "PRP list chain loops", list);
      }
      if (nlists == lists_read.size()) {  // cannot happen: the lengths bound it (kMaxListPages)
        return error(GenericStatus::kDataTransferError, "too many PRP list pages", list);
      }
      lists_read[nlists++] = list;

      // Read only the slots this transfer uses; the last one chains on if
      // more pages remain than there are slots.
      const uint64_t pages = (remaining + kMemoryPageSize - 1) / kMemoryPageSize;
      const bool chained = pages > slots;
      const uint64_t used = chained ? slots : pages;
      auto table = mem_.slice(list, used * kEntrySize);
      if (!table) {
        return error(GenericStatus::kDataTransferError, "PRP list outside guest memory", list);
      }
      const uint64_t data_entries = chained ? slots - 1 : pages;
      for (uint64_t i = 0; i < data_entries; ++i) {
        const uint64_t entry = load_le<uint64_t>(*table, i * kEntrySize);
        if (entry & kPageMask) {
          return error(GenericStatus::kInvalidPrpOffset, "PRP list entry has an offset", entry);
        }
        const uint64_t n = std::min(remaining, kMemoryPageSize);
        if (auto e = add(entry, n, "PRP list entry outside guest memory")) return e;
        remaining -= n;
      }
      if (!chained) return std::nullopt;  // remaining is 0

      const uint64_t next = load_le<uint64_t>(*table, (slots - 1) * kEntrySize);
      if (next & kPageMask) {
        return error(GenericStatus::kInvalidPrpOffset, "PRP list chain pointer has an offset",
                     next);
      }
      list = next;
      slots = kPrpEntriesPerPage;
    }
  }

 private:
  // Appends [gpa, gpa + len), merged into the previous segment when it
  // continues it in host memory.
  std::optional<PrpError> add(uint64_t gpa, uint64_t len, std::string_view what) {
    auto s = mem_.slice(gpa, len);
    if (!s) return error(GenericStatus::kDataTransferError, what, gpa);
    if (!out_.empty()) {
      iovec& last = out_.back();
      if (static_cast<uint8_t*>(last.iov_base) + last.iov_len == s->data()) {
        last.iov_len += s->size();
        return std::nullopt;
      }
    }
    out_.push_back({s->data(), s->size()});
    return std::nullopt;
  }

  const GuestMemory& mem_;
  std::vector<iovec>& out_;
};

}  // namespace

std::optional<PrpError> map_prps(const GuestMemory& mem, const PrpDataPointer& dptr,
                                 const PrpLimits& limits, std::vector<iovec>& out) {
  out.clear();
  auto e = Walker(mem, out).walk(dptr, limits);
  if (e) out.clear();
  return e;
}

}  // namespace zvmm::nvme
