#include "vmm/nvme_disks.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <system_error>

#include "devices/nvme/prp.h"

namespace zvmm {

// disk_config.h's limits are the controller's (the CLI library does not
// depend on the device).
static_assert(kMaxNvmeNamespaces == nvme::kMaxNamespaces);
static_assert(kMaxNvmeMdts == nvme::kMaxMdts);

namespace {

// 64-bit FNV-1a of salt, a NUL and text, through splitmix64's finaliser (FNV
// alone mixes the last bytes poorly).
uint64_t hash64(std::string_view salt, std::string_view text) {
  uint64_t h = 0xcbf29ce484222325ull;
  auto add = [&h](unsigned char c) {
    h ^= c;
    h *= 0x100000001b3ull;
  };
  for (char c : salt) add(static_cast<unsigned char>(c));
  add(0);
  for (char c : text) add(static_cast<unsigned char>(c));
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebull;
  h ^= h >> 31;
  return h;
}

template <size_t N>
std::array<uint8_t, N> hash_bytes(std::string_view field, std::string_view text) {
  std::array<uint8_t, N> out{};
  for (size_t i = 0; i < N; i += 8) {
    const uint64_t h = hash64(std::string(field) + "#" + std::to_string(i / 8), text);
    for (size_t b = 0; b < 8 && i + b < N; ++b) out[i + b] = static_cast<uint8_t>(h >> (56 - 8 * b));
  }
  return out;
}

std::string controller_key(const NvmeControllerPlan& plan, std::span<const DiskSpec> disks) {
  if (plan.ctrl) return "ctrl=" + *plan.ctrl;
  return "disk=" + nvme_image_identity(disks[plan.namespaces.front().disk].backing);
}

}  // namespace

std::string nvme_image_identity(const zoned::ZonedDeviceSpec& backing) {
  std::error_code ec;
  const std::filesystem::path abs = std::filesystem::absolute(backing.path, ec);
  if (ec) return backing.path;
  const std::filesystem::path p = std::filesystem::weakly_canonical(abs, ec);
  return ec ? abs.string() : p.string();
}

NvmeNamespaceIds nvme_namespace_ids(std::string_view controller_key, uint32_t nsid,
                                    std::string_view image_identity) {
  const std::string text =
      std::string(controller_key) + "\n" + std::to_string(nsid) + "\n" + std::string(image_identity);
  NvmeNamespaceIds ids{.nguid = hash_bytes<16>("nguid", text),
                       .eui64 = hash_bytes<8>("eui64", text),
                       .uuid = hash_bytes<16>("uuid", text)};
  ids.eui64[0] = static_cast<uint8_t>((ids.eui64[0] & 0xfc) | 0x02);  // local, unicast
  ids.uuid[6] = static_cast<uint8_t>((ids.uuid[6] & 0x0f) | 0x40);    // version 4
  ids.uuid[8] = static_cast<uint8_t>((ids.uuid[8] & 0x3f) | 0x80);    // RFC 4122 variant
  return ids;
}

std::string nvme_default_serial(std::string_view controller_key) {
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx",
                static_cast<unsigned long long>(hash64("serial", controller_key)));
  return "ZVMM" + std::string(hex);
}

nvme::ControllerConfig nvme_controller_config(const NvmeControllerPlan& plan, uint16_t cntlid,
                                              std::span<const DiskSpec> disks,
                                              const std::function<zoned::ZonedDevice*(size_t)>& device,
                                              uint32_t vcpus) {
  const std::string key = controller_key(plan, disks);
  nvme::ControllerConfig c;
  c.serial = plan.serial.value_or(nvme_default_serial(key));
  c.cntlid = cntlid;
  c.subnqn = std::string(kNvmeNqnPrefix) + plan.ctrl.value_or(c.serial);
  c.max_io_queues =
      plan.queues != 0 ? plan.queues : static_cast<uint16_t>(std::clamp<uint32_t>(vcpus, 1, kMaxDiskQueues));
  c.mdts = plan.mdts;
  c.kick_yield = plan.kick_yield;
  for (const NvmeControllerPlan::Namespace& ns : plan.namespaces) {
    const NvmeNamespaceIds ids =
        nvme_namespace_ids(key, ns.nsid, nvme_image_identity(disks[ns.disk].backing));
    c.namespaces.push_back({.nsid = ns.nsid,
                            .device = device(ns.disk),
                            .nguid = ids.nguid,
                            .eui64 = ids.eui64,
                            .uuid = ids.uuid});
  }
  std::sort(c.namespaces.begin(), c.namespaces.end(),
            [](const auto& a, const auto& b) { return a.nsid < b.nsid; });
  c.validate();
  return c;
}

}  // namespace zvmm
