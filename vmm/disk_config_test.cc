#include "vmm/disk_config.h"

#include <gtest/gtest.h>

#include "vmm/cli.h"

namespace zvmm {
namespace {

std::string usage_error(const std::string& text) {
  try {
    parse_disk_option(text);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

TEST(DiskConfigTest, ZonedFileWithFullGeometry) {
  const DiskSpec d = parse_disk_option(
      "virtio-blk,file=z.img,size=256M,zoned=hm,zone-size=8M,zone-capacity=6M,conventional-zones=2,"
      "max-open=4,max-active=6,max-append=512K,queues=2");
  EXPECT_EQ(d.backing.path, "z.img");
  EXPECT_FALSE(d.backing.host);
  EXPECT_FALSE(d.backing.plain);
  ASSERT_TRUE(d.backing.geometry);
  const auto& g = *d.backing.geometry;
  EXPECT_EQ(g.device_bytes, 256u << 20);
  EXPECT_EQ(g.zone_size_bytes, 8u << 20);
  EXPECT_EQ(g.zone_capacity_bytes, 6u << 20);
  EXPECT_EQ(g.nr_conventional, 2u);
  EXPECT_EQ(g.max_open, 4u);
  EXPECT_EQ(g.max_active, 6u);
  EXPECT_EQ(g.max_append_bytes, 512u << 10);
  EXPECT_EQ(g.model, zoned::ZonedModel::kHostManaged);
  EXPECT_EQ(d.virtio.queues, 2u);
}

TEST(DiskConfigTest, Defaults) {
  const DiskSpec d = parse_disk_option("virtio-blk,file=z.img,size=1G");
  ASSERT_TRUE(d.backing.geometry);
  EXPECT_EQ(d.backing.geometry->zone_size_bytes, zoned::kDefaultZoneSize);
  EXPECT_EQ(d.backing.geometry->model, zoned::ZonedModel::kHostManaged);
  EXPECT_EQ(d.virtio.queues, 0u);  // not given: one per vCPU
  EXPECT_FALSE(d.backing.read_only);
  // An existing image without geometry keeps its own.
  EXPECT_FALSE(parse_disk_option("virtio-blk,file=z.img").backing.geometry);
  EXPECT_EQ(parse_disk_option("virtio-blk,file=z.img,size=1G,zoned=ha").backing.geometry->model,
            zoned::ZonedModel::kHostAware);
}

TEST(DiskConfigTest, PlainAndHost) {
  const DiskSpec p = parse_disk_option("virtio-blk,file=raw.img,zoned=none,size=64M,readonly=on");
  EXPECT_TRUE(p.backing.plain);
  EXPECT_EQ(p.backing.plain_size, 64u << 20);
  EXPECT_TRUE(p.backing.read_only);
  EXPECT_FALSE(parse_disk_option("virtio-blk,file=raw.img,zoned=none").backing.plain_size);
  const DiskSpec h = parse_disk_option("virtio-blk,host=/dev/nullb0,queues=4");
  EXPECT_TRUE(h.backing.host);
  EXPECT_EQ(h.backing.path, "/dev/nullb0");
  EXPECT_EQ(h.virtio.queues, 4u);
  EXPECT_EQ(h.virtio.kick_yield, devices::KickYield::kAuto);  // the default
  EXPECT_EQ(parse_disk_option("virtio-blk,host=/dev/nullb0,kick-yield=off").virtio.kick_yield,
            devices::KickYield::kOff);
  EXPECT_EQ(parse_disk_option("virtio-blk,file=x.img,kick-yield=on").virtio.kick_yield, devices::KickYield::kOn);
}

TEST(DiskConfigTest, Errors) {
  EXPECT_EQ(usage_error("scsi,file=x"), "--disk scsi,file=x: unknown device type 'scsi' (virtio-blk or nvme)");
  EXPECT_NE(usage_error("virtio-blk").find("needs file=PATH or host=/dev/DEVICE"), std::string::npos);
  EXPECT_NE(usage_error("virtio-blk,file=x,bogus=1").find("unknown key 'bogus'"), std::string::npos);
  EXPECT_NE(usage_error("virtio-blk,file=x,zoned=zz").find("zoned=zz is not hm, ha or none"), std::string::npos);
  EXPECT_NE(usage_error("virtio-blk,file=x,queues=0").find("queues=0"), std::string::npos);
  EXPECT_NE(usage_error("virtio-blk,file=x,readonly=maybe").find("not on or off"), std::string::npos);
  EXPECT_NE(usage_error("virtio-blk,file=x,kick-yield=1").find("kick-yield=1 is not auto, on or off"),
            std::string::npos);
  EXPECT_NE(usage_error("virtio-blk,file=x,max-open=4").find("need size="), std::string::npos);
  EXPECT_NE(usage_error("virtio-blk,host=/dev/x,size=1G").find("host devices"), std::string::npos);
  EXPECT_NE(usage_error("virtio-blk,file=x,zoned=none,zone-size=8M").find("plain disk"), std::string::npos);
  EXPECT_NE(usage_error("virtio-blk,file=x,host=/dev/y").find("more than one"), std::string::npos);
  // Geometry checks happen at parse time, with the CLI's key names.
  EXPECT_NE(usage_error("virtio-blk,file=x,size=256M,zone-size=6M").find("not a power of two"),
            std::string::npos);
  EXPECT_NE(usage_error("virtio-blk,file=x,size=256M,zone-size=8M,max-open=8,max-active=4").find("exceeds"),
            std::string::npos);
  EXPECT_NE(usage_error("virtio-blk,file=x,size=256M,zone-size=8M,zone-capacity=16M").find("larger"),
            std::string::npos);
  EXPECT_NE(usage_error("virtio-blk,file=x,size=zz").find("size: 'zz' is not a size"), std::string::npos);
  EXPECT_NE(usage_error("virtio-blk,file=x,size=256M,zone-size=8M,max-open=40").find("max open zones (40)"),
            std::string::npos);
  EXPECT_NE(usage_error("virtio-blk,file=x,size=1G,max-open=x").find("max-open=x is not a number"),
            std::string::npos);
}

// The option parses straight into its three parts: front end, backing device
// (zoned::ZonedDeviceSpec, parsed by zoned's one key parser) and front-end options.
TEST(DiskConfigTest, ParsesIntoFrontendBackingAndOptions) {
  const DiskSpec d = parse_disk_option("virtio-blk,queues=3,file=z.img,kick-yield=off,size=512M,readonly");
  EXPECT_EQ(d.text, "virtio-blk,queues=3,file=z.img,kick-yield=off,size=512M,readonly");
  EXPECT_EQ(d.frontend, DiskFrontend::kVirtioBlk);
  EXPECT_EQ(to_string(d.frontend), "virtio-blk");
  EXPECT_EQ(d.virtio.queues, 3u);
  EXPECT_EQ(d.virtio.kick_yield, devices::KickYield::kOff);
  EXPECT_EQ(d.backing.path, "z.img");
  EXPECT_TRUE(d.backing.read_only);
  ASSERT_TRUE(d.backing.geometry);
  EXPECT_EQ(d.backing.geometry->device_bytes, 512u << 20);
  // The backing part is what zoned's text form gives for the same keys.
  const zoned::ZonedDeviceSpec same = zoned::parse_zoned_device_spec("file=z.img,size=512M,readonly");
  EXPECT_EQ(d.backing.path, same.path);
  EXPECT_EQ(d.backing.read_only, same.read_only);
  EXPECT_EQ(d.backing.geometry->zone_size_bytes, same.geometry->zone_size_bytes);
  // A bare size is bytes, as everywhere on the command line.
  EXPECT_EQ(parse_disk_option("virtio-blk,file=r.raw,zoned=none,size=1048576").backing.plain_size, 1u << 20);
}

TEST(DiskConfigTest, WholeMessages) {
  struct Case {
    const char* option;
    const char* message;  // after "--disk OPTION: "
  };
  for (const Case& c : {
           Case{"", "unknown device type '' (virtio-blk or nvme)"},
           Case{"file=x.img", "unknown device type 'file=x.img' (virtio-blk or nvme)"},
           Case{"virtio-blk,,file=x", "empty item"},
           Case{"virtio-blk,file=x,queues=2,queues=3", "queues is given twice"},
           Case{"virtio-blk,file=x,file=y", "file is given twice"},
           Case{"virtio-blk,file=x,queues", "queues is not a number from 1 to 64"},
           Case{"virtio-blk,file=x,queues=65", "queues=65 is not a number from 1 to 64"},
           Case{"virtio-blk,file=x,kick-yield", "kick-yield is not auto, on or off"},
           Case{"virtio-blk,file=x,size=1G,zone-size=16X",
                "zone-size: '16X' is not a size (a number with an optional unit K, M, G or T, powers of 1024; a "
                "bare number is bytes)"},
           Case{"virtio-blk,file=x,max-active=-1,size=1G", "max-active=-1 is not a number from 0 to 4294967295"},
       }) {
    EXPECT_EQ(usage_error(c.option), "--disk " + std::string(c.option) + ": " + c.message);
  }
  // A bare zone size is bytes too: 4096 is a (small) zone size, not 4 GiB.
  EXPECT_EQ(parse_disk_option("virtio-blk,file=x,size=1M,zone-size=4096").backing.geometry->zone_size_bytes, 4096u);
}

// Every geometry a Linux guest would reject is a usage error naming the rule,
// before anything is opened (issue 9).
TEST(DiskConfigTest, GeometriesLinuxRejects) {
  struct Case {
    const char* option;
    const char* message;  // the whole message after "--disk OPTION: "
  };
  for (const Case& c : {
           Case{"virtio-blk,file=runt.img,size=2M,zone-size=4M",
                "device size 2M is smaller than the zone size 4M: a zoned disk needs at least one full zone "
                "(Linux sizes its zone report from size / zone size)"},
           // Without zone-size the default (64M) applies.
           Case{"virtio-blk,file=x,size=32M", "device size 32M is smaller than the zone size 64M"},
           Case{"virtio-blk,file=x,size=32M,zoned=ha", "device size 32M is smaller than the zone size 64M"},
           Case{"virtio-blk,file=x,size=0,zone-size=4M", "device size is 0: a disk needs a nonzero size"},
           Case{"virtio-blk,file=x,size=0", "device size is 0: a disk needs a nonzero size"},
           Case{"virtio-blk,file=x,zoned=none,size=0", "device size is 0: a disk needs a nonzero size"},
           Case{"virtio-blk,file=x,zoned=none,size=1000",
                "device size 1000 is not a multiple of the 512-byte logical block size"},
           Case{"virtio-blk,file=x,size=8M,zone-size=0", "zone size is 0: it must be a power of two"},
           Case{"virtio-blk,file=x,size=4T,zone-size=2T", "zone size 2T is larger than 1T"},
           // 128M / 4M = 32 zones, 2 conventional: 30 sequential.
           Case{"virtio-blk,file=x,size=128M,zone-size=4M,conventional-zones=2,max-open=40",
                "max open zones (40) is larger than the number of sequential zones (30): give at most 30, or "
                "0 for no limit"},
           Case{"virtio-blk,file=x,size=128M,zone-size=4M,conventional-zones=2,max-open=4,max-active=31",
                "max active zones (31) is larger than the number of sequential zones (30): give at most 30, or "
                "0 for no limit"},
       }) {
    const std::string err = usage_error(c.option);
    EXPECT_EQ(err.rfind("--disk " + std::string(c.option) + ": ", 0), 0u) << err;
    EXPECT_NE(err.find(c.message), std::string::npos) << c.option << " -> " << err;
    EXPECT_EQ(err.find('\n'), std::string::npos) << err;
  }
  // A limit equal to the sequential zone count is a real (if loose) limit: kept.
  const DiskSpec d =
      parse_disk_option("virtio-blk,file=x,size=128M,zone-size=4M,conventional-zones=2,max-open=30,max-active=30");
  EXPECT_EQ(d.backing.geometry->max_open, 30u);
  // The smallest zoned disk: one zone.
  EXPECT_NO_THROW(parse_disk_option("virtio-blk,file=x,size=4M,zone-size=4M"));
}

// --- NVMe: one disk is one namespace; ctrl= groups namespaces into controllers.

std::vector<DiskSpec> disks(std::initializer_list<const char*> options) {
  std::vector<DiskSpec> out;
  for (const char* o : options) out.push_back(parse_disk_option(o));
  return out;
}

std::string plan_error(std::initializer_list<const char*> options) {
  try {
    plan_nvme_controllers(disks(options));
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

TEST(DiskConfigTest, NvmeKeys) {
  const DiskSpec d = parse_disk_option(
      "nvme,file=n.img,zoned=none,size=1G,nsid=3,ctrl=c0,serial=SN-1,queues=2,mdts=5,kick-yield=off,readonly");
  EXPECT_EQ(d.frontend, DiskFrontend::kNvme);
  EXPECT_EQ(to_string(d.frontend), "nvme");
  EXPECT_TRUE(d.backing.plain);
  EXPECT_EQ(d.backing.plain_size, 1u << 30);
  EXPECT_TRUE(d.backing.read_only);
  EXPECT_EQ(d.nvme.nsid, 3u);
  EXPECT_EQ(d.nvme.ctrl, "c0");
  EXPECT_EQ(d.nvme.serial, "SN-1");
  EXPECT_EQ(d.nvme.queues, 2u);
  EXPECT_EQ(d.nvme.mdts, 5u);
  EXPECT_EQ(d.nvme.kick_yield, devices::KickYield::kOff);
  // Defaults: nothing given, decided per controller.
  const DiskSpec p = parse_disk_option("nvme,file=n.img,zoned=none");
  EXPECT_FALSE(p.nvme.nsid || p.nvme.ctrl || p.nvme.serial || p.nvme.queues || p.nvme.mdts || p.nvme.kick_yield);
  EXPECT_FALSE(p.backing.plain_size);
}

TEST(DiskConfigTest, NvmeZonedNamespaces) {
  // zoned=hm (the default) is a Zoned Namespace; QEMU-like geometry keys.
  DiskSpec p = parse_disk_option(
      "nvme,file=z.img,zoned=hm,size=64M,zone-size=16M,zone-capacity=12M,max-open=2,max-active=3");
  ASSERT_TRUE(p.backing.geometry);
  EXPECT_EQ(p.backing.geometry->model, zoned::ZonedModel::kHostManaged);
  EXPECT_EQ(p.backing.geometry->zone_capacity_bytes, 12u << 20);
  EXPECT_EQ(p.backing.geometry->max_open, 2u);
  EXPECT_EQ(p.backing.geometry->max_active, 3u);
  EXPECT_FALSE(parse_disk_option("nvme,file=z.img").backing.plain);  // an existing image, checked when opened
  EXPECT_TRUE(parse_disk_option("nvme,host=/dev/nullb0").backing.host);
}

TEST(DiskConfigTest, NvmeErrors) {
  struct Case {
    const char* option;
    const char* message;  // after "--disk OPTION: "
  };
  for (const Case& c : {
           Case{"nvme,file=x,size=64M,zone-size=16M,conventional-zones=1",
                "conventional-zones=1: a Zoned Namespace has no conventional zones (use virtio-blk for those)"},
           Case{"nvme,file=x,size=40M,zone-size=16M",
                "device size 40M is not a multiple of the zone size 16M"},
           Case{"nvme,file=x,size=1G,zoned=ha",
                "zoned=ha: NVMe has no host-aware zone model (a Zoned Namespace is host-managed)"},
           Case{"nvme,file=x,zoned=none,queues=0", "queues=0 is not a number from 1 to 64"},
           Case{"nvme,file=x,zoned=none,nsid=0", "nsid=0 is not a number from 1 to 256"},
           Case{"nvme,file=x,zoned=none,nsid=257", "nsid=257 is not a number from 1 to 256"},
           Case{"nvme,file=x,zoned=none,mdts=0", "mdts=0 is not a number from 1 to 16"},
           Case{"nvme,file=x,zoned=none,mdts=17", "mdts=17 is not a number from 1 to 16"},
           Case{"nvme,file=x,zoned=none,serial=", "serial= is not 1 to 20 printable ASCII characters without spaces"},
           Case{"nvme,file=x,zoned=none,serial=123456789012345678901",
                "serial=123456789012345678901 is not 1 to 20 printable ASCII characters without spaces"},
           Case{"nvme,file=x,zoned=none,ctrl=a/b", "ctrl=a/b is not 1 to 32 letters, digits, '-', '_' or '.'"},
           Case{"nvme,file=x,zoned=none,nsid=1,nsid=2", "nsid is given twice"},
           Case{"nvme,file=x,zoned=none,zone-size=4M", "zoned=none (a plain disk) takes only size"},
           Case{"virtio-blk,file=x,nsid=1", "unknown key 'nsid'"},
           Case{"virtio-blk,file=x,ctrl=a", "unknown key 'ctrl'"},
       }) {
    EXPECT_EQ(usage_error(c.option), "--disk " + std::string(c.option) + ": " + c.message);
  }
}

TEST(DiskConfigTest, NvmeControllersDefaultOnePerDisk) {
  const auto d = disks({"nvme,file=a,zoned=none", "virtio-blk,file=v,zoned=none", "nvme,file=b,zoned=none,queues=3"});
  const std::vector<NvmeControllerPlan> plans = plan_nvme_controllers(d);
  ASSERT_EQ(plans.size(), 2u);
  EXPECT_FALSE(plans[0].ctrl);
  ASSERT_EQ(plans[0].namespaces.size(), 1u);
  EXPECT_EQ(plans[0].namespaces[0].disk, 0u);
  EXPECT_EQ(plans[0].namespaces[0].nsid, 1u);
  EXPECT_EQ(plans[0].queues, 0u);  // one per vCPU
  EXPECT_EQ(plans[0].mdts, kDefaultNvmeMdts);
  EXPECT_EQ(plans[0].kick_yield, devices::KickYield::kAuto);
  EXPECT_FALSE(plans[0].serial);
  EXPECT_EQ(plans[1].namespaces[0].disk, 2u);
  EXPECT_EQ(plans[1].namespaces[0].nsid, 1u);
  EXPECT_EQ(plans[1].queues, 3u);
  EXPECT_TRUE(plan_nvme_controllers(disks({"virtio-blk,file=v"})).empty());
}

TEST(DiskConfigTest, NvmeControllerGroupsNamespaces) {
  const auto d = disks({"nvme,file=a,zoned=none,ctrl=c,nsid=2", "nvme,file=b,zoned=none,ctrl=d,serial=D",
                        "nvme,file=c,zoned=none,ctrl=c,serial=S,mdts=5", "nvme,file=e,zoned=none,ctrl=c,serial=S",
                        "nvme,file=f,zoned=none,ctrl=c,nsid=9,queues=4"});
  const std::vector<NvmeControllerPlan> plans = plan_nvme_controllers(d);
  ASSERT_EQ(plans.size(), 2u);
  EXPECT_EQ(plans[0].ctrl, "c");
  EXPECT_EQ(plans[0].serial, "S");
  EXPECT_EQ(plans[0].mdts, 5u);
  EXPECT_EQ(plans[0].queues, 4u);
  ASSERT_EQ(plans[0].namespaces.size(), 4u);
  // Given nsids stay; the others take the lowest free ones in --disk order.
  const std::vector<std::pair<size_t, uint32_t>> want = {{0, 2}, {2, 1}, {3, 3}, {4, 9}};
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(plans[0].namespaces[i].disk, want[i].first) << i;
    EXPECT_EQ(plans[0].namespaces[i].nsid, want[i].second) << i;
  }
  EXPECT_EQ(plans[1].ctrl, "d");
  EXPECT_EQ(plans[1].serial, "D");
}

TEST(DiskConfigTest, NvmeControllerConflicts) {
  EXPECT_EQ(plan_error({"nvme,file=a,zoned=none,ctrl=c,nsid=1", "nvme,file=b,zoned=none,ctrl=c,nsid=1"}),
            "--disk nvme,file=b,zoned=none,ctrl=c,nsid=1: nsid=1 is already --disk nvme,file=a,zoned=none,ctrl=c,nsid=1 "
            "on ctrl=c");
  EXPECT_EQ(plan_error({"nvme,file=a,zoned=none,ctrl=c,serial=X", "nvme,file=b,zoned=none,ctrl=c,serial=Y"}),
            "--disk nvme,file=b,zoned=none,ctrl=c,serial=Y: serial=Y but --disk nvme,file=a,zoned=none,ctrl=c,serial=X "
            "gives serial=X for ctrl=c");
  EXPECT_NE(plan_error({"nvme,file=a,zoned=none,ctrl=c,queues=1", "nvme,file=b,zoned=none,ctrl=c,queues=2"})
                .find("queues=2 but --disk nvme,file=a,zoned=none,ctrl=c,queues=1 gives queues=1 for ctrl=c"),
            std::string::npos);
  EXPECT_NE(plan_error({"nvme,file=a,zoned=none,ctrl=c,mdts=5", "nvme,file=b,zoned=none,ctrl=c,mdts=6"})
                .find("mdts=6 but"),
            std::string::npos);
  EXPECT_NE(plan_error({"nvme,file=a,zoned=none,ctrl=c,kick-yield=on", "nvme,file=b,zoned=none,ctrl=c,kick-yield=off"})
                .find("kick-yield=off but"),
            std::string::npos);
  EXPECT_EQ(plan_error({"nvme,file=a,zoned=none,serial=X", "nvme,file=b,zoned=none,serial=X"}),
            "--disk nvme,file=b,zoned=none,serial=X: serial=X is already the serial of --disk "
            "nvme,file=a,zoned=none,serial=X's controller");
  // Same nsid on different controllers is fine.
  EXPECT_EQ(plan_error({"nvme,file=a,zoned=none,nsid=1", "nvme,file=b,zoned=none,nsid=1"}), "");
}

}  // namespace
}  // namespace zvmm
