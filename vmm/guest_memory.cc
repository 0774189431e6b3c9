#include "vmm/guest_memory.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "vmm/layout.h"

namespace zvmm {

MemoryMapping MemoryMapping::anonymous(size_t size) {
  void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) {
    throw GuestMemoryError("cannot map " + std::to_string(size >> 20) +
                           " MiB of guest memory: " + std::strerror(errno));
  }
  return MemoryMapping(static_cast<uint8_t*>(p), size);
}

MemoryMapping::MemoryMapping(MemoryMapping&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

MemoryMapping& MemoryMapping::operator=(MemoryMapping&& other) noexcept {
  if (this != &other) {
    release();
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

MemoryMapping::~MemoryMapping() { release(); }

void MemoryMapping::release() noexcept {
  if (data_ != nullptr) munmap(data_, size_);
  data_ = nullptr;
  size_ = 0;
}

GuestMemory GuestMemory::create(uint64_t ram_bytes) {
  const uint64_t page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  if (ram_bytes < layout::kMinimumMemory) {
    throw GuestMemoryError("guest memory " + std::to_string(ram_bytes >> 20) +
                           " MiB is below the minimum of " +
                           std::to_string(layout::kMinimumMemory >> 20) + " MiB");
  }
  if (ram_bytes % page != 0) {
    throw GuestMemoryError("guest memory size " + std::to_string(ram_bytes) +
                           " is not a multiple of the page size");
  }
  std::vector<GuestRegion> regions;
  regions.push_back({0, MemoryMapping::anonymous(layout::low_ram_bytes(ram_bytes))});
  if (const uint64_t high = layout::high_ram_bytes(ram_bytes); high > 0) {
    regions.push_back({layout::kHighRamStart, MemoryMapping::anonymous(high)});
  }
  return GuestMemory(ram_bytes, std::move(regions));
}

std::optional<std::span<uint8_t>> GuestMemory::slice(uint64_t gpa, uint64_t len) const {
  for (const GuestRegion& r : regions_) {
    if (gpa < r.gpa || gpa >= r.end()) continue;
    const uint64_t offset = gpa - r.gpa;
    if (len > r.size() - offset) return std::nullopt;
    return r.mapping.bytes().subspan(offset, len);
  }
  return std::nullopt;
}

std::span<uint8_t> GuestMemory::checked_slice(uint64_t gpa, uint64_t len,
                                              const std::string& what) const {
  auto s = slice(gpa, len);
  if (!s) {
    char buf[160];
    std::snprintf(buf, sizeof buf, "%s [0x%llx, +0x%llx) does not fit in guest RAM (%llu MiB)",
                  what.c_str(), static_cast<unsigned long long>(gpa),
                  static_cast<unsigned long long>(len),
                  static_cast<unsigned long long>(ram_bytes_ >> 20));
    throw GuestMemoryError(buf);
  }
  return *s;
}

bool GuestMemory::read(uint64_t gpa, std::span<uint8_t> out) const {
  auto s = slice(gpa, out.size());
  if (!s) return false;
  std::memcpy(out.data(), s->data(), out.size());
  return true;
}

bool GuestMemory::write(uint64_t gpa, std::span<const uint8_t> in) const {
  auto s = slice(gpa, in.size());
  if (!s) return false;
  std::memcpy(s->data(), in.data(), in.size());
  return true;
}

}  // namespace zvmm
