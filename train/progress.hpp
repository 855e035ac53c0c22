#pragma once
// What a training prints while it runs: a progress bar redrawn in place, shown only when its
// stream is a terminal (a log or a pipe gets the per-epoch lines alone), durations in one format,
// and the estimated time left from this session's pace.
//
//   xg::train::ProgressBar bar(stderr);
//   xg::train::Eta eta(trainer.global_step(), total_steps);
//   ... after each step:
//   bar.update("epoch 2/10 ", step_in_epoch, steps_per_epoch, "loss 0.4123  ETA " +
//              xg::train::duration_text(eta.seconds_left(trainer.global_step())));
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace xgrad::train {

// "4.2 s" under a minute, "3m07s" from a minute on.
std::string duration_text(double seconds);

class ProgressBar {
 public:
  explicit ProgressBar(std::FILE* out);
  bool shown() const { return tty_; }  // whether `out` is a terminal
  // "\r<label>[=====     ] done/total  <tail>", at most about 50 redraws per pass; the bar is
  // erased when done == total, so that the next line starts clean.
  void update(std::string_view label, std::size_t done, std::size_t total, std::string_view tail);
  // Ends the bar's line (before printing something else in the middle of a pass).
  void break_line();

 private:
  std::FILE* out_;
  bool tty_;
  bool drawn_ = false;
};

// The time left at this session's pace: the steps still to go times the mean time per step
// since construction (evaluation and checkpoints included, as they recur).
class Eta {
 public:
  Eta(std::uint64_t first_step, std::uint64_t last_step);
  double elapsed() const;  // seconds since construction
  double seconds_left(std::uint64_t step) const;

 private:
  std::uint64_t first_, last_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace xgrad::train
