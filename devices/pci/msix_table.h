// The MSI-X vector table and pending-bit array of one function, and the
// delivery rules: a vector fires only while MSI-X is enabled and neither the
// function nor the vector is masked; otherwise its pending bit is set, and the
// message is sent when the mask is lifted. Delivery goes through an
// InterruptSourceGroup, which is told about every change of a vector's
// effective message/mask so it can keep its routing (KVM: GSI route + irqfd).
//
// Thread-safe: the guest programs the table on vCPU threads while device
// threads call trigger().
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

#include "devices/interrupt.h"

namespace zvmm {

class MsixTable {
 public:
  static constexpr uint32_t kEntrySize = 16;
  static constexpr uint16_t kMaxVectors = 2048;

  // `group` must have at least `vectors` sources. Throws PciError otherwise.
  MsixTable(uint16_t vectors, std::shared_ptr<InterruptSourceGroup> group);

  uint16_t vectors() const { return static_cast<uint16_t>(entries_.size()); }
  uint64_t table_bytes() const { return uint64_t{kEntrySize} * entries_.size(); }
  uint64_t pba_bytes() const { return 8 * ((entries_.size() + 63) / 64); }

  // Message Control's Enable (bit 15) and Function Mask (bit 14).
  void set_control(bool enabled, bool function_masked);

  // Guest accesses relative to the start of the table / PBA. Aligned 4- and
  // 8-byte accesses are honoured; anything else reads zero and is ignored on
  // write. The PBA is read-only.
  void read_table(uint64_t offset, std::span<uint8_t> data) const;
  void write_table(uint64_t offset, std::span<const uint8_t> data);
  void read_pba(uint64_t offset, std::span<uint8_t> data) const;

  // Device side: raise `vector`. Returns true if delivered, false if it was
  // left pending (masked) or dropped (MSI-X disabled, bad vector, delivery error).
  bool trigger(uint16_t vector);

  bool enabled() const;
  bool function_masked() const;
  bool vector_masked(uint16_t vector) const;
  bool pending(uint16_t vector) const;
  MsiMessage message(uint16_t vector) const;
  InterruptSourceGroup& group() const { return *group_; }

 private:
  struct Entry {
    uint32_t address_low = 0;
    uint32_t address_high = 0;
    uint32_t data = 0;
    uint32_t control = 1;  // vector masked at reset
    MsiMessage message() const {
      return {uint64_t{address_high} << 32 | address_low, data};
    }
  };
  // What the group was last told about a vector.
  struct Published {
    bool valid = false;
    bool masked = true;
    MsiMessage message;
  };

  bool effectively_masked(size_t vector) const;
  uint32_t read_dword(uint64_t offset) const;
  void write_dword(uint64_t offset, uint32_t value);
  // Brings the group in line with the entry, then delivers a pending message
  // if the vector just became deliverable.
  void sync(size_t vector);

  mutable std::mutex mutex_;
  std::shared_ptr<InterruptSourceGroup> group_;
  std::vector<Entry> entries_;
  std::vector<Published> published_;
  std::vector<uint64_t> pba_;
  bool enabled_ = false;
  bool function_masked_ = false;
};

}  // namespace zvmm
