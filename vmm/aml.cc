#include "vmm/aml.h"

#include <stdexcept>
#include <string>

namespace zvmm::aml {

namespace {
constexpr uint8_t kZeroOp = 0x00;
constexpr uint8_t kOneOp = 0x01;
constexpr uint8_t kNameOp = 0x08;
constexpr uint8_t kBytePrefix = 0x0a;
constexpr uint8_t kWordPrefix = 0x0b;
constexpr uint8_t kDWordPrefix = 0x0c;
constexpr uint8_t kScopeOp = 0x10;
constexpr uint8_t kBufferOp = 0x11;
constexpr uint8_t kPackageOp = 0x12;
constexpr uint8_t kExtOpPrefix = 0x5b;
constexpr uint8_t kDeviceOp = 0x82;
constexpr uint8_t kIoPortDescriptor = 0x47;     // small item 0x08, length 7
constexpr uint8_t kIrqDescriptor = 0x22;        // small item 0x04, length 2 (no flags byte)
constexpr uint8_t kEndTag = 0x79;               // small item 0x0f, length 1

Bytes op_with_package(std::initializer_list<uint8_t> op, std::span<const uint8_t> head,
                      std::span<const uint8_t> body) {
  Bytes out(op);
  const Bytes len = pkg_length(head.size() + body.size());
  out.insert(out.end(), len.begin(), len.end());
  out.insert(out.end(), head.begin(), head.end());
  out.insert(out.end(), body.begin(), body.end());
  return out;
}
}  // namespace

Bytes pkg_length(size_t body) {
  // The encoded length counts the PkgLength bytes themselves.
  if (body + 1 < 0x40) return {static_cast<uint8_t>(body + 1)};
  for (size_t extra = 1; extra <= 3; ++extra) {
    const size_t total = body + 1 + extra;
    if (total < (size_t{1} << (4 + 8 * extra))) {
      Bytes out{static_cast<uint8_t>((extra << 6) | (total & 0x0f))};
      for (size_t i = 0; i < extra; ++i) out.push_back(static_cast<uint8_t>(total >> (4 + 8 * i)));
      return out;
    }
  }
  throw std::length_error("AML package too large");
}

Bytes name_seg(std::string_view name) {
  if (name.size() != 4) throw std::invalid_argument("AML name segment '" + std::string(name) + "' is not 4 characters");
  return Bytes(name.begin(), name.end());
}

Bytes eisa_id(std::string_view id) {
  if (id.size() != 7) throw std::invalid_argument("EISA id '" + std::string(id) + "' is not 7 characters");
  auto letter = [&](size_t i) { return static_cast<uint32_t>(id[i] - 0x40) & 0x1f; };
  auto hex = [&](size_t i) {
    const char c = id[i];
    return static_cast<uint32_t>(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
  };
  const uint16_t vendor = static_cast<uint16_t>((letter(0) << 10) | (letter(1) << 5) | letter(2));
  const uint16_t product = static_cast<uint16_t>((hex(3) << 12) | (hex(4) << 8) | (hex(5) << 4) | hex(6));
  // Stored big-endian: vendor high byte first.
  return {kDWordPrefix, static_cast<uint8_t>(vendor >> 8), static_cast<uint8_t>(vendor),
          static_cast<uint8_t>(product >> 8), static_cast<uint8_t>(product)};
}

Bytes integer(uint32_t v) {
  if (v == 0) return {kZeroOp};
  if (v == 1) return {kOneOp};
  if (v <= 0xff) return {kBytePrefix, static_cast<uint8_t>(v)};
  if (v <= 0xffff) return {kWordPrefix, static_cast<uint8_t>(v), static_cast<uint8_t>(v >> 8)};
  return {kDWordPrefix, static_cast<uint8_t>(v), static_cast<uint8_t>(v >> 8), static_cast<uint8_t>(v >> 16),
          static_cast<uint8_t>(v >> 24)};
}

Bytes package(std::initializer_list<std::span<const uint8_t>> elements) {
  const Bytes count{static_cast<uint8_t>(elements.size())};
  return op_with_package({kPackageOp}, count, cat(elements));
}

Bytes scope(std::string_view path, std::span<const uint8_t> body) {
  const Bytes p(path.begin(), path.end());
  return op_with_package({kScopeOp}, p, body);
}

Bytes device(std::string_view name, std::span<const uint8_t> body) {
  return op_with_package({kExtOpPrefix, kDeviceOp}, name_seg(name), body);
}

Bytes name(std::string_view n, std::span<const uint8_t> object) {
  return cat({Bytes{kNameOp}, name_seg(n), object});
}

Bytes io_port(uint16_t base, uint8_t length) {
  const uint8_t lo = static_cast<uint8_t>(base), hi = static_cast<uint8_t>(base >> 8);
  return {kIoPortDescriptor, 0x01 /* 16-bit decode */, lo, hi, lo, hi, 0x01 /* alignment */, length};
}

Bytes irq(uint8_t line) {
  const uint16_t mask = static_cast<uint16_t>(1u << line);
  return {kIrqDescriptor, static_cast<uint8_t>(mask), static_cast<uint8_t>(mask >> 8)};
}

namespace {
constexpr uint8_t kWordAddressSpace = 0x88;
constexpr uint8_t kDWordAddressSpace = 0x87;
constexpr uint8_t kQWordAddressSpace = 0x8a;
constexpr uint8_t kSpaceMemory = 0, kSpaceIo = 1, kSpaceBusNumber = 2;
// General flags: MaxFixed | MinFixed, positive decode, producer.
constexpr uint8_t kFixedProducer = 0x0c;

template <typename T>
void append_le(Bytes& out, T v) {
  for (size_t i = 0; i < sizeof(T); ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

// Granularity, min, max, translation, length: five fields of type T.
template <typename T>
Bytes address_space(uint8_t item, uint8_t space, uint8_t type_flags, T min, T max) {
  const uint16_t length = static_cast<uint16_t>(3 + 5 * sizeof(T));
  Bytes out{item};
  append_le<uint16_t>(out, length);
  out.push_back(space);
  out.push_back(kFixedProducer);
  out.push_back(type_flags);
  append_le<T>(out, 0);
  append_le<T>(out, min);
  append_le<T>(out, max);
  append_le<T>(out, 0);
  append_le<T>(out, static_cast<T>(max - min + 1));
  return out;
}
}  // namespace

Bytes word_bus_number(uint16_t min, uint16_t max) {
  return address_space<uint16_t>(kWordAddressSpace, kSpaceBusNumber, 0, min, max);
}

Bytes word_io(uint16_t min, uint16_t max) {
  return address_space<uint16_t>(kWordAddressSpace, kSpaceIo, 0x03 /* entire range */, min, max);
}

Bytes dword_memory(uint32_t min, uint32_t max) {
  return address_space<uint32_t>(kDWordAddressSpace, kSpaceMemory, 0x01 /* read-write, non-cacheable */, min, max);
}

Bytes qword_memory(uint64_t min, uint64_t max) {
  return address_space<uint64_t>(kQWordAddressSpace, kSpaceMemory, 0x01, min, max);
}

Bytes resource_template(std::span<const uint8_t> descriptors) {
  const Bytes contents = cat({descriptors, Bytes{kEndTag, 0x00}});
  return op_with_package({kBufferOp}, integer(static_cast<uint32_t>(contents.size())), contents);
}

Bytes cat(std::initializer_list<std::span<const uint8_t>> parts) {
  Bytes out;
  for (auto p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

}  // namespace zvmm::aml
