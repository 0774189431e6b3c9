#include "vmm/console_drain.h"

namespace zvmm {

std::string_view to_string(DrainState state) {
  switch (state) {
    case DrainState::kDraining: return "draining";
    case DrainState::kQuiet: return "quiet";
    case DrainState::kByteBudget: return "byte budget";
    case DrainState::kCap: return "cap";
  }
  return "?";
}

DrainStart::Snapshot DrainStart::take_once(const Serial& serial) {
  std::lock_guard lock(mutex_);
  if (!snapshot_) snapshot_ = Snapshot{serial.transmit_activity(), Serial::Clock::now()};
  return *snapshot_;
}

DrainState decide(const ConsoleDrainRule& rule, const Serial::TransmitActivity& at_status,
                  Serial::Clock::time_point status_time, const Serial::TransmitActivity& now_activity,
                  Serial::Clock::time_point now) {
  if (!now_activity.thre_interrupt_pending && now - now_activity.last_activity >= rule.quiet) {
    return DrainState::kQuiet;
  }
  if (now_activity.bytes_transmitted - at_status.bytes_transmitted > rule.byte_budget) {
    return DrainState::kByteBudget;
  }
  if (now - status_time >= rule.cap) return DrainState::kCap;
  return DrainState::kDraining;
}

}  // namespace zvmm
