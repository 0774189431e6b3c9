// Setup-time PCI errors (bad device description, windows exhausted, no free
// slot). Guest-driven paths never throw.
#pragma once

#include <stdexcept>

namespace zvmm {

class PciError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace zvmm
