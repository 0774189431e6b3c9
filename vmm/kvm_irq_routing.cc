#include "vmm/kvm_irq_routing.h"

#include <sys/ioctl.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "base/eintr.h"
#include "vmm/kvm_uapi.h"
#include "base/event_fd.h"

namespace zvmm {

namespace {

std::error_code ioctl_error(int fd, unsigned long request, const void* arg) {
  if (retry_on_eintr([&] { return ::ioctl(fd, request, arg); }) < 0) {
    return {errno, std::generic_category()};
  }
  return {};
}

std::error_code invalid() { return std::make_error_code(std::errc::invalid_argument); }

kvm_irq_routing_entry irqchip_route(uint32_t gsi, uint32_t chip, uint32_t pin) {
  kvm_irq_routing_entry e{};
  e.gsi = gsi;
  e.type = KVM_IRQ_ROUTING_IRQCHIP;
  e.u.irqchip.irqchip = chip;
  e.u.irqchip.pin = pin;
  return e;
}

// MSI-X vectors of one device: GSI + irqfd each.
class KvmMsiGroup final : public InterruptSourceGroup {
 public:
  KvmMsiGroup(int vm_fd, std::shared_ptr<KvmIrqRouting> routing, uint32_t count)
      : vm_fd_(vm_fd), routing_(std::move(routing)), vectors_(count) {
    try {
      for (Vector& v : vectors_) v.gsi = routing_->allocate_gsi();
    } catch (...) {
      release();
      throw;
    }
  }
  ~KvmMsiGroup() override { release(); }

  uint32_t size() const override { return static_cast<uint32_t>(vectors_.size()); }

  std::error_code trigger(uint32_t index) override {
    if (index >= vectors_.size()) return invalid();
    try {
      vectors_[index].fd.signal();
    } catch (const std::system_error& e) {
      return e.code();
    }
    return {};
  }

  std::error_code update(uint32_t index, const MsiMessage& message, bool masked) override {
    if (index >= vectors_.size()) return invalid();
    std::lock_guard lock(mutex_);
    Vector& v = vectors_[index];
    if (masked) {
      // Keep the route; without the irqfd, signals stay counted in the eventfd
      // and are injected when the vector is unmasked (KVM_IRQFD checks on assign).
      if (!v.irqfd) return {};
      if (auto ec = kvm_irqfd(vm_fd_, v.fd.fd(), v.gsi, false)) return ec;
      v.irqfd = false;
      return {};
    }
    if (auto ec = routing_->set_msi_route(v.gsi, message)) return ec;
    if (v.irqfd) return {};
    if (auto ec = kvm_irqfd(vm_fd_, v.fd.fd(), v.gsi, true)) return ec;
    v.irqfd = true;
    return {};
  }

  std::optional<int> notifier_fd(uint32_t index) const override {
    if (index >= vectors_.size()) return std::nullopt;
    return vectors_[index].fd.fd();
  }

 private:
  struct Vector {
    uint32_t gsi = 0;  // 0: not allocated (never an MSI GSI)
    EventFd fd;
    bool irqfd = false;
  };

  void release() {
    for (Vector& v : vectors_) {
      if (v.irqfd) kvm_irqfd(vm_fd_, v.fd.fd(), v.gsi, false);
      v.irqfd = false;
      if (v.gsi) routing_->release_gsi(v.gsi);
      v.gsi = 0;
    }
  }

  const int vm_fd_;
  std::shared_ptr<KvmIrqRouting> routing_;
  std::mutex mutex_;
  std::vector<Vector> vectors_;
};

// One legacy line driven through an irqfd on its GSI.
class KvmLegacyGroup final : public InterruptSourceGroup {
 public:
  KvmLegacyGroup(int vm_fd, uint32_t gsi) : vm_fd_(vm_fd), gsi_(gsi) {
    if (auto ec = kvm_irqfd(vm_fd_, fd_.fd(), gsi_, true)) {
      throw std::system_error(ec, "KVM_IRQFD for legacy GSI " + std::to_string(gsi));
    }
  }
  ~KvmLegacyGroup() override { kvm_irqfd(vm_fd_, fd_.fd(), gsi_, false); }

  uint32_t size() const override { return 1; }
  std::error_code trigger(uint32_t index) override {
    if (index != 0) return invalid();
    try {
      fd_.signal();
    } catch (const std::system_error& e) {
      return e.code();
    }
    return {};
  }
  std::error_code update(uint32_t, const MsiMessage&, bool) override {
    return std::make_error_code(std::errc::operation_not_supported);
  }
  std::optional<int> notifier_fd(uint32_t index) const override {
    if (index != 0) return std::nullopt;
    return fd_.fd();
  }

 private:
  const int vm_fd_;
  const uint32_t gsi_;
  EventFd fd_;
};

}  // namespace

std::vector<kvm_irq_routing_entry> default_irqchip_routes() {
  std::vector<kvm_irq_routing_entry> routes;
  for (uint32_t gsi = 0; gsi < kLegacyGsiCount; ++gsi) {
    routes.push_back(irqchip_route(gsi, KVM_IRQCHIP_IOAPIC, gsi));
    if (gsi < 16) {
      routes.push_back(irqchip_route(
          gsi, gsi < 8 ? KVM_IRQCHIP_PIC_MASTER : KVM_IRQCHIP_PIC_SLAVE, gsi % 8));
    }
  }
  return routes;
}

kvm_irq_routing_entry msi_route(uint32_t gsi, const MsiMessage& message) {
  kvm_irq_routing_entry e{};
  e.gsi = gsi;
  e.type = KVM_IRQ_ROUTING_MSI;
  e.u.msi.address_lo = static_cast<uint32_t>(message.address);
  e.u.msi.address_hi = static_cast<uint32_t>(message.address >> 32);
  e.u.msi.data = message.data;
  return e;
}

std::vector<kvm_irq_routing_entry> build_gsi_routing(bool irqchip_in_kernel,
                                                     const std::map<uint32_t, MsiMessage>& msi) {
  std::vector<kvm_irq_routing_entry> table;
  if (irqchip_in_kernel) table = default_irqchip_routes();
  for (const auto& [gsi, message] : msi) table.push_back(msi_route(gsi, message));
  return table;
}

std::error_code kvm_irqfd(int vm_fd, int event_fd, uint32_t gsi, bool assign) {
  struct kvm_irqfd req{};
  req.fd = static_cast<uint32_t>(event_fd);
  req.gsi = gsi;
  req.flags = assign ? 0 : KVM_IRQFD_FLAG_DEASSIGN;
  return ioctl_error(vm_fd, KVM_IRQFD, &req);
}

KvmIrqRouting::KvmIrqRouting(int vm_fd, bool irqchip_in_kernel)
    : vm_fd_(vm_fd), irqchip_in_kernel_(irqchip_in_kernel) {}

uint32_t KvmIrqRouting::allocate_gsi() {
  std::lock_guard lock(mutex_);
  uint32_t gsi;
  if (!free_.empty()) {
    gsi = *free_.begin();
    free_.erase(free_.begin());
  } else if (next_gsi_ < kMaxGsiRoutes) {
    gsi = next_gsi_++;
  } else {
    throw std::system_error(ENOSPC, std::generic_category(),
                            "no free MSI GSI (all " + std::to_string(kMaxGsiRoutes) + " in use)");
  }
  allocated_.insert(gsi);
  return gsi;
}

void KvmIrqRouting::release_gsi(uint32_t gsi) {
  std::lock_guard lock(mutex_);
  if (allocated_.erase(gsi) == 0) return;
  free_.insert(gsi);
  if (routes_.erase(gsi)) commit();  // best effort: the route is dead either way
}

std::error_code KvmIrqRouting::set_msi_route(uint32_t gsi, const MsiMessage& message) {
  std::lock_guard lock(mutex_);
  if (!allocated_.count(gsi)) return invalid();
  auto it = routes_.find(gsi);
  if (it != routes_.end() && it->second == message) return {};
  const std::optional<MsiMessage> old =
      it == routes_.end() ? std::nullopt : std::optional<MsiMessage>(it->second);
  routes_[gsi] = message;
  if (auto ec = commit()) {
    if (old) {
      routes_[gsi] = *old;
    } else {
      routes_.erase(gsi);
    }
    return ec;
  }
  return {};
}

std::error_code KvmIrqRouting::remove_msi_route(uint32_t gsi) {
  std::lock_guard lock(mutex_);
  if (routes_.erase(gsi) == 0) return {};
  return commit();
}

std::vector<kvm_irq_routing_entry> KvmIrqRouting::table() const {
  std::lock_guard lock(mutex_);
  return build_gsi_routing(irqchip_in_kernel_, routes_);
}

std::error_code KvmIrqRouting::commit() {
  const auto entries = build_gsi_routing(irqchip_in_kernel_, routes_);
  // struct kvm_irq_routing { u32 nr; u32 flags; entries[] }, through the C
  // layout of kvm_uapi.h (the C++ view of the uapi struct has the wrong size).
  kvm_uapi::FlexBuffer<kvm_uapi::IrqRoutingHeader, kvm_irq_routing_entry> buffer(entries.size());
  *buffer.header() = {static_cast<uint32_t>(entries.size()), 0};
  buffer.assign(entries);
  return ioctl_error(vm_fd_, kvm_uapi::kSetGsiRouting, buffer.data());
}

KvmInterruptManager::KvmInterruptManager(int vm_fd, bool irqchip_in_kernel)
    : vm_fd_(vm_fd),
      irqchip_in_kernel_(irqchip_in_kernel),
      routing_(std::make_shared<KvmIrqRouting>(vm_fd, irqchip_in_kernel)) {}

std::unique_ptr<InterruptSourceGroup> KvmInterruptManager::create_msi_group(uint32_t count) {
  if (count == 0 || count > kMaxGsiRoutes - kFirstMsiGsi) {
    throw std::system_error(EINVAL, std::generic_category(),
                            "MSI group of " + std::to_string(count) + " vectors");
  }
  return std::make_unique<KvmMsiGroup>(vm_fd_, routing_, count);
}

std::unique_ptr<InterruptSourceGroup> KvmInterruptManager::create_legacy_group(uint32_t irq) {
  if (!irqchip_in_kernel_ || irq >= kLegacyGsiCount) {
    throw std::system_error(EINVAL, std::generic_category(),
                            "legacy IRQ " + std::to_string(irq) +
                                (irqchip_in_kernel_ ? " out of range" : " needs the in-kernel irqchip"));
  }
  return std::make_unique<KvmLegacyGroup>(vm_fd_, irq);
}

}  // namespace zvmm
