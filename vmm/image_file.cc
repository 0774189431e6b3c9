#include "vmm/image_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "vmm/boot_errors.h"

namespace zvmm {

ImageFile ImageFile::open(const std::string& path, const std::string& what) {
  auto fail = [&](const std::string& why) {
    return BootImageError("cannot read " + what + " " + path + ": " + why);
  };
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) throw fail(std::strerror(errno));
  struct stat st {};
  if (fstat(fd.get(), &st) != 0) throw fail(std::strerror(errno));
  if (!S_ISREG(st.st_mode)) throw fail("not a regular file");
  return ImageFile(std::move(fd), static_cast<uint64_t>(st.st_size), path, what);
}

void ImageFile::read_at(uint64_t offset, std::span<uint8_t> out) const {
  auto fail = [&](const std::string& why) {
    return BootImageError("cannot read " + what_ + " " + path_ + " at offset " + std::to_string(offset) +
                          " (+" + std::to_string(out.size()) + "): " + why);
  };
  if (offset > size_ || out.size() > size_ - offset) throw fail("beyond the end of the file");
  size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::pread(fd_.get(), out.data() + done, out.size() - done,
                              static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw fail(std::strerror(errno));
    if (n == 0) throw fail("file shrank while reading");
    done += static_cast<size_t>(n);
  }
}

}  // namespace zvmm
