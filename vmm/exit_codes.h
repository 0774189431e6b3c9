// zvmm's process exit status. Documented in `zvmm --help` and docs/usage.md.
//
// A guest that writes a status byte to the exit-status port (layout.h) makes
// zvmm exit with that byte, so guest statuses overlap the VMM's own codes; a
// harness tells them apart by the one-line `zvmm: ...` message on stderr that
// accompanies every VMM error.
#pragma once

namespace zvmm::exit_code {

inline constexpr int kGuestReset = 0;       // guest rebooted or powered off
inline constexpr int kInternalError = 1;    // unexpected VMM failure (a bug or host error)
inline constexpr int kUsage = 2;            // bad command line
inline constexpr int kKvmUnavailable = 3;   // no /dev/kvm, no permission, wrong API
inline constexpr int kPvmKvm = 4;           // /dev/kvm is PVM-backed: cannot boot Linux
inline constexpr int kBadImage = 5;         // kernel or initrd missing, unreadable, invalid
inline constexpr int kMemoryTooSmall = 6;   // kernel + initrd do not fit in guest RAM
inline constexpr int kGuestCrash = 7;       // guest panic, triple fault, KVM internal error
inline constexpr int kDiskError = 8;        // a --disk image or device cannot be opened
inline constexpr int kPowerCut = 9;         // power-cut on the control socket: no final flush
inline constexpr int kSigint = 130;         // stopped by SIGINT (128 + 2)
inline constexpr int kSigterm = 143;        // stopped by SIGTERM (128 + 15)

}  // namespace zvmm::exit_code
