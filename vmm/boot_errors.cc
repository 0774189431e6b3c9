#include "vmm/boot_errors.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "vmm/unique_fd.h"

namespace zvmm {

std::vector<uint8_t> read_image_file(const std::string& path, const std::string& what) {
  auto fail = [&](const std::string& why) {
    return BootImageError("cannot read " + what + " " + path + ": " + why);
  };
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) throw fail(std::strerror(errno));
  struct stat st {};
  if (fstat(fd.get(), &st) != 0) throw fail(std::strerror(errno));
  if (!S_ISREG(st.st_mode)) throw fail("not a regular file");
  std::vector<uint8_t> data(static_cast<size_t>(st.st_size));
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::read(fd.get(), data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw fail(std::strerror(errno));
    if (n == 0) throw fail("file shrank while reading");
    done += static_cast<size_t>(n);
  }
  return data;
}

}  // namespace zvmm
