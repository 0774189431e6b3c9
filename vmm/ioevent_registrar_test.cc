#include "vmm/ioevent_registrar.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include <cstring>

#include "base/unique_fd.h"

namespace zvmm {
namespace {

// --- Request construction ------------------------------------------------------------

TEST(MakeKvmIoeventfdTest, MmioAnyLengthNoDatamatch) {
  const auto req = make_kvm_ioeventfd({IoEventSpace::kMmio, 0xc000'3000, 0, std::nullopt}, 7, false);
  ASSERT_TRUE(req);
  EXPECT_EQ(req->addr, 0xc000'3000u);
  EXPECT_EQ(req->len, 0u);
  EXPECT_EQ(req->fd, 7);
  EXPECT_EQ(req->flags, 0u);
}

TEST(MakeKvmIoeventfdTest, PioWithDatamatchAndDeassign) {
  const auto req = make_kvm_ioeventfd({IoEventSpace::kPio, 0xc040, 2, 3}, 9, true);
  ASSERT_TRUE(req);
  EXPECT_EQ(req->datamatch, 3u);
  EXPECT_EQ(req->flags, static_cast<uint32_t>(KVM_IOEVENTFD_FLAG_PIO |
                                              KVM_IOEVENTFD_FLAG_DATAMATCH |
                                              KVM_IOEVENTFD_FLAG_DEASSIGN));
}

TEST(MakeKvmIoeventfdTest, RejectsMalformed) {
  EXPECT_FALSE(make_kvm_ioeventfd({IoEventSpace::kMmio, 0, 3, std::nullopt}, 1, false));
  EXPECT_FALSE(make_kvm_ioeventfd({IoEventSpace::kPio, 0xc000, 0, std::nullopt}, 1, false));
  EXPECT_FALSE(make_kvm_ioeventfd({IoEventSpace::kMmio, 0, 0, 1}, 1, false));
  EXPECT_FALSE(make_kvm_ioeventfd({IoEventSpace::kPio, 0xffff, 2, std::nullopt}, 1, false));
  EXPECT_FALSE(make_kvm_ioeventfd({IoEventSpace::kMmio, 0, 1, 0x100}, 1, false));
}

// A fake as transports' tests would use it.
class FakeRegistrar final : public IoEventRegistrar {
 public:
  std::error_code register_ioevent(const IoEventAddress& a, const EventFd&) override {
    registered.push_back(a);
    return {};
  }
  std::error_code unregister_ioevent(const IoEventAddress& a, const EventFd&) override {
    std::erase(registered, a);
    return {};
  }
  std::vector<IoEventAddress> registered;
};

TEST(IoEventRegistrarTest, FakeIsUsableThroughTheInterface) {
  FakeRegistrar fake;
  IoEventRegistrar& r = fake;
  EventFd e;
  EXPECT_FALSE(r.register_ioevent({IoEventSpace::kMmio, 0x1000, 0, std::nullopt}, e));
  EXPECT_FALSE(r.unregister_ioevent({IoEventSpace::kMmio, 0x1000, 0, std::nullopt}, e));
  EXPECT_TRUE(fake.registered.empty());
}

// --- Against /dev/kvm -----------------------------------------------------------------

class KvmIoEventTest : public ::testing::Test {
 protected:
  void SetUp() override {
    kvm_ = UniqueFd(::open("/dev/kvm", O_RDWR | O_CLOEXEC));
    if (!kvm_) GTEST_SKIP() << "/dev/kvm not available";
    vm_ = UniqueFd(::ioctl(kvm_.get(), KVM_CREATE_VM, 0));
    if (!vm_) GTEST_SKIP() << "KVM_CREATE_VM failed";
  }
  UniqueFd kvm_;
  UniqueFd vm_;
};

TEST_F(KvmIoEventTest, RegisterDuplicateUnregister) {
  KvmIoEventRegistrar registrar(vm_.get());
  EventFd e;
  const IoEventAddress mmio{IoEventSpace::kMmio, 0xc000'0000, 0, std::nullopt};
  const IoEventAddress pio{IoEventSpace::kPio, 0xc040, 2, 1};
  ASSERT_FALSE(registrar.register_ioevent(mmio, e));
  ASSERT_FALSE(registrar.register_ioevent(pio, e));
  EXPECT_EQ(registrar.register_ioevent(mmio, e).value(), EEXIST);
  EXPECT_FALSE(registrar.unregister_ioevent(mmio, e));
  EXPECT_EQ(registrar.unregister_ioevent(mmio, e).value(), ENOENT);
  EXPECT_FALSE(registrar.unregister_ioevent(pio, e));
  EXPECT_EQ(registrar.register_ioevent({IoEventSpace::kMmio, 0, 3, std::nullopt}, e),
            std::make_error_code(std::errc::invalid_argument));
}

// Anonymous guest RAM for the tiny guest below.
struct Mapping {
  explicit Mapping(size_t n)
      : size(n),
        ptr(::mmap(nullptr, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)) {}
  ~Mapping() {
    if (ptr != MAP_FAILED) ::munmap(ptr, size);
  }
  size_t size;
  void* ptr;
};

// A real-mode guest writes to a port and to an MMIO address that both have
// ioeventfds, then halts: the writes must signal the eventfds without exits.
TEST_F(KvmIoEventTest, GuestWritesSignalWithoutExits) {
  constexpr size_t kRam = 0x4000;
  Mapping ram(kRam);
  ASSERT_NE(ram.ptr, MAP_FAILED);
  const uint8_t code[] = {
      0xba, 0x10, 0x05,              // mov dx, 0x510
      0xb0, 0x2a,                    // mov al, 0x2a
      0xee,                          // out dx, al
      0xc6, 0x06, 0x00, 0x80, 0x2b,  // mov byte [0x8000], 0x2b   (no RAM there: MMIO)
      0xf4,                          // hlt
  };
  std::memcpy(static_cast<uint8_t*>(ram.ptr) + 0x1000, code, sizeof code);
  kvm_userspace_memory_region region{};
  region.slot = 0;
  region.guest_phys_addr = 0;
  region.memory_size = kRam;
  region.userspace_addr = reinterpret_cast<uint64_t>(ram.ptr);
  ASSERT_EQ(::ioctl(vm_.get(), KVM_SET_USER_MEMORY_REGION, &region), 0);

  KvmIoEventRegistrar registrar(vm_.get());
  EventFd port_event, mmio_event;
  ASSERT_FALSE(registrar.register_ioevent({IoEventSpace::kPio, 0x510, 1, 0x2a}, port_event));
  ASSERT_FALSE(registrar.register_ioevent({IoEventSpace::kMmio, 0x8000, 1, std::nullopt}, mmio_event));

  UniqueFd vcpu(::ioctl(vm_.get(), KVM_CREATE_VCPU, 0));
  ASSERT_TRUE(vcpu);
  const int run_size = ::ioctl(kvm_.get(), KVM_GET_VCPU_MMAP_SIZE, 0);
  ASSERT_GT(run_size, 0);
  void* run_ptr = ::mmap(nullptr, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu.get(), 0);
  ASSERT_NE(run_ptr, MAP_FAILED);
  auto* run = static_cast<kvm_run*>(run_ptr);

  kvm_sregs sregs{};
  ASSERT_EQ(::ioctl(vcpu.get(), KVM_GET_SREGS, &sregs), 0);
  sregs.cs.base = 0;
  sregs.cs.selector = 0;
  sregs.ds.base = 0;
  sregs.ds.selector = 0;
  ASSERT_EQ(::ioctl(vcpu.get(), KVM_SET_SREGS, &sregs), 0);
  kvm_regs regs{};
  regs.rip = 0x1000;
  regs.rflags = 0x2;
  ASSERT_EQ(::ioctl(vcpu.get(), KVM_SET_REGS, &regs), 0);

  int rc;
  do {
    rc = ::ioctl(vcpu.get(), KVM_RUN, 0);
  } while (rc < 0 && errno == EINTR);
  const uint32_t exit_reason = run->exit_reason;
  ::munmap(run_ptr, run_size);
  ASSERT_EQ(rc, 0);
  EXPECT_EQ(exit_reason, static_cast<uint32_t>(KVM_EXIT_HLT));
  EXPECT_EQ(port_event.consume(), 1u);
  EXPECT_EQ(mmio_event.consume(), 1u);
}

}  // namespace
}  // namespace zvmm
