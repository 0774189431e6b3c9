// A kernel or initrd file opened for loading: its size up front, then reads of
// exact byte ranges straight into their destination (usually guest memory), so
// a 100 MB initrd or a 57 MB vmlinux is copied once, not staged in a buffer.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "base/unique_fd.h"

namespace zvmm {

class ImageFile {
 public:
  // Opens a regular file. Throws BootImageError naming `what` ("kernel",
  // "initrd") and the path.
  static ImageFile open(const std::string& path, const std::string& what);

  uint64_t size() const { return size_; }
  const std::string& path() const { return path_; }

  // Fills `out` with the bytes at [offset, offset + out.size()). Throws
  // BootImageError if the range is beyond the end of the file or a read fails.
  void read_at(uint64_t offset, std::span<uint8_t> out) const;

 private:
  ImageFile(UniqueFd fd, uint64_t size, std::string path, std::string what)
      : fd_(std::move(fd)), size_(size), path_(std::move(path)), what_(std::move(what)) {}

  UniqueFd fd_;
  uint64_t size_ = 0;
  std::string path_;
  std::string what_;
};

}  // namespace zvmm
