// Builds small fake bzImages for tests: a valid setup header (boot protocol
// 2.15, 64-bit entry, relocatable) followed by a recognisable "kernel" payload.
#pragma once

#include <cstdint>
#include <vector>

namespace zvmm::testing {

struct SyntheticBzImageOptions {
  uint16_t version = 0x020f;
  uint8_t setup_sects = 4;
  uint8_t loadflags = 0x01;   // LOADED_HIGH
  uint16_t xloadflags = 0x03; // XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G
  uint32_t initrd_addr_max = 0x7fff'ffff;
  uint32_t kernel_alignment = 0x20'0000;
  uint8_t relocatable = 1;
  uint32_t cmdline_size = 2047;
  uint64_t pref_address = 0x100'0000;  // 16 MiB, Debian's LOAD_PHYSICAL_ADDR
  uint32_t init_size = 0x100'0000;     // 16 MiB
  uint32_t payload_size = 64 * 1024;
  // Machine code placed at the 64-bit entry point (payload offset 0x200).
  std::vector<uint8_t> entry_code;
};

// Entry-point programs for tiny end-to-end guests (64-bit code, entered the
// way Linux is).
namespace tiny_guest {
// Prints "ok\n" on COM1, writes the boot marker, exits with status 42.
std::vector<uint8_t> hello_exit();
// Writes status 43 to the MMIO status page (layout::kStatusMmioStart).
std::vector<uint8_t> mmio_exit();
// Waits for a byte on COM1 (polling LSR), exits with it as the status.
std::vector<uint8_t> read_exit();
// Spins forever (for signal tests).
std::vector<uint8_t> spin();
// Pulses the i8042 reset line (a reboot).
std::vector<uint8_t> reboot();
// Marks the BIOS reset flag warm, then resets (what Linux does on panic).
std::vector<uint8_t> panic_reboot();
// Exits with status 42, then prints "tail\n" on COM1 and spins: the console
// drain after an exit status must let the tail through.
std::vector<uint8_t> exit_tail();
// Exits with status 42, prints "tail\n", then pulses the i8042 reset line:
// the reset ends the drain at once and the status stays 42.
std::vector<uint8_t> exit_tail_reboot();
// Exits with status 7, then prints 'x' on COM1 forever (the drain's byte budget).
std::vector<uint8_t> exit_flood();
}  // namespace tiny_guest

// The payload byte at offset i is (i * 7 + 3) & 0xff, except for entry_code.
std::vector<uint8_t> make_synthetic_bzimage(const SyntheticBzImageOptions& options = {});

}  // namespace zvmm::testing
