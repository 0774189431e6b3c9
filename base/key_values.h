// Comma-separated option lists, "virtio-blk,file=z.img,size=1G,readonly":
// the one item syntax of --disk (vmm/disk_config.h) and of the zoned device
// spec's text form (zoned/zoned_device_spec.h). No quoting: a value holds no
// comma.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

namespace zvmm {

struct KeyValue {
  std::string_view key;                   // before the first '=' (may be empty)
  std::optional<std::string_view> value;  // after it; nullopt without '='
};

// One item per comma-separated part, empty parts included ("a,,b" has three),
// views into `text`.
std::vector<KeyValue> split_key_values(std::string_view text);

}  // namespace zvmm
