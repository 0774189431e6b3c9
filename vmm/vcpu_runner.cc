#include "vmm/vcpu_runner.h"

#include <linux/kvm.h>

#include <cstdio>
#include <exception>
#include <span>
#include <string>

#include "vmm/exit_codes.h"

namespace zvmm {

namespace {

std::string format(const char* fmt, auto... args) {
  char buf[256];
  std::snprintf(buf, sizeof buf, fmt, args...);
  return buf;
}

StopReason guest_crash(std::string message) {
  return {exit_code::kGuestCrash, std::move(message)};
}

}  // namespace

void VcpuRunner::run() {
  try {
    while (!stop_.requested()) {
      if (vcpu_.run() == Vcpu::RunResult::kInterrupted) continue;
      if (auto reason = handle_exit()) stop_.request(std::move(*reason));
    }
  } catch (const std::exception& e) {
    stop_.request({exit_code::kInternalError, format("vCPU %u: %s", vcpu_.id(), e.what())});
  }
}

std::optional<StopReason> VcpuRunner::handle_exit() {
  kvm_run& run = vcpu_.state();
  const unsigned id = vcpu_.id();
  switch (run.exit_reason) {
    case KVM_EXIT_IO:
      handle_pio();
      return std::nullopt;
    case KVM_EXIT_MMIO:
      handle_mmio();
      return std::nullopt;
    case KVM_EXIT_INTR:
      return std::nullopt;
    case KVM_EXIT_HLT:
      // Only without an in-kernel irqchip (which handles HLT itself).
      return guest_crash(format("vCPU %u halted (KVM_EXIT_HLT) with nothing to wake it", id));
    case KVM_EXIT_SHUTDOWN:
      return guest_crash(format("guest triple fault on vCPU %u (KVM_EXIT_SHUTDOWN)", id));
    case KVM_EXIT_FAIL_ENTRY:
      return guest_crash(format(
          "KVM could not enter the guest on vCPU %u (KVM_EXIT_FAIL_ENTRY, hardware reason 0x%llx)",
          id, static_cast<unsigned long long>(run.fail_entry.hardware_entry_failure_reason)));
    case KVM_EXIT_INTERNAL_ERROR: {
      std::string message = format("KVM internal error on vCPU %u, suberror %u", id,
                                   run.internal.suberror);
      if (run.internal.suberror == KVM_INTERNAL_ERROR_EMULATION) {
        message += " (instruction emulation failed)";
      }
      for (uint32_t i = 0; i < run.internal.ndata && i < 4; ++i) {
        message += format(" data[%u]=0x%llx", i, static_cast<unsigned long long>(run.internal.data[i]));
      }
      return guest_crash(message);
    }
    case KVM_EXIT_SYSTEM_EVENT:
      switch (run.system_event.type) {
        case KVM_SYSTEM_EVENT_SHUTDOWN:
        case KVM_SYSTEM_EVENT_RESET:
          return StopReason{exit_code::kGuestReset, ""};
        default:
          return guest_crash(format("guest system event %u on vCPU %u", run.system_event.type, id));
      }
    default:
      return guest_crash(format("unexpected KVM exit reason %u on vCPU %u", run.exit_reason, id));
  }
}

void VcpuRunner::handle_pio() {
  kvm_run& run = vcpu_.state();
  auto* base = reinterpret_cast<uint8_t*>(&run) + run.io.data_offset;
  // `rep ins/outs` arrive as `count` back-to-back items of `size` bytes.
  for (uint32_t i = 0; i < run.io.count; ++i) {
    std::span<uint8_t> item(base + i * run.io.size, run.io.size);
    if (run.io.direction == KVM_EXIT_IO_OUT) {
      pio_bus_.write(run.io.port, item);
    } else {
      pio_bus_.read(run.io.port, item);
    }
  }
}

void VcpuRunner::handle_mmio() {
  kvm_run& run = vcpu_.state();
  std::span<uint8_t> data(run.mmio.data, run.mmio.len);
  if (run.mmio.is_write) {
    mmio_bus_.write(run.mmio.phys_addr, data);
  } else {
    mmio_bus_.read(run.mmio.phys_addr, data);
  }
}

}  // namespace zvmm
