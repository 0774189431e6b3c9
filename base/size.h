// The one size syntax of zvmm's command lines (--memory, --disk size= and
// zone sizes, zvmm-zones --size ...): a decimal number with an optional unit
// K, M, G or T (powers of 1024, either case, also written KiB, MiB, GiB, TiB).
// A bare number is bytes: "4096" is 4 KiB, "512M" is 512 MiB.
#pragma once

#include <cstdint>
#include <string_view>

namespace zvmm {

// Returns the size in bytes. Throws std::invalid_argument with a one-line
// message that starts with `name` (the option or key being parsed), e.g.
// "--memory: 'lots' is not a size (...)" or "size: '99999999T' is too large".
uint64_t parse_size(std::string_view name, std::string_view text);

// True if `text` is digits only (no unit): callers use it to hint that a bare
// number is bytes when such a size is refused as too small.
bool is_bare_number(std::string_view text);

}  // namespace zvmm
