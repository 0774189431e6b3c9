// Test helpers for the PRP walker: a data pointer laid out in guest memory the
// way Linux 6.12 builds it (drivers/nvme/host/pci.c nvme_pci_setup_prps), and
// the host segments a list of guest ranges should map to.
#pragma once

#include <sys/uio.h>

#include <cstdint>
#include <span>
#include <stdexcept>
#include <vector>

#include "devices/nvme/prp.h"
#include "vmm/guest_memory.h"

namespace zvmm::nvme::testing {

// One DMA segment of a request (a scatterlist entry after DMA mapping), GPA
// and bytes. As the block layer hands them to the driver: the first may start
// at any dword-aligned offset, every other one starts on a page boundary, and
// every one but the last ends on a page boundary (virt_boundary 4 KiB).
struct DmaSegment {
  uint64_t gpa;
  uint64_t len;
};

// Writes the PRP lists for `segs` into guest memory and returns the data
// pointer, step for step as nvme_pci_setup_prps: PRP1 = the first segment's
// address; if the rest fits in one page, PRP2 = that page; otherwise a list
// from the 256-byte pool (<= 32 entries: list_pages[0] + small_offset, a
// multiple of 256) or from the page pool (list_pages in order); when a page
// list fills, its last slot's entry moves to slot 0 of the next list page and
// the slot gets the next list's address.
inline PrpDataPointer build_linux_prps(const GuestMemory& mem, std::span<const DmaSegment> segs,
                                       std::span<const uint64_t> list_pages,
                                       uint64_t small_offset = 0) {
  constexpr int64_t kPage = static_cast<int64_t>(kMemoryPageSize);
  auto write = [&](uint64_t gpa, uint64_t v) {
    if (!mem.write_le<uint64_t>(gpa, v)) throw std::logic_error("PRP list outside guest memory");
  };
  auto read = [&](uint64_t gpa) { return mem.read_le<uint64_t>(gpa).value(); };

  int64_t length = 0;
  for (const DmaSegment& s : segs) length += static_cast<int64_t>(s.len);
  size_t sg = 0;
  int64_t dma_len = static_cast<int64_t>(segs[0].len);
  uint64_t dma_addr = segs[0].gpa;
  const int64_t offset = static_cast<int64_t>(dma_addr & (kPage - 1));
  PrpDataPointer dptr{.prp1 = segs[0].gpa, .prp2 = 0, .length = static_cast<uint64_t>(length)};

  length -= kPage - offset;
  if (length <= 0) return dptr;
  dma_len -= kPage - offset;
  if (dma_len) {
    dma_addr += kPage - offset;
  } else {
    ++sg;
    dma_addr = segs[sg].gpa;
    dma_len = static_cast<int64_t>(segs[sg].len);
  }
  if (length <= kPage) {
    dptr.prp2 = dma_addr;
    return dptr;
  }

  const int64_t nprps = (length + kPage - 1) / kPage;
  size_t next_list = 0;
  uint64_t prp_list = nprps <= 256 / 8 ? list_pages[next_list++] + small_offset
                                       : list_pages[next_list++];
  dptr.prp2 = prp_list;
  int64_t i = 0;
  for (;;) {
    if (i == kPage >> 3) {
      const uint64_t old_list = prp_list;
      if (next_list == list_pages.size()) throw std::logic_error("out of list pages");
      prp_list = list_pages[next_list++];
      write(prp_list, read(old_list + 8 * (i - 1)));
      write(old_list + 8 * (i - 1), prp_list);
      i = 1;
    }
    write(prp_list + 8 * i++, dma_addr);
    dma_len -= kPage;
    dma_addr += kPage;
    length -= kPage;
    if (length <= 0) break;
    if (dma_len > 0) continue;
    if (dma_len < 0) throw std::logic_error("segment not page aligned (bad_sgl)");
    ++sg;
    dma_addr = segs[sg].gpa;
    dma_len = static_cast<int64_t>(segs[sg].len);
  }
  return dptr;
}

// The host segments covering `ranges` (GPA, bytes; each inside one RAM region)
// in order, merged where one continues the previous one in host memory: what
// map_prps should return for a data pointer that describes exactly these bytes.
inline std::vector<iovec> host_segments(const GuestMemory& mem,
                                        std::span<const DmaSegment> ranges) {
  std::vector<iovec> out;
  for (const DmaSegment& r : ranges) {
    if (r.len == 0) continue;
    auto s = mem.slice(r.gpa, r.len);
    if (!s) throw std::logic_error("range outside guest memory");
    if (!out.empty() &&
        static_cast<uint8_t*>(out.back().iov_base) + out.back().iov_len == s->data()) {
      out.back().iov_len += s->size();
    } else {
      out.push_back({s->data(), s->size()});
    }
  }
  return out;
}

}  // namespace zvmm::nvme::testing
