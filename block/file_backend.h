// Block backend over a regular file. Synchronous calls use pread/pwrite.
// Queues use io_uring, except for memory-backed files (tmpfs, ramfs) opened
// without O_DIRECT: those never wait on a device, and io_uring cannot read them
// inline (no FMODE_NOWAIT), so it would hand every request to a kernel worker
// thread; a SyncIoQueue copies in the caller's thread instead. SyncIoQueue is
// also the fallback when io_uring is unavailable.
#pragma once

#include <atomic>
#include <string>

#include "block/block_backend.h"
#include "base/unique_fd.h"

namespace zvmm::block {

struct FileBackendOptions {
  bool read_only = false;
  bool direct = false;      // O_DIRECT: buffers, offsets and lengths must be aligned
  bool use_io_uring = true;  // false forces the synchronous fallback queue
};

class FileBackend final : public BlockBackend {
 public:
  // Opens an existing file. Throws std::system_error with the path on failure.
  static std::unique_ptr<FileBackend> open(const std::string& path, FileBackendOptions options = {});
  // Creates (or truncates) a sparse file of size_bytes and opens it.
  static std::unique_ptr<FileBackend> create(const std::string& path, uint64_t size_bytes,
                                             FileBackendOptions options = {});

  uint64_t size_bytes() const override;
  int64_t read(uint64_t offset, std::span<uint8_t> buf) override;
  int64_t write(uint64_t offset, std::span<const uint8_t> buf) override;
  int64_t readv(uint64_t offset, IoVecs iov) override;   // preadv; zeros past the end
  int64_t writev(uint64_t offset, IoVecs iov) override;  // pwritev
  int flush() override;
  int discard(uint64_t offset, uint64_t len) override;
  std::unique_ptr<IoQueue> create_queue(unsigned depth) override;

  int fd() const { return fd_.get(); }
  const std::string& path() const { return path_; }
  // Whether the last create_queue() fell back from io_uring, and why (errno).
  int io_uring_error() const { return uring_error_; }
  // The file lives in memory (tmpfs, ramfs, without O_DIRECT): its queues are
  // synchronous.
  bool memory_backed() const override { return memory_backed_; }

 private:
  FileBackend(std::string path, UniqueFd fd, FileBackendOptions options, bool memory_backed);

  std::string path_;
  UniqueFd fd_;
  FileBackendOptions options_;
  bool memory_backed_;
  std::atomic<int> uring_error_{0};
};

}  // namespace zvmm::block
