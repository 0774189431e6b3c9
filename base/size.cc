#include "base/size.h"

#include <charconv>
#include <stdexcept>
#include <string>

namespace zvmm {
namespace {

[[noreturn]] void fail(std::string_view name, std::string_view text, std::string_view why) {
  throw std::invalid_argument(std::string(name) + ": '" + std::string(text) + "' " + std::string(why));
}

}  // namespace

bool is_bare_number(std::string_view text) {
  return !text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos;
}

uint64_t parse_size(std::string_view name, std::string_view text) {
  constexpr std::string_view kSyntax =
      "is not a size (a number with an optional unit K, M, G or T, powers of 1024; a bare number is bytes)";
  uint64_t value = 0;
  const char* const first = text.data();
  const char* const last = text.data() + text.size();
  const auto [end, ec] = std::from_chars(first, last, value);
  if (end == first) fail(name, text, kSyntax);  // empty, sign, space, no digits
  std::string_view unit(end, static_cast<size_t>(last - end));
  if (unit.size() == 3 && (unit.ends_with("iB") || unit.ends_with("ib"))) unit.remove_suffix(2);
  unsigned shift = 0;
  if (unit.size() > 1) fail(name, text, kSyntax);
  if (unit.size() == 1) {
    switch (unit[0]) {
      case 'k': case 'K': shift = 10; break;
      case 'm': case 'M': shift = 20; break;
      case 'g': case 'G': shift = 30; break;
      case 't': case 'T': shift = 40; break;
      default: fail(name, text, kSyntax);
    }
  }
  if (ec == std::errc::result_out_of_range || value > (UINT64_MAX >> shift)) {
    fail(name, text, "is too large");
  }
  return value << shift;
}

}  // namespace zvmm
