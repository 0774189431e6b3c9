#include "base/key_values.h"

namespace zvmm {

std::vector<KeyValue> split_key_values(std::string_view text) {
  std::vector<KeyValue> items;
  for (size_t begin = 0;;) {
    const size_t comma = text.find(',', begin);
    const std::string_view item = text.substr(begin, comma == std::string_view::npos ? comma : comma - begin);
    const size_t eq = item.find('=');
    if (eq == std::string_view::npos) {
      items.push_back({item, std::nullopt});
    } else {
      items.push_back({item.substr(0, eq), item.substr(eq + 1)});
    }
    if (comma == std::string_view::npos) break;
    begin = comma + 1;
  }
  return items;
}

}  // namespace zvmm
