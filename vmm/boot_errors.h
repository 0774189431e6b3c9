// Errors in what the user asked zvmm to boot; each maps to its own exit code
// (exit_codes.h) in main.
#pragma once

#include <stdexcept>

namespace zvmm {

// The kernel or an initrd is missing, unreadable or not a bootable image.
class BootImageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Kernel and initrd do not fit in the guest RAM.
class MemoryTooSmallError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The boot configuration is inconsistent (e.g. a command line longer than the
// kernel accepts).
class BootConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace zvmm
