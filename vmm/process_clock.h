// Time since zvmm started (for the boot-time marker).
#pragma once

#include <chrono>

namespace zvmm {

// Milliseconds elapsed since the process started (captured during static
// initialisation, before main).
std::chrono::milliseconds time_since_process_start();

}  // namespace zvmm
