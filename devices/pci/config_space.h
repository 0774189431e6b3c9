// The 256-byte type-0 configuration header of one PCI function, with a write
// mask per byte so that read-only fields stay read-only whatever the guest
// writes. BAR sizing needs no special state: a BAR's writable bits are the
// address bits above its size, so writing all-ones reads back the size mask.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>

namespace zvmm {

namespace pci_reg {
inline constexpr uint16_t kVendorId = 0x00;
inline constexpr uint16_t kDeviceId = 0x02;
inline constexpr uint16_t kCommand = 0x04;
inline constexpr uint16_t kStatus = 0x06;
inline constexpr uint16_t kRevision = 0x08;
inline constexpr uint16_t kClassCode = 0x09;  // prog-if, subclass, class
inline constexpr uint16_t kCacheLineSize = 0x0c;
inline constexpr uint16_t kLatencyTimer = 0x0d;
inline constexpr uint16_t kHeaderType = 0x0e;
inline constexpr uint16_t kBar0 = 0x10;
inline constexpr uint16_t kSubsystemVendorId = 0x2c;
inline constexpr uint16_t kSubsystemId = 0x2e;
inline constexpr uint16_t kRomAddress = 0x30;
inline constexpr uint16_t kCapabilitiesPointer = 0x34;
inline constexpr uint16_t kInterruptLine = 0x3c;
inline constexpr uint16_t kInterruptPin = 0x3d;
inline constexpr uint16_t kFirstCapability = 0x40;

inline constexpr uint16_t kCommandIo = 1 << 0;
inline constexpr uint16_t kCommandMemory = 1 << 1;
inline constexpr uint16_t kCommandBusMaster = 1 << 2;
inline constexpr uint16_t kCommandIntxDisable = 1 << 10;
inline constexpr uint16_t kStatusCapabilitiesList = 1 << 4;
}  // namespace pci_reg

// Identity of a function. class_code is 24 bits: class << 16 | subclass << 8 | prog-if.
struct PciIds {
  uint16_t vendor = 0;
  uint16_t device = 0;
  uint32_t class_code = 0;
  uint8_t revision = 0;
  uint16_t subsystem_vendor = 0;
  uint16_t subsystem = 0;
};

enum class PciBarKind { kMem32, kMem64, kIo };

struct PciBarSpec {
  PciBarKind kind = PciBarKind::kMem32;
  uint64_t size = 0;  // power of two; memory >= 16, I/O >= 4 and <= 256
  bool prefetchable = false;
};

class PciConfigSpace {
 public:
  static constexpr uint16_t kSize = 256;
  static constexpr uint8_t kBarCount = 6;

  explicit PciConfigSpace(const PciIds& ids);

  // --- Setup (throws PciError) ------------------------------------------------------

  // Declares BAR `index` (a 64-bit BAR also takes index + 1).
  void add_bar(uint8_t index, const PciBarSpec& spec);

  // Appends a capability to the chain. `body` is the capability after its
  // ID and next-pointer bytes; `body_write_mask` (same length, or empty for
  // all read-only) marks the bits the guest may change. Returns the offset of
  // the capability's ID byte.
  uint8_t add_capability(uint8_t id, std::span<const uint8_t> body,
                         std::span<const uint8_t> body_write_mask = {});

  void set_interrupt_pin(uint8_t pin);

  // --- Guest access (never throws) ---------------------------------------------------

  // Bytes beyond the 256-byte header (PCIe extended space) read as zero and
  // ignore writes.
  void read(uint16_t offset, std::span<uint8_t> data) const;
  void write(uint16_t offset, std::span<const uint8_t> data);

  // --- VMM side ------------------------------------------------------------------------

  uint8_t read8(uint16_t offset) const;
  uint16_t read16(uint16_t offset) const;
  uint32_t read32(uint16_t offset) const;
  // Writes ignoring the write mask (device-owned fields such as capability data).
  void set16(uint16_t offset, uint16_t value);
  void set32(uint16_t offset, uint32_t value);

  uint16_t command() const { return read16(pci_reg::kCommand); }
  bool memory_enabled() const { return command() & pci_reg::kCommandMemory; }
  bool io_enabled() const { return command() & pci_reg::kCommandIo; }
  bool bus_master_enabled() const { return command() & pci_reg::kCommandBusMaster; }

  // The BAR declared at `index`; nullopt for unused slots and the upper half
  // of a 64-bit BAR.
  std::optional<PciBarSpec> bar(uint8_t index) const;
  // The address the BAR holds now (whatever the guest wrote, masked to the
  // BAR's alignment); 0 for an undeclared BAR.
  uint64_t bar_address(uint8_t index) const;
  // Programs the BAR's address (startup allocation). Throws PciError if the
  // BAR is undeclared or `address` is not aligned to its size.
  void set_bar_address(uint8_t index, uint64_t address);

 private:
  void set_mask16(uint16_t offset, uint16_t mask);
  void set_mask32(uint16_t offset, uint32_t mask);

  std::array<uint8_t, kSize> bytes_{};
  std::array<uint8_t, kSize> write_mask_{};
  std::array<std::optional<PciBarSpec>, kBarCount> bars_{};
  uint8_t last_capability_ = 0;   // offset of the last capability, 0 if none
  uint16_t next_capability_ = pci_reg::kFirstCapability;
};

}  // namespace zvmm
