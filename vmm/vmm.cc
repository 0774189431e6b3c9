#include "vmm/vmm.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <boost/asio/signal_set.hpp>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "vmm/boot_cpu_state.h"
#include "vmm/boot_errors.h"
#include "vmm/control/control_commands.h"
#include "vmm/control/qmp_server.h"
#include "vmm/console.h"
#include "vmm/console_drain.h"
#include "vmm/console_input.h"
#include "vmm/cpuid.h"
#include "vmm/device_manager.h"
#include "vmm/disks.h"
#include "vmm/event_loop.h"
#include "vmm/exit_codes.h"
#include "vmm/guest_memory.h"
#include "vmm/host_check.h"
#include "vmm/ioevent_registrar.h"
#include "vmm/kvm_irq_routing.h"
#include "vmm/kvm.h"
#include "vmm/lapic.h"
#include "vmm/layout.h"
#include "vmm/linux_boot.h"
#include "vmm/msrs.h"
#include "vmm/process_clock.h"
#include "vmm/vcpu_thread.h"
#include "vmm/vm_stop.h"

namespace zvmm {

namespace {

Kvm open_kvm() {
  Kvm kvm = Kvm::open(kvm_device_path());
  if (kvm_is_pvm() && !pvm_override_requested()) {
    throw PvmHostError(
        "/dev/kvm is provided by PVM (kvm_pvm), which cannot run unmodified Linux guests; "
        "run zvmm inside the emulated KVM host: tests/kvm-host/run --in ... -- zvmm ... "
        "(ZVMM_ALLOW_PVM=1 tries anyway)");
  }
  return kvm;
}

void configure_vcpu(const Vcpu& vcpu, const std::vector<kvm_cpuid_entry2>& supported_cpuid,
                    uint32_t vcpu_count, bool tsc_deadline) {
  vcpu.set_cpuid(cpuid_for_vcpu(supported_cpuid, {.vcpu_id = vcpu.id(),
                                                  .vcpu_count = vcpu_count,
                                                  .tsc_deadline = tsc_deadline}));
  vcpu.set_msrs(boot_msrs());
  kvm_lapic_state lapic = vcpu.lapic();
  configure_lapic_lint(lapic);
  vcpu.set_lapic(lapic);
}

void enter_linux(const Vcpu& bsp, const LinuxBootInfo& boot) {
  kvm_sregs sregs = bsp.sregs();
  configure_long_mode(sregs, boot.page_table_root);
  bsp.set_sregs(sregs);
  bsp.set_regs(boot_regs(boot.entry));
  bsp.set_fpu(boot_fpu());
}

// An i8042 reset ends the VM. Linux (booted with reboot=k,panic_warm) marks a
// reboot after a panic as warm in the BIOS reset flag.
StopReason reason_for_reset(const GuestMemory& memory) {
  if (memory.read_le<uint16_t>(layout::kBiosResetFlag) == layout::kBiosWarmResetValue) {
    return {exit_code::kGuestCrash, "guest kernel panicked"};
  }
  return {exit_code::kGuestReset, ""};
}

}  // namespace

int Vmm::run() {
  const VmConfig& c = config_;
  const GuestMemory memory = GuestMemory::create(c.memory_bytes);
  const LinuxBootInfo boot =
      load_linux(memory, {.kernel_path = c.kernel, .initrd_paths = c.initrds,
                          .cmdline = c.cmdline, .vcpu_count = c.cpus});
  // The device thread's loop outlives everything that posts to it; it is
  // started late (below) and stopped before the disks go (loop_stopper).
  EventLoop loop;
  // Disks before KVM: image errors come first. Destroyed after the PCI root.
  Disks disks(c.disks);
  VmStop stop;
  // The control socket next (a bad --control path is exit status 2 before
  // KVM). Its handlers run on the loop's thread, from loop.start() on.
  std::atomic<control::ControlStop> control_stop{control::ControlStop::kNone};
  std::unique_ptr<control::QmpServer> control;
  if (!c.control_path.empty()) {
    try {
      control = std::make_unique<control::QmpServer>(
          loop.context(), c.control_path,
          control::Json{{"zvmm", kVersion}, {"package", "zvmm"}});
    } catch (const std::runtime_error& e) {
      throw BootConfigError(e.what());
    }
    control::add_zvmm_commands(*control, {disks, stop, control_stop});
  }
  // Destroyed first: no handler runs once the server and the disks go.
  struct LoopStopper {
    EventLoop& loop;
    ~LoopStopper() { loop.stop(); }
  } loop_stopper{loop};

  const Kvm kvm = open_kvm();
  if (const int max = kvm.check_extension(KVM_CAP_MAX_VCPUS); max > 0 && c.cpus > static_cast<uint32_t>(max)) {
    throw KvmUnavailable("this KVM supports at most " + std::to_string(max) + " vCPUs", EINVAL);
  }
  Vm vm = kvm.create_vm();
  vm.register_guest_memory(memory);
  vm.set_identity_map_address(layout::kKvmIdentityMapStart);
  vm.set_tss_address(layout::kKvmTssStart);
  vm.create_irqchip();
  vm.create_pit();
  // Both must outlive the DeviceManager (the PCI functions use them).
  KvmInterruptManager interrupts(vm.fd());
  KvmIoEventRegistrar ioevents(vm.fd());

  // The UART's state when the guest reported its exit status (the first time).
  DrainStart status_snapshot;
  const ConsoleOutput console = ConsoleOutput::open(c.console);
  DeviceManager devices;
  devices.add_legacy_devices({
      .console_output = [&console](std::span<const uint8_t> b) { console.write(b); },
      .com1_irq = [&vm](bool level) { vm.set_irq_line(layout::kCom1Irq, level); },
      // The status stops the VM once the guest's console has drained (below).
      .exit_status =
          [&stop, &devices, &status_snapshot, &control](uint8_t status) {
            if (control) control->emit_event("GUEST_STATUS", {{"status", status}});
            status_snapshot.take_once(devices.serial());
            stop.request_deferred({status, ""});
          },
      .reset = [&stop, &memory] { stop.request(reason_for_reset(memory)); },
      .boot_marker =
          [boot_time = c.boot_time, reported = std::make_shared<std::atomic<bool>>(false)] {
            // The guest tool writes both the MMIO page and the port: report once.
            if (!boot_time || reported->exchange(true)) return;
            std::fprintf(stderr, "zvmm: guest userspace reached in %lld ms\n",
                         static_cast<long long>(time_since_process_start().count()));
          },
      .power_off = [&stop] { stop.request({exit_code::kGuestReset, ""}); },
  });
  devices.add_pci_root(c.memory_bytes, ioevents);
  disks.attach(*devices.pci_root(), memory, interrupts, c.cpus);

  const auto supported_cpuid = kvm.supported_cpuid();
  const bool tsc_deadline = kvm.check_extension(KVM_CAP_TSC_DEADLINE_TIMER) > 0;
  std::vector<std::unique_ptr<Vcpu>> vcpus;
  for (uint32_t id = 0; id < c.cpus; ++id) {
    vcpus.push_back(std::make_unique<Vcpu>(vm.create_vcpu(id)));
    configure_vcpu(*vcpus.back(), supported_cpuid, c.cpus, tsc_deadline);
  }
  enter_linux(*vcpus.front(), boot);

  boost::asio::signal_set signals(loop.context(), SIGINT, SIGTERM);
  signals.async_wait([&stop](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    stop.request({signo == SIGINT ? exit_code::kSigint : exit_code::kSigterm,
                  std::string("stopped by ") + (signo == SIGINT ? "SIGINT" : "SIGTERM")});
  });
  std::optional<TerminalRawMode> raw_terminal;
  std::optional<ConsoleInput> input;
  if (c.console.kind == ConsoleConfig::Kind::kStdio && stdin_is_interactive_or_pipe()) {
    raw_terminal.emplace();
    input.emplace(loop.context(), STDIN_FILENO, devices.serial());
    input->start();
  }
  loop.start([&stop](const std::exception& e) {
    stop.request({exit_code::kInternalError, std::string("device thread: ") + e.what()});
  });

  std::vector<std::unique_ptr<VcpuThread>> threads;
  try {
    for (const auto& vcpu : vcpus) {
      threads.push_back(std::make_unique<VcpuThread>(*vcpu, devices.pio_bus(), devices.mmio_bus(), stop));
    }
  } catch (const std::exception& e) {
    stop.request({exit_code::kInternalError, std::string("cannot start vCPU threads: ") + e.what()});
  }
  // Every vCPU leaves KVM_RUN the moment the stop takes effect, whichever
  // thread made it so (vmm/vm_stop.h says why); a stop that took effect
  // before this line kicks them here. wait() returns after the kicks.
  stop.set_on_effect([&threads] {
    for (auto& t : threads) t->kick();
  });

  // A reported exit status lets the vCPUs run on until the UART is quiet, so
  // that the guest kernel can send what its serial driver still buffers.
  const ConsoleDrainRule drain_rule;
  std::optional<DrainStart::Snapshot> at_status;
  DrainState drain_end = DrainState::kDraining;
  const StopReason stopped = stop.wait(
      [&] {
        if (!at_status) at_status = status_snapshot.take_once(devices.serial());
        drain_end = decide(drain_rule, at_status->activity, at_status->time,
                           devices.serial().transmit_activity(), Serial::Clock::now());
        return drain_end != DrainState::kDraining;
      },
      drain_rule.poll);
  if (at_status) {
    const long long waited = std::chrono::duration_cast<std::chrono::milliseconds>(
                                 Serial::Clock::now() - at_status->time).count();
    const unsigned long long sent =
        devices.serial().transmit_activity().bytes_transmitted - at_status->activity.bytes_transmitted;
    if (drain_end == DrainState::kByteBudget || drain_end == DrainState::kCap) {
      std::fprintf(stderr,
                   "zvmm: the guest's console was still sending %lld ms after its exit status "
                   "(%s reached); output after that is cut off\n",
                   waited, std::string(to_string(drain_end)).c_str());
    } else if (c.boot_time) {
      std::fprintf(stderr,
                   "zvmm: console drained %lld ms after the exit status (%llu bytes, %s; %llu bytes in all)\n",
                   waited, sent,
                   drain_end == DrainState::kDraining ? "ended by another stop request"
                                                      : std::string(to_string(drain_end)).c_str(),
                   static_cast<unsigned long long>(devices.serial().transmit_activity().bytes_transmitted));
    }
  }
  // No control command touches the disks from here on (query-status still answers).
  if (control) control->refuse_commands();
  for (auto& t : threads) t->join();
  if (control_stop.load() == control::ControlStop::kPowerCut) {
    // As if power were lost: no front-end stop, no final flush; what the
    // images hold is what their crash guarantee (kill -9) gives
    // (docs/zoned-model.md). The next open is a power-on (no open zones).
    control->close("SHUTDOWN", {{"guest", false}, {"reason", "power-cut"}, {"exit-code", stopped.exit_code}});
    std::fprintf(stderr, "zvmm: %s\n", stopped.message.c_str());
    std::fflush(stderr);
    std::_Exit(stopped.exit_code);
  }
  // Stops the front ends (joins the queue workers) and flushes the disks: a
  // failed flush is exit status 8, whatever the guest reported.
  const StopReason reason = final_stop_reason(stopped, disks.shutdown());
  if (control) {
    const char* why = control_stop.load() == control::ControlStop::kQuit ? "host-qmp-quit"
                      : stopped.exit_code == exit_code::kSigint || stopped.exit_code == exit_code::kSigterm
                          ? "host-signal"
                      : stopped.message.empty() ? "guest-shutdown"
                                                : "vmm-stop";
    control->close("SHUTDOWN", {{"guest", stopped.message.empty()},
                                {"reason", why},
                                {"exit-code", reason.exit_code},
                                {"message", reason.message}});
  }
  loop.stop();

  if (!reason.message.empty()) std::fprintf(stderr, "zvmm: %s\n", reason.message.c_str());
  return reason.exit_code;
}

}  // namespace zvmm
