// Port I/O and MMIO dispatch. A vCPU exit names an address and a data buffer;
// the Bus finds the device whose range holds the address and calls it with the
// offset inside that range. Devices know nothing about KVM.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <stdexcept>
#include <string>

namespace zvmm {

class BusDevice {
 public:
  virtual ~BusDevice() = default;
  // `offset` is relative to the start of the range the device was inserted at.
  // Reads fill all of `data` (devices return 0xff.. for registers they lack).
  virtual void read(uint64_t offset, std::span<uint8_t> data) = 0;
  virtual void write(uint64_t offset, std::span<const uint8_t> data) = 0;
};

class BusError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Bus {
 public:
  struct Range {
    uint64_t base = 0;
    uint64_t size = 0;
  };

  // Throws BusError if the range is empty, wraps, or overlaps another device.
  void insert(std::shared_ptr<BusDevice> device, uint64_t base, uint64_t size);
  // Removes the device inserted at exactly `base` (used when a guest moves a BAR).
  // Returns false if nothing was there.
  bool remove(uint64_t base);

  // Dispatch. Return false when no device claims [addr, addr + len): reads then
  // return all-ones, writes are dropped, the way an unclaimed bus behaves.
  bool read(uint64_t addr, std::span<uint8_t> data) const;
  bool write(uint64_t addr, std::span<const uint8_t> data) const;

 private:
  struct Entry {
    uint64_t size;
    std::shared_ptr<BusDevice> device;
  };
  // Returns the device and offset for an access, or nullptr.
  std::shared_ptr<BusDevice> find(uint64_t addr, uint64_t len, uint64_t* offset) const;

  mutable std::shared_mutex mutex_;
  std::map<uint64_t, Entry> devices_;  // keyed by base
};

}  // namespace zvmm
