#include "vmm/kvm_irq_routing.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/ioctl.h>

#include "base/unique_fd.h"

namespace zvmm {
namespace {

// --- Pure table construction --------------------------------------------------------

TEST(GsiRoutingTableTest, DefaultRoutesMatchKvmCreateIrqchip) {
  const auto routes = default_irqchip_routes();
  ASSERT_EQ(routes.size(), 16u * 2 + 8);
  int ioapic = 0, master = 0, slave = 0;
  for (const auto& r : routes) {
    EXPECT_EQ(r.type, static_cast<uint32_t>(KVM_IRQ_ROUTING_IRQCHIP));
    ASSERT_LT(r.gsi, 24u);
    switch (r.u.irqchip.irqchip) {
      case KVM_IRQCHIP_IOAPIC:
        EXPECT_EQ(r.u.irqchip.pin, r.gsi);
        ++ioapic;
        break;
      case KVM_IRQCHIP_PIC_MASTER:
        EXPECT_LT(r.gsi, 8u);
        EXPECT_EQ(r.u.irqchip.pin, r.gsi);
        ++master;
        break;
      case KVM_IRQCHIP_PIC_SLAVE:
        EXPECT_GE(r.gsi, 8u);
        EXPECT_LT(r.gsi, 16u);
        EXPECT_EQ(r.u.irqchip.pin, r.gsi - 8);
        ++slave;
        break;
      default:
        ADD_FAILURE() << "unexpected irqchip " << r.u.irqchip.irqchip;
    }
  }
  EXPECT_EQ(ioapic, 24);
  EXPECT_EQ(master, 8);
  EXPECT_EQ(slave, 8);
}

TEST(GsiRoutingTableTest, MsiRouteSplitsTheAddress) {
  const auto r = msi_route(30, {0x1'fee0'100c, 0x4041});
  EXPECT_EQ(r.gsi, 30u);
  EXPECT_EQ(r.type, static_cast<uint32_t>(KVM_IRQ_ROUTING_MSI));
  EXPECT_EQ(r.flags, 0u);
  EXPECT_EQ(r.u.msi.address_lo, 0xfee0'100cu);
  EXPECT_EQ(r.u.msi.address_hi, 1u);
  EXPECT_EQ(r.u.msi.data, 0x4041u);
}

TEST(GsiRoutingTableTest, FullTableKeepsDefaultsThenMsiInGsiOrder) {
  const std::map<uint32_t, MsiMessage> msi = {{25, {0xfee00000, 2}}, {24, {0xfee00000, 1}}};
  const auto table = build_gsi_routing(true, msi);
  ASSERT_EQ(table.size(), 40u + 2);
  EXPECT_EQ(table[40].gsi, 24u);
  EXPECT_EQ(table[40].u.msi.data, 1u);
  EXPECT_EQ(table[41].gsi, 25u);
  const auto split = build_gsi_routing(false, msi);  // userspace IOAPIC: MSI only
  ASSERT_EQ(split.size(), 2u);
  EXPECT_EQ(split[0].type, static_cast<uint32_t>(KVM_IRQ_ROUTING_MSI));
}

// --- Against /dev/kvm -----------------------------------------------------------------

class KvmVmTest : public ::testing::Test {
 protected:
  void SetUp() override {
    kvm_ = UniqueFd(::open("/dev/kvm", O_RDWR | O_CLOEXEC));
    if (!kvm_) GTEST_SKIP() << "/dev/kvm not available";
    int type = 0;
    vm_ = UniqueFd(::ioctl(kvm_.get(), KVM_CREATE_VM, type));
    if (!vm_) GTEST_SKIP() << "KVM_CREATE_VM failed";
    ASSERT_EQ(::ioctl(vm_.get(), KVM_CREATE_IRQCHIP, 0), 0) << "KVM_CREATE_IRQCHIP";
  }
  // KVM_IRQ_LINE_STATUS: < 0 when no route delivers the GSI anywhere.
  int irq_line_status(uint32_t gsi) {
    kvm_irq_level level{};
    level.irq = gsi;
    level.level = 1;
    EXPECT_EQ(::ioctl(vm_.get(), KVM_IRQ_LINE_STATUS, &level), 0);
    const int status = level.status;
    level.level = 0;
    ::ioctl(vm_.get(), KVM_IRQ_LINE_STATUS, &level);
    return status;
  }

  UniqueFd kvm_;
  UniqueFd vm_;
};

using KvmIrqRoutingTest = KvmVmTest;

TEST_F(KvmIrqRoutingTest, GsiAllocationStartsAt24AndReusesFreed) {
  KvmIrqRouting routing(vm_.get(), true);
  EXPECT_EQ(routing.allocate_gsi(), 24u);
  EXPECT_EQ(routing.allocate_gsi(), 25u);
  routing.release_gsi(24);
  EXPECT_EQ(routing.allocate_gsi(), 24u);
  EXPECT_EQ(routing.allocate_gsi(), 26u);
  EXPECT_EQ(routing.set_msi_route(99, {0xfee00000, 1}),
            std::make_error_code(std::errc::invalid_argument));  // not allocated
}

TEST_F(KvmIrqRoutingTest, SetGsiRoutingAcceptsDefaultsPlusMsi) {
  KvmIrqRouting routing(vm_.get(), true);
  const uint32_t gsi = routing.allocate_gsi();
  const auto ec = routing.set_msi_route(gsi, {0xfee00000, 0x31});
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(routing.table().size(), 41u);
  ASSERT_FALSE(routing.set_msi_route(gsi, {0xfee01000, 0x32}));
  EXPECT_EQ(routing.table().back().u.msi.data, 0x32u);
  ASSERT_FALSE(routing.remove_msi_route(gsi));
  EXPECT_EQ(routing.table().size(), 40u);
  // The legacy routes survived the replacement: GSI 4 still reaches the IOAPIC/PIC.
  EXPECT_GE(irq_line_status(4), 0);
  EXPECT_LT(irq_line_status(30), 0);  // no route at all
}

TEST_F(KvmIrqRoutingTest, TableWithoutDefaultsWouldCutLegacyLines) {
  EXPECT_GE(irq_line_status(4), 0);
  KvmIrqRouting split(vm_.get(), /*irqchip_in_kernel=*/false);
  ASSERT_FALSE(split.set_msi_route(split.allocate_gsi(), {0xfee00000, 0x31}));
  EXPECT_LT(irq_line_status(4), 0);  // why the defaults must be in every table
}

TEST_F(KvmIrqRoutingTest, MsiGroupRegistersIrqfdOnlyWhileUnmasked) {
  KvmInterruptManager manager(vm_.get());
  auto group = manager.create_msi_group(2);
  ASSERT_EQ(group->size(), 2u);
  const int fd0 = *group->notifier_fd(0);
  EXPECT_NE(fd0, *group->notifier_fd(1));
  EXPECT_EQ(group->notifier_fd(2), std::nullopt);
  const uint32_t gsi0 = kFirstMsiGsi;  // first group on a fresh manager

  ASSERT_FALSE(group->update(0, {0xfee00000, 0x41}, false));
  EXPECT_EQ(manager.routing().table().size(), 41u);
  // The irqfd is in place: assigning the same eventfd again is refused.
  EXPECT_EQ(kvm_irqfd(vm_.get(), fd0, gsi0, true).value(), EBUSY);
  EXPECT_FALSE(group->trigger(0));
  EXPECT_EQ(group->trigger(5), std::make_error_code(std::errc::invalid_argument));

  ASSERT_FALSE(group->update(0, {0xfee00000, 0x41}, true));
  // Masked: the irqfd is gone, so it can be assigned (and removed) by hand.
  EXPECT_FALSE(kvm_irqfd(vm_.get(), fd0, gsi0, true));
  EXPECT_FALSE(kvm_irqfd(vm_.get(), fd0, gsi0, false));
  ASSERT_FALSE(group->update(0, {0xfee00000, 0x42}, false));
  EXPECT_EQ(manager.routing().table().back().u.msi.data, 0x42u);

  group.reset();  // releases GSIs and routes
  EXPECT_EQ(manager.routing().table().size(), 40u);
  EXPECT_EQ(manager.routing().allocate_gsi(), gsi0);
}

TEST_F(KvmIrqRoutingTest, LegacyGroupPulsesItsLine) {
  KvmInterruptManager manager(vm_.get());
  auto group = manager.create_legacy_group(4);
  EXPECT_EQ(group->size(), 1u);
  EXPECT_FALSE(group->trigger(0));
  EXPECT_EQ(group->update(0, {}, false), std::make_error_code(std::errc::operation_not_supported));
  EXPECT_EQ(kvm_irqfd(vm_.get(), *group->notifier_fd(0), 4, true).value(), EBUSY);
  EXPECT_THROW(manager.create_legacy_group(24), std::system_error);
}

TEST_F(KvmIrqRoutingTest, ManyGroupsGetDistinctGsis) {
  KvmInterruptManager manager(vm_.get());
  auto a = manager.create_msi_group(3);
  auto b = manager.create_msi_group(3);
  for (uint32_t i = 0; i < 3; ++i) {
    ASSERT_FALSE(a->update(i, {0xfee00000, 0x40 + i}, false));
    ASSERT_FALSE(b->update(i, {0xfee00000, 0x50 + i}, false));
  }
  const auto table = manager.routing().table();
  ASSERT_EQ(table.size(), 46u);
  for (size_t i = 40; i < table.size(); ++i) EXPECT_EQ(table[i].gsi, kFirstMsiGsi + (i - 40));
}

}  // namespace
}  // namespace zvmm
