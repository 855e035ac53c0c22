#include "xgrad/train/progress.hpp"

#include <unistd.h>

#include <algorithm>

namespace xgrad::train {

std::string duration_text(double seconds) {
  char buf[32];
  if (seconds < 60)
    std::snprintf(buf, sizeof buf, "%.1f s", seconds);
  else
    std::snprintf(buf, sizeof buf, "%dm%02ds", int(seconds) / 60, int(seconds) % 60);
  return buf;
}

ProgressBar::ProgressBar(std::FILE* out) : out_(out), tty_(isatty(fileno(out)) != 0) {}

void ProgressBar::update(std::string_view label, std::size_t done, std::size_t total, std::string_view tail) {
  if (!tty_ || total == 0 || (done != total && done % std::max<std::size_t>(1, total / 50) != 0)) return;
  const int width = 30, filled = int(width * double(std::min(done, total)) / double(total));
  std::fprintf(out_, "\r%.*s[%s%s] %zu/%zu  %.*s   ", int(label.size()), label.data(), std::string(filled, '=').c_str(),
               std::string(width - filled, ' ').c_str(), done, total, int(tail.size()), tail.data());
  drawn_ = true;
  if (done == total) {
    std::fprintf(out_, "\r%*s\r", 100, "");
    drawn_ = false;
  }
  std::fflush(out_);
}

void ProgressBar::break_line() {
  if (!drawn_) return;
  std::fprintf(out_, "\n");
  drawn_ = false;
}

Eta::Eta(std::uint64_t first_step, std::uint64_t last_step)
    : first_(first_step), last_(last_step), start_(std::chrono::steady_clock::now()) {}

double Eta::elapsed() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count(); }

double Eta::seconds_left(std::uint64_t step) const {
  const std::uint64_t done = step > first_ ? step - first_ : 0;
  return done && last_ > step ? elapsed() / double(done) * double(last_ - step) : 0.0;
}

}  // namespace xgrad::train
