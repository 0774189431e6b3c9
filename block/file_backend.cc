#include "block/file_backend.h"

#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <climits>

#include <cerrno>
#include <system_error>
#include <vector>

#include "block/sync_queue.h"
#include "block/uring_queue.h"

namespace zvmm::block {
namespace {

int open_flags(const FileBackendOptions& o) {
  int flags = (o.read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC;
  if (o.direct) flags |= O_DIRECT;
  return flags;
}

bool on_memory_fs(int fd) {
  struct statfs fs {};
  if (::fstatfs(fd, &fs) < 0) return false;
  return fs.f_type == TMPFS_MAGIC || fs.f_type == RAMFS_MAGIC;
}

[[noreturn]] void throw_errno(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), what);
}

}  // namespace

FileBackend::FileBackend(std::string path, UniqueFd fd, FileBackendOptions options,
                         bool memory_backed)
    : path_(std::move(path)), fd_(std::move(fd)), options_(options), memory_backed_(memory_backed) {}

std::unique_ptr<FileBackend> FileBackend::open(const std::string& path, FileBackendOptions options) {
  UniqueFd fd(::open(path.c_str(), open_flags(options)));
  if (!fd.valid()) throw_errno("open " + path);
  struct stat st {};
  if (::fstat(fd.get(), &st) < 0) throw_errno("stat " + path);
  if (!S_ISREG(st.st_mode)) {
    throw std::system_error(EINVAL, std::generic_category(), path + " is not a regular file");
  }
  const bool memory_backed = !options.direct && on_memory_fs(fd.get());
  return std::unique_ptr<FileBackend>(new FileBackend(path, std::move(fd), options, memory_backed));
}

std::unique_ptr<FileBackend> FileBackend::create(const std::string& path, uint64_t size_bytes,
                                                 FileBackendOptions options) {
  {
    UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!fd.valid()) throw_errno("create " + path);
    if (::ftruncate(fd.get(), static_cast<off_t>(size_bytes)) < 0) throw_errno("truncate " + path);
  }
  return open(path, options);
}

uint64_t FileBackend::size_bytes() const {
  struct stat st {};
  if (::fstat(fd_.get(), &st) < 0) return 0;
  return static_cast<uint64_t>(st.st_size);
}

int64_t FileBackend::read(uint64_t offset, std::span<uint8_t> buf) {
  size_t done = 0;
  while (done < buf.size()) {
    ssize_t n = ::pread(fd_.get(), buf.data() + done, buf.size() - done,
                        static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return -errno;
    }
    if (n == 0) {  // end of file reads as zeros
      std::fill(buf.begin() + static_cast<ptrdiff_t>(done), buf.end(), uint8_t{0});
      break;
    }
    done += static_cast<size_t>(n);
  }
  return static_cast<int64_t>(buf.size());
}

int64_t FileBackend::write(uint64_t offset, std::span<const uint8_t> buf) {
  size_t done = 0;
  while (done < buf.size()) {
    ssize_t n = ::pwrite(fd_.get(), buf.data() + done, buf.size() - done,
                         static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return -errno;
    }
    if (n == 0) return -EIO;
    done += static_cast<size_t>(n);
  }
  return static_cast<int64_t>(done);
}

namespace {

// Runs preadv/pwritev until all of `iov` moved, resuming after short transfers
// (only those copy the iovec array). Returns the bytes moved (short only at
// end of file for reads) or -errno.
template <typename Call>
int64_t vectored(uint64_t offset, IoVecs iov, Call call) {
  const uint64_t total = total_bytes(iov);
  std::vector<iovec> rest;  // what is left after a short transfer
  IoVecs left = iov;
  uint64_t done = 0;
  while (done < total) {
    const int n = static_cast<int>(std::min<size_t>(left.size(), IOV_MAX));
    const ssize_t r = call(left.data(), n, static_cast<off_t>(offset + done));
    if (r < 0) {
      if (errno == EINTR) continue;
      return -errno;
    }
    if (r == 0) break;  // end of file
    done += static_cast<uint64_t>(r);
    if (done == total) break;
    rest.clear();
    slice(iov, done, total - done, rest);
    left = rest;
  }
  return static_cast<int64_t>(done);
}

}  // namespace

int64_t FileBackend::readv(uint64_t offset, IoVecs iov) {
  const int fd = fd_.get();
  const int64_t r = vectored(offset, iov, [fd](const iovec* v, int n, off_t o) { return ::preadv(fd, v, n, o); });
  if (r < 0) return r;
  const uint64_t total = total_bytes(iov);
  zero(iov, static_cast<uint64_t>(r), total - static_cast<uint64_t>(r));  // end of file reads as zeros
  return static_cast<int64_t>(total);
}

int64_t FileBackend::writev(uint64_t offset, IoVecs iov) {
  const int fd = fd_.get();
  const int64_t r = vectored(offset, iov, [fd](const iovec* v, int n, off_t o) { return ::pwritev(fd, v, n, o); });
  if (r >= 0 && static_cast<uint64_t>(r) < total_bytes(iov)) return -EIO;
  return r;
}

int FileBackend::flush() { return ::fdatasync(fd_.get()) < 0 ? -errno : 0; }

int FileBackend::discard(uint64_t offset, uint64_t len) {
  if (len == 0) return 0;
  if (::fallocate(fd_.get(), FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, static_cast<off_t>(offset),
                  static_cast<off_t>(len)) == 0) {
    return 0;
  }
  if (errno != EOPNOTSUPP && errno != ENOSYS) return -errno;
  // File system without hole punching: write zeros.
  std::vector<uint8_t> zeros(std::min<uint64_t>(len, 1 << 20));
  for (uint64_t done = 0; done < len;) {
    size_t chunk = static_cast<size_t>(std::min<uint64_t>(zeros.size(), len - done));
    int64_t rc = write(offset + done, std::span<const uint8_t>(zeros.data(), chunk));
    if (rc < 0) return static_cast<int>(rc);
    done += chunk;
  }
  return 0;
}

std::unique_ptr<IoQueue> FileBackend::create_queue(unsigned depth) {
  if (options_.use_io_uring && !memory_backed_) {
    int error = 0;
    if (auto q = UringIoQueue::create(fd_.get(), depth, &error,
                                      [this](uint64_t o, uint64_t l) { return discard(o, l); })) {
      uring_error_ = 0;
      return q;
    }
    uring_error_ = error;
  }
  return std::make_unique<SyncIoQueue>(*this);
}

}  // namespace zvmm::block
