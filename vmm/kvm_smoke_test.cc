// Runs tiny guests through Kvm/Vm/Vcpu/VcpuRunner on the host's /dev/kvm.
// Skipped when /dev/kvm is absent or inaccessible.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <thread>

#include "devices/legacy/exit_status_port.h"
#include "vmm/boot_cpu_state.h"
#include "vmm/bus.h"
#include "vmm/cpuid.h"
#include "vmm/exit_codes.h"
#include "vmm/gdt.h"
#include "vmm/guest_memory.h"
#include "vmm/kvm.h"
#include "vmm/lapic.h"
#include "vmm/layout.h"
#include "vmm/msrs.h"
#include "vmm/page_tables.h"
#include "vmm/vcpu_runner.h"
#include "vmm/vcpu_thread.h"

namespace zvmm {
namespace {

using layout::MiB;

class RecordingMmio : public BusDevice {
 public:
  void read(uint64_t, std::span<uint8_t> data) override { std::fill(data.begin(), data.end(), 0); }
  void write(uint64_t offset, std::span<const uint8_t> data) override {
    last_offset = offset;
    last_value = 0;
    for (size_t i = 0; i < data.size(); ++i) last_value |= uint64_t{data[i]} << (8 * i);
    last_size = data.size();
  }
  uint64_t last_offset = ~0ull, last_value = 0;
  size_t last_size = 0;
};

class KvmSmokeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    try {
      kvm_.emplace(Kvm::open());
    } catch (const KvmUnavailable& e) {
      GTEST_SKIP() << e.what();
    }
    vm_.emplace(kvm_->create_vm());
    vm_->register_guest_memory(memory_);
    pio_.insert(std::make_shared<ExitStatusPort>([this](uint8_t status) {
                  stop_.request({status, ""});
                }),
                layout::kExitStatusPort, 1);
  }

  void load_code(uint64_t gpa, std::vector<uint8_t> code) {
    ASSERT_TRUE(memory_.write(gpa, code));
  }

  // Long mode exactly as a Linux boot gets it, entering at `entry`.
  void enter_long_mode(const Vcpu& vcpu, uint64_t entry) {
    write_boot_gdt(memory_);
    const uint64_t cr3 = write_identity_page_tables(memory_);
    kvm_sregs sregs = vcpu.sregs();
    configure_long_mode(sregs, cr3);
    vcpu.set_sregs(sregs);
    vcpu.set_regs(boot_regs(entry));
    vcpu.set_fpu(boot_fpu());
  }

  StopReason run_to_stop(const Vcpu& vcpu) {
    VcpuRunner runner(vcpu, pio_, mmio_, stop_);
    runner.run();
    return *stop_.reason();
  }

  GuestMemory memory_ = GuestMemory::create(32 * MiB);
  std::optional<Kvm> kvm_;
  std::optional<Vm> vm_;
  Bus pio_, mmio_;
  std::shared_ptr<RecordingMmio> mmio_device_ = std::make_shared<RecordingMmio>();
  VmStop stop_;
};

// mov al, 42; out 0xf4, al; hlt
const std::vector<uint8_t> kRealModeExit42 = {0xb0, 0x2a, 0xe6, 0xf4, 0xf4};

TEST_F(KvmSmokeTest, RealModeGuestReportsItsExitStatus) {
  Vcpu vcpu = vm_->create_vcpu(0);
  load_code(0x1000, kRealModeExit42);
  kvm_sregs sregs = vcpu.sregs();
  sregs.cs.base = 0;
  sregs.cs.selector = 0;
  vcpu.set_sregs(sregs);
  kvm_regs regs{};
  regs.rip = 0x1000;
  regs.rflags = 2;
  vcpu.set_regs(regs);
  const StopReason reason = run_to_stop(vcpu);
  EXPECT_EQ(reason.exit_code, 42);
  EXPECT_EQ(reason.message, "");
}

TEST_F(KvmSmokeTest, HltWithoutIrqchipIsReportedAsAGuestStop) {
  Vcpu vcpu = vm_->create_vcpu(0);
  load_code(0x1000, {0xf4});  // hlt
  kvm_sregs sregs = vcpu.sregs();
  sregs.cs.base = 0;
  sregs.cs.selector = 0;
  vcpu.set_sregs(sregs);
  kvm_regs regs{};
  regs.rip = 0x1000;
  regs.rflags = 2;
  vcpu.set_regs(regs);
  const StopReason reason = run_to_stop(vcpu);
  EXPECT_EQ(reason.exit_code, exit_code::kGuestCrash);
  EXPECT_NE(reason.message.find("halted"), std::string::npos) << reason.message;
}

TEST_F(KvmSmokeTest, LongModeGuestRunsWithTheBootGdtAndPageTables) {
  Vcpu vcpu = vm_->create_vcpu(0);
  // mov al, 7; out 0xf4, al; hlt
  load_code(layout::kHighMemoryStart, {0xb0, 0x07, 0xe6, 0xf4, 0xf4});
  enter_long_mode(vcpu, layout::kHighMemoryStart);
  const StopReason reason = run_to_stop(vcpu);
  EXPECT_EQ(reason.exit_code, 7) << reason.message;
  const kvm_sregs sregs = vcpu.sregs();
  EXPECT_EQ(sregs.efer & kEferLongModeActive, kEferLongModeActive);
  EXPECT_EQ(sregs.cs.l, 1);
}

TEST_F(KvmSmokeTest, MmioWritesReachTheMmioBus) {
  mmio_.insert(mmio_device_, 0xd000'0000, 0x1000);
  Vcpu vcpu = vm_->create_vcpu(0);
  load_code(layout::kHighMemoryStart, {
                                          0x48, 0xb8, 0x10, 0x00, 0x00, 0xd0, 0, 0, 0, 0,  // mov rax, 0xd0000010
                                          0xc7, 0x00, 0x78, 0x56, 0x34, 0x12,              // mov dword [rax], 0x12345678
                                          0xb0, 0x00, 0xe6, 0xf4,                          // mov al, 0; out 0xf4, al
                                          0xf4,
                                      });
  enter_long_mode(vcpu, layout::kHighMemoryStart);
  const StopReason reason = run_to_stop(vcpu);
  EXPECT_EQ(reason.exit_code, 0) << reason.message;
  EXPECT_EQ(mmio_device_->last_offset, 0x10u);
  EXPECT_EQ(mmio_device_->last_size, 4u);
  EXPECT_EQ(mmio_device_->last_value, 0x12345678u);
}

TEST_F(KvmSmokeTest, KickStopsASpinningVcpu) {
  Vcpu vcpu = vm_->create_vcpu(0);
  load_code(layout::kHighMemoryStart, {0xeb, 0xfe});  // jmp $
  enter_long_mode(vcpu, layout::kHighMemoryStart);
  auto done = std::async(std::launch::async, [&] {
    VcpuThread thread(vcpu, pio_, mmio_, stop_);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    stop_.request({99, "test stop"});
    thread.kick();
    thread.join();
  });
  ASSERT_EQ(done.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_EQ(stop_.reason()->exit_code, 99);
}

TEST_F(KvmSmokeTest, IrqchipCpuidMsrsAndLapicSetUp) {
  vm_->set_tss_address(layout::kKvmTssStart);
  vm_->create_irqchip();
  vm_->create_pit();
  Vcpu vcpu = vm_->create_vcpu(0);
  const auto supported = kvm_->supported_cpuid();
  ASSERT_FALSE(supported.empty());
  vcpu.set_cpuid(cpuid_for_vcpu(supported, {.vcpu_id = 0, .vcpu_count = 2, .tsc_deadline = false}));
  vcpu.set_msrs(boot_msrs());
  kvm_lapic_state lapic = vcpu.lapic();
  configure_lapic_lint(lapic);
  vcpu.set_lapic(lapic);
  const kvm_lapic_state back = vcpu.lapic();
  EXPECT_EQ((lapic_register(back, kApicLvtLint0) >> 8) & 7, kApicDeliveryModeExtInt);
  EXPECT_EQ(lapic_register(back, kApicLvtLint0) & kApicLvtMasked, kApicLvtMasked);
  EXPECT_EQ((lapic_register(back, kApicLvtLint1) >> 8) & 7, kApicDeliveryModeNmi);
  vm_->set_irq_line(4, true);
  vm_->set_irq_line(4, false);
}

}  // namespace
}  // namespace zvmm
