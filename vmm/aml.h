// Just enough ACPI Machine Language to describe fixed devices in the DSDT:
// scopes, devices, named integers, EISA ids and resource templates with I/O
// ports and IRQs (ACPI 6.5, chapter 20 for AML, 6.4 for resource descriptors).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace zvmm::aml {

using Bytes = std::vector<uint8_t>;

// PkgLength for a package whose contents (after the PkgLength) are `body` bytes.
Bytes pkg_length(size_t body);
// A 4-character name segment, e.g. "COM1", "_HID".
Bytes name_seg(std::string_view name);
// Compressed EISA id ("PNP0501") as a DWordConst.
Bytes eisa_id(std::string_view id);
// Integer constant (ZeroOp, OneOp, ByteConst, WordConst or DWordConst).
Bytes integer(uint32_t value);

// Package() { elements... } (each element a data object such as integer()).
Bytes package(std::initializer_list<std::span<const uint8_t>> elements);

// Scope(path) { body }: `path` is a NameString such as "\\_SB_".
Bytes scope(std::string_view path, std::span<const uint8_t> body);
// Device(name) { body }
Bytes device(std::string_view name, std::span<const uint8_t> body);
// Name(name, object)
Bytes name(std::string_view name, std::span<const uint8_t> object);

// Resource descriptors for a ResourceTemplate.
Bytes io_port(uint16_t base, uint8_t length);  // IO(Decode16, base, base, 0, length)
Bytes irq(uint8_t line);                       // IRQNoFlags() {line}
// Address space descriptors of a host bridge's _CRS (producer, fixed min/max,
// positive decode); ranges are inclusive [min, max].
Bytes word_bus_number(uint16_t min, uint16_t max);
Bytes word_io(uint16_t min, uint16_t max);
Bytes dword_memory(uint32_t min, uint32_t max);
Bytes qword_memory(uint64_t min, uint64_t max);
// Buffer holding `descriptors` followed by the end tag.
Bytes resource_template(std::span<const uint8_t> descriptors);

// Concatenation helper.
Bytes cat(std::initializer_list<std::span<const uint8_t>> parts);

}  // namespace zvmm::aml
