// The identity zvmm gives NVMe controllers and namespaces: stable for the
// same options and image, different wherever Linux needs it different.
#include "vmm/nvme_disks.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "vmm/cli.h"
#include "zoned/open_zoned_device.h"
#include "zoned/test_support.h"

namespace zvmm {
namespace {

using zoned::testing::fresh_temp_path;

TEST(NvmeDisksTest, NamespaceIdsAreStableAndDistinct) {
  const NvmeNamespaceIds a = nvme_namespace_ids("disk=/img/a", 1, "/img/a");
  const NvmeNamespaceIds again = nvme_namespace_ids("disk=/img/a", 1, "/img/a");
  EXPECT_EQ(a.nguid, again.nguid);
  EXPECT_EQ(a.eui64, again.eui64);
  EXPECT_EQ(a.uuid, again.uuid);
  std::set<std::array<uint8_t, 16>> nguids;
  std::set<std::array<uint8_t, 8>> euis;
  for (const auto& ids : {a, nvme_namespace_ids("disk=/img/a", 2, "/img/a"),
                          nvme_namespace_ids("disk=/img/b", 1, "/img/b"),
                          nvme_namespace_ids("ctrl=c", 1, "/img/a"), nvme_namespace_ids("ctrl=c", 2, "/img/a")}) {
    EXPECT_TRUE(nguids.insert(ids.nguid).second);
    EXPECT_TRUE(euis.insert(ids.eui64).second);
    EXPECT_EQ(ids.eui64[0] & 0x03, 0x02);  // locally administered, unicast
    EXPECT_EQ(ids.uuid[6] >> 4, 4);        // version 4
    EXPECT_EQ(ids.uuid[8] >> 6, 2);        // RFC 4122 variant
  }
  // The NGUID is not the UUID (separately salted).
  EXPECT_NE(a.nguid, a.uuid);
}

TEST(NvmeDisksTest, DefaultSerial) {
  const std::string s = nvme_default_serial("disk=/img/a");
  EXPECT_EQ(s.size(), 20u);
  EXPECT_EQ(s.rfind("ZVMM", 0), 0u);
  EXPECT_EQ(s, nvme_default_serial("disk=/img/a"));
  EXPECT_NE(s, nvme_default_serial("disk=/img/b"));
}

TEST(NvmeDisksTest, ImageIdentityIsTheAbsolutePath) {
  const std::string path = fresh_temp_path("nvme_identity.img");
  const zoned::ZonedDeviceSpec spec = parse_disk_option("nvme,zoned=none,file=" + path).backing;
  EXPECT_EQ(nvme_image_identity(spec), std::filesystem::weakly_canonical(path).string());
  // A relative path resolves against the working directory (missing files too).
  const zoned::ZonedDeviceSpec rel = parse_disk_option("nvme,zoned=none,file=not-there.img").backing;
  EXPECT_EQ(nvme_image_identity(rel), (std::filesystem::current_path() / "not-there.img").string());
}

TEST(NvmeDisksTest, ControllerConfigFromPlans) {
  const std::string a = fresh_temp_path("nvme_cfg_a.img");
  const std::string b = fresh_temp_path("nvme_cfg_b.img");
  std::vector<DiskSpec> disks;
  disks.push_back(parse_disk_option("nvme,zoned=none,size=1M,ctrl=c,nsid=4,file=" + a));
  disks.push_back(parse_disk_option("nvme,zoned=none,size=1M,ctrl=c,mdts=5,file=" + b));
  disks.push_back(parse_disk_option("nvme,zoned=none,size=1M,serial=MINE,queues=3,file=" + b + "x"));
  std::vector<std::unique_ptr<zoned::ZonedDevice>> devices;
  for (const DiskSpec& d : disks) devices.push_back(zoned::open_zoned_device(d.backing));
  auto device = [&](size_t i) { return devices.at(i).get(); };
  const std::vector<NvmeControllerPlan> plans = plan_nvme_controllers(disks);
  ASSERT_EQ(plans.size(), 2u);

  const nvme::ControllerConfig c = nvme_controller_config(plans[0], 1, disks, device, 2);
  EXPECT_EQ(c.serial, nvme_default_serial("ctrl=c"));
  EXPECT_EQ(c.subnqn, "nqn.2026-11.dev.zvmm:ctrl-c");
  EXPECT_EQ(c.cntlid, 1u);
  EXPECT_EQ(c.max_io_queues, 2u);  // one per vCPU
  EXPECT_EQ(c.mdts, 5u);
  ASSERT_EQ(c.namespaces.size(), 2u);  // in nsid order
  EXPECT_EQ(c.namespaces[0].nsid, 1u);
  EXPECT_EQ(c.namespaces[0].device, devices[1].get());
  EXPECT_EQ(c.namespaces[1].nsid, 4u);
  EXPECT_EQ(c.namespaces[1].device, devices[0].get());
  EXPECT_EQ(c.namespaces[1].nguid,
            nvme_namespace_ids("ctrl=c", 4, std::filesystem::weakly_canonical(a).string()).nguid);
  // Built again (a restart): the same identity.
  const nvme::ControllerConfig again = nvme_controller_config(plans[0], 1, disks, device, 2);
  EXPECT_EQ(again.serial, c.serial);
  EXPECT_EQ(again.namespaces[0].nguid, c.namespaces[0].nguid);
  EXPECT_EQ(again.namespaces[1].uuid, c.namespaces[1].uuid);

  const nvme::ControllerConfig d = nvme_controller_config(plans[1], 2, disks, device, 200);
  EXPECT_EQ(d.serial, "MINE");
  EXPECT_EQ(d.subnqn, "nqn.2026-11.dev.zvmm:ctrl-MINE");
  EXPECT_EQ(d.cntlid, 2u);
  EXPECT_EQ(d.max_io_queues, 3u);
  EXPECT_EQ(d.mdts, kDefaultNvmeMdts);
  ASSERT_EQ(d.namespaces.size(), 1u);
  EXPECT_EQ(d.namespaces[0].nsid, 1u);
  // Without queues=, many vCPUs are capped at kMaxDiskQueues.
  std::vector<DiskSpec> one = {disks[0]};
  one[0].nvme = {};
  EXPECT_EQ(nvme_controller_config(plan_nvme_controllers(one)[0], 1, one, device, 200).max_io_queues,
            kMaxDiskQueues);
  EXPECT_EQ(nvme_controller_config(plan_nvme_controllers(one)[0], 1, one, device, 200).serial,
            nvme_default_serial("disk=" + std::filesystem::weakly_canonical(a).string()));
}

}  // namespace
}  // namespace zvmm
