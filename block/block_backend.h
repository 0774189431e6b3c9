// Abstract block backend: a byte-addressed store with synchronous, thread-safe
// calls and per-thread asynchronous queues (see io_queue.h).
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "block/io_queue.h"

namespace zvmm::block {

class BlockBackend {
 public:
  virtual ~BlockBackend() = default;

  virtual uint64_t size_bytes() const = 0;
  // Synchronous calls; thread-safe. Return bytes transferred or -errno.
  // read() beyond the end of stored data returns zeros.
  virtual int64_t read(uint64_t offset, std::span<uint8_t> buf) = 0;
  virtual int64_t write(uint64_t offset, std::span<const uint8_t> buf) = 0;
  // Scatter-gather forms; by default one read()/write() per segment.
  virtual int64_t readv(uint64_t offset, IoVecs iov);
  virtual int64_t writev(uint64_t offset, IoVecs iov);
  virtual int flush() = 0;
  // Makes [offset, offset+len) read as zeros and frees its space if possible.
  virtual int discard(uint64_t offset, uint64_t len) = 0;

  // The data lives in RAM (a tmpfs or ramfs file): nothing survives a host
  // power loss, and freeing blocks only makes the next write allocate and zero
  // them again. Callers skip discards whose only purpose is reclaiming space.
  virtual bool memory_backed() const { return false; }

  // A new asynchronous queue owned by the calling thread.
  virtual std::unique_ptr<IoQueue> create_queue(unsigned depth) = 0;
};

}  // namespace zvmm::block
