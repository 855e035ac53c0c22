#pragma once
// The one checkpoint of every training program (linear regression, the classifiers, tiny YOLO):
// one schema, read and written through this class, so that a file says the same things in the
// same places whichever trainer wrote it. Schema version 1:
//
//   checkpoint.version   int64 0-d: 1 (a file without it predates the schema: refused on read)
//   model.*              the model's parameters and buffers (Module::state_dict)
//   optimizer.*          the optimizer's state and options (Optimizer::state_dict)
//   scheduler.*          the learning-rate schedule's state, when there is one
//   rng                  the generator's state (Generator::get_state)
//   progress.*           where the run is: progress.global_step always; the epoch trainers add
//                        epochs_done, step_in_epoch and order (the epoch's permutation)
//   history.*            what the run has seen so far, per step or per epoch
//   run.*                the run's identity: every option that makes the run what it is, as text
//                        ("run.seed" = "0"); a resume with another value is refused naming both
//   extra.*              the program's own (the best epoch so far, running sums, times)
//   __metadata__         "environment.*": the BLAS kernels, thread count, compiler and build
//                        (train/environment.hpp); a resume elsewhere says in one line that it
//                        will not be bit-identical, and goes on
//
// Strings live in run.* as int64 character codes so that every safetensors reader reads them
// (bytes(t.tolist()).decode() in Python).
//
//   Checkpoint c;
//   c.put_model(model); c.put_optimizer(opt); c.put_rng(generator);
//   c.put_count("progress.global_step", step);
//   c.put_run("seed", "0");
//   c.write(dir / "checkpoint.safetensors");                     // atomic
//   Checkpoint back = Checkpoint::read(dir / "checkpoint.safetensors");
//   back.check_run("seed", "0");                                  // throws RunMismatch
//   back.load_model(model); back.load_optimizer(opt); ...
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "xgrad/core/error.hpp"
#include "xgrad/core/generator.hpp"
#include "xgrad/core/serialize.hpp"
#include "xgrad/core/state_dict.hpp"
#include "xgrad/nn/module.hpp"
#include "xgrad/optim/lr_scheduler.hpp"
#include "xgrad/optim/optimizer.hpp"
#include "xgrad/train/environment.hpp"

namespace xgrad::train {

// A run option whose value differs from the checkpoint's; the message names both.
class RunMismatch : public Error {
 public:
  RunMismatch(const std::string& message, std::string name, std::string ours, std::optional<std::string> theirs)
      : Error(message), name(std::move(name)), ours(std::move(ours)), theirs(std::move(theirs)) {}
  std::string name, ours;
  std::optional<std::string> theirs;  // none: the checkpoint does not record the option
};

class Checkpoint {
 public:
  static constexpr std::int64_t kVersion = 1;

  Checkpoint();  // empty, of this version
  explicit Checkpoint(StateDict entries, Metadata metadata = {}, std::string source = "<memory>");

  // Reads a file and checks its schema version: a file of before the schema (the programs of
  // before December 2026) is refused naming the file, with the way out. `source` in errors.
  static Checkpoint read(const std::filesystem::path& path);
  // Writes the entries and this process's environment; atomic (xg::save).
  void write(const std::filesystem::path& path) const;

  const StateDict& entries() const { return entries_; }
  StateDict& entries() { return entries_; }
  const Metadata& metadata() const { return metadata_; }
  const std::string& source() const { return source_; }

  // --- writing -------------------------------------------------------------------------------
  void put(const std::string& key, Tensor value) { entries_[key] = std::move(value); }
  void put_count(const std::string& key, std::int64_t value);
  void put_number(const std::string& key, double value);
  void put_model(const nn::Module& model);
  void put_optimizer(const optim::Optimizer& optimizer);
  void put_scheduler(const optim::LRScheduler& scheduler);
  void put_rng(const Generator& generator);
  void put_run(const std::string& name, const std::string& value);  // "run.<name>"

  // --- reading: each names `op` (the reader) and the key when the entry is missing or wrong ---
  bool has(const std::string& key) const { return entries_.count(key) != 0; }
  const Tensor& entry(const char* op, const std::string& key, std::optional<Dtype> dtype = std::nullopt) const;
  std::int64_t count(const char* op, const std::string& key) const;  // one int64 >= 0
  double number(const char* op, const std::string& key) const;       // one float64
  void load_model(nn::Module& model) const;                          // strict
  void load_optimizer(optim::Optimizer& optimizer) const;
  void load_scheduler(optim::LRScheduler& scheduler) const;
  void load_rng(Generator& generator) const;
  // The model's, optimizer's and (when given) scheduler's parts and the generator's state, all or
  // nothing: when one refuses its part, those loaded before it get their own state back, so a
  // refused checkpoint leaves the trainer as it was.
  void load_training(nn::Module& model, optim::Optimizer& optimizer, optim::LRScheduler* scheduler,
                     Generator& generator) const;

  // --- content checks, against the run the checkpoint claims to be -------------------------
  // Every value of the float64 entry `key` within [low, high] and finite, but that the last
  // `diverged_tail` may also be NaN or infinite (the row a diverging step recorded before it threw).
  void check_values(const char* op, const std::string& key, double low, double high,
                    std::size_t diverged_tail = 0) const;
  // Every optimizer state's step count (Adam's, RMSprop's) within [low, high] steps, and the
  // scheduler's last_epoch equal to `scheduler_epoch` when given: an optimizer that stepped
  // another number of times than the run's progress says resumes with other bias corrections.
  void check_counters(const char* op, std::int64_t low, std::int64_t high,
                      std::optional<std::int64_t> scheduler_epoch) const;
  // The run option's value as stored, or none when the checkpoint does not record it.
  std::optional<std::string> run(const std::string& name) const;
  // Throws RunMismatch ("the checkpoint X is of a run with seed 1, this run's is 0") when the
  // checkpoint's value of the option differs from `ours` or is missing.
  void check_run(const char* op, const std::string& name, const std::string& ours) const;

  // The environment the checkpoint was written in, and the one line to print on resume when it
  // differs from this process's in anything that changes results' last bits ("" otherwise).
  Environment environment() const { return environment_from(metadata_); }
  std::string environment_note() const { return reproducibility_note(environment(), current_environment()); }

 private:
  StateDict entries_;
  Metadata metadata_;
  std::string source_;
};

// The text of a run option's number: the shortest that reads back as the same double.
std::string run_text(double value);

}  // namespace xgrad::train
