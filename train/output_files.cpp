#include "xgrad/train/output_files.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace fs = std::filesystem;

namespace xgrad::train {

namespace {

[[noreturn]] void fail_io(const fs::path& path, const char* what, int err) {
  throw std::runtime_error("cannot write " + path.string() + ": " + what + std::strerror(err));
}

bool digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

}  // namespace

void write_file(const fs::path& path, std::string_view bytes) {
  static std::atomic<unsigned> counter{0};
  fs::path tmp;
  int fd = -1;
  for (int attempt = 0; attempt < 100 && fd < 0; ++attempt) {
    tmp = path;
    tmp += ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
    fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0 && errno != EEXIST) fail_io(path, "cannot create a temporary file next to it: ", errno);
  }
  if (fd < 0) fail_io(path, "cannot create a temporary file next to it: ", EEXIST);
  auto abandon = [&](const char* what, int err) {
    ::close(fd);
    ::unlink(tmp.c_str());
    fail_io(path, what, err);
  };
  for (const char* p = bytes.data(); p != bytes.data() + bytes.size();) {
    const ssize_t w = ::write(fd, p, std::size_t(bytes.data() + bytes.size() - p));
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) abandon("", w < 0 ? errno : EIO);
    p += w;
  }
  if (::fsync(fd) != 0) abandon("", errno);
  if (::close(fd) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    fail_io(path, "", err);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    fail_io(path, "cannot rename the temporary file onto it: ", err);
  }
}

std::size_t remove_stale_temporaries(const fs::path& dir) {
  std::size_t removed = 0;
  std::error_code ec;
  for (const fs::directory_entry& e : fs::directory_iterator(dir, ec)) {
    // NAME.tmp.<pid>.<n>
    const std::string name = e.path().filename().string();
    const std::size_t last = name.rfind('.');
    if (last == std::string::npos || last == 0 || !digits(std::string_view(name).substr(last + 1))) continue;
    const std::size_t before = name.rfind('.', last - 1);
    if (before == std::string::npos || before < 4 || name.compare(before - 4, 4, ".tmp") != 0) continue;
    const std::string_view pid_text = std::string_view(name).substr(before + 1, last - before - 1);
    if (!digits(pid_text) || pid_text.size() > 9) continue;
    const pid_t pid = pid_t(std::stol(std::string(pid_text)));
    if (pid <= 0 || pid == ::getpid() || ::kill(pid, 0) == 0 || errno != ESRCH)
      continue;  // alive, or not ours to judge
    if (e.is_regular_file(ec) && fs::remove(e.path(), ec)) ++removed;
  }
  return removed;
}

}  // namespace xgrad::train
