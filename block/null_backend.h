// Backend that stores nothing: writes succeed, reads return zeros. For
// benchmarks of the layers above it.
#pragma once

#include "block/block_backend.h"

namespace zvmm::block {

class NullBackend final : public BlockBackend {
 public:
  explicit NullBackend(uint64_t size_bytes) : size_(size_bytes) {}

  uint64_t size_bytes() const override { return size_; }
  int64_t read(uint64_t offset, std::span<uint8_t> buf) override;
  int64_t write(uint64_t offset, std::span<const uint8_t> buf) override;
  int flush() override { return 0; }
  int discard(uint64_t offset, uint64_t len) override { return 0; }
  std::unique_ptr<IoQueue> create_queue(unsigned depth) override;

 private:
  uint64_t size_;
};

}  // namespace zvmm::block
