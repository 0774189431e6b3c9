#include "vmm/testing/synthetic_bzimage.h"

#include <algorithm>
#include <iterator>

#include "vmm/bzimage.h"
#include "base/le.h"

namespace zvmm::testing {

std::vector<uint8_t> make_synthetic_bzimage(const SyntheticBzImageOptions& o) {
  using namespace setup_header;
  const size_t setup_bytes = (static_cast<size_t>(o.setup_sects == 0 ? 4 : o.setup_sects) + 1) * 512;
  std::vector<uint8_t> img(setup_bytes + o.payload_size, 0);
  img[kSetupSects] = o.setup_sects;
  store_le<uint16_t>(img, kBootFlag, kBootFlagValue);
  img[kJump] = 0xeb;                                   // jmp short
  img[kJump + 1] = static_cast<uint8_t>(kEnd - (kJump + 2));  // header ends at 0x268
  store_le<uint32_t>(img, kHeaderMagic, kMagic);
  store_le<uint16_t>(img, kVersion, o.version);
  img[kLoadflags] = o.loadflags;
  store_le<uint32_t>(img, kInitrdAddrMax, o.initrd_addr_max);
  store_le<uint32_t>(img, kKernelAlignment, o.kernel_alignment);
  img[kRelocatableKernel] = o.relocatable;
  store_le<uint16_t>(img, kXloadflags, o.xloadflags);
  store_le<uint32_t>(img, kCmdlineSize, o.cmdline_size);
  store_le<uint64_t>(img, kPrefAddress, o.pref_address);
  store_le<uint32_t>(img, kInitSize, o.init_size);
  for (size_t i = 0; i < o.payload_size; ++i) img[setup_bytes + i] = static_cast<uint8_t>((i * 7 + 3) & 0xff);
  std::copy(o.entry_code.begin(), o.entry_code.end(), img.begin() + static_cast<ptrdiff_t>(setup_bytes + kKernel64EntryOffset));
  return img;
}

namespace tiny_guest {

namespace {
constexpr uint8_t kJmpSelf[] = {0xeb, 0xfe};
std::vector<uint8_t> with_spin(std::vector<uint8_t> code) {
  code.insert(code.end(), std::begin(kJmpSelf), std::end(kJmpSelf));
  return code;
}
}  // namespace

std::vector<uint8_t> hello_exit() {
  return with_spin({
      0x66, 0xba, 0xf8, 0x03,  // mov dx, 0x3f8
      0xb0, 'o', 0xee,         // mov al, 'o'; out dx, al
      0xb0, 'k', 0xee,         // mov al, 'k'; out dx, al
      0xb0, '\n', 0xee,        // mov al, '\n'; out dx, al
      0xb0, 0x7a, 0xe6, 0xf5,  // mov al, 0x7a; out 0xf5, al   (boot marker)
      0xb0, 42, 0xe6, 0xf4,    // mov al, 42; out 0xf4, al     (exit status)
  });
}

std::vector<uint8_t> mmio_exit() {
  return with_spin({
      0xb8, 0x00, 0x00, 0x00, 0xf0,  // mov eax, 0xf0000000 (zero-extends into rax)
      0xc6, 0x00, 43,                // mov byte [rax], 43
  });
}

std::vector<uint8_t> read_exit() {
  return with_spin({
      0x66, 0xba, 0xfd, 0x03,  // mov dx, 0x3fd (LSR)
      0xec,                    // wait: in al, dx
      0xa8, 0x01,              // test al, 1 (data ready)
      0x74, 0xfb,              // jz wait
      0x66, 0xba, 0xf8, 0x03,  // mov dx, 0x3f8 (RBR)
      0xec,                    // in al, dx
      0xe6, 0xf4,              // out 0xf4, al
  });
}

std::vector<uint8_t> spin() { return with_spin({}); }

std::vector<uint8_t> reboot() {
  return with_spin({0xb0, 0xfe, 0xe6, 0x64});  // mov al, 0xfe; out 0x64, al
}

std::vector<uint8_t> panic_reboot() {
  return with_spin({
      0x66, 0xc7, 0x04, 0x25, 0x72, 0x04, 0x00, 0x00, 0x34, 0x12,  // mov word [0x472], 0x1234
      0xb0, 0xfe, 0xe6, 0x64,                                      // mov al, 0xfe; out 0x64, al
  });
}

namespace {
std::vector<uint8_t> exit_then_tail() {
  return {
      0xb0, 42, 0xe6, 0xf4,    // mov al, 42; out 0xf4, al     (exit status)
      0x66, 0xba, 0xf8, 0x03,  // mov dx, 0x3f8
      0xb0, 't', 0xee,         // mov al, 't'; out dx, al
      0xb0, 'a', 0xee,
      0xb0, 'i', 0xee,
      0xb0, 'l', 0xee,
      0xb0, '\n', 0xee,
  };
}
}  // namespace

std::vector<uint8_t> exit_tail() { return with_spin(exit_then_tail()); }

std::vector<uint8_t> exit_tail_reboot() {
  std::vector<uint8_t> code = exit_then_tail();
  for (uint8_t b : {0xb0, 0xfe, 0xe6, 0x64}) code.push_back(b);  // mov al, 0xfe; out 0x64, al
  return with_spin(std::move(code));
}

std::vector<uint8_t> exit_flood() {
  return with_spin({
      0xb0, 7, 0xe6, 0xf4,     // mov al, 7; out 0xf4, al      (exit status)
      0x66, 0xba, 0xf8, 0x03,  // mov dx, 0x3f8
      0xb0, 'x',               // mov al, 'x'
      0xee,                    // again: out dx, al
      0xeb, 0xfd,              // jmp again
  });
}

}  // namespace tiny_guest

}  // namespace zvmm::testing
