#include "xgrad/train/checkpoint.hpp"

#include <charconv>
#include <cmath>

#include "xgrad/core/factory.hpp"

namespace xgrad::train {

namespace {

constexpr const char* kVersionKey = "checkpoint.version";

StateDict under(const StateDict& dict, const std::string& prefix) {
  StateDict out;
  for (const auto& [key, value] : dict)
    if (key.compare(0, prefix.size(), prefix) == 0) out.emplace(key.substr(prefix.size()), value);
  return out;
}

Tensor text_tensor(const std::string& value) {
  xt::xarray<std::int64_t> codes = xt::empty<std::int64_t>(Shape{value.size()});
  for (std::size_t i = 0; i < value.size(); ++i) codes(i) = static_cast<unsigned char>(value[i]);
  return from_xarray(std::move(codes));
}

std::optional<std::string> tensor_text(const Tensor& t) {
  if (t.dtype() != kInt64 || t.dim() != 1) return std::nullopt;
  std::string s;
  for (std::int64_t c : t.data<std::int64_t>()) {
    if (c < 0 || c > 255) return std::nullopt;
    s.push_back(static_cast<char>(c));
  }
  return s;
}

}  // namespace

std::string run_text(double value) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, value);
  return std::string(buf, r.ptr);
}

Checkpoint::Checkpoint() : source_("<memory>") { put_count(kVersionKey, kVersion); }

Checkpoint::Checkpoint(StateDict entries, Metadata metadata, std::string source)
    : entries_(std::move(entries)), metadata_(std::move(metadata)), source_(std::move(source)) {}

Checkpoint Checkpoint::read(const std::filesystem::path& path) {
  Metadata metadata;
  StateDict entries = load(path, metadata);
  Checkpoint c(std::move(entries), std::move(metadata), path.string());
  const auto it = c.entries_.find(kVersionKey);
  if (it == c.entries_.end())
    fail("Checkpoint::read", path.string(),
         " has no 'checkpoint.version': it was written before xgrad's shared checkpoint schema and cannot be "
         "resumed; start afresh (without --resume, or in another --out), or convert it with "
         "scripts/migrate_checkpoint.py (README: \"Resuming a training\")");
  const std::int64_t version = c.count("Checkpoint::read", kVersionKey);
  if (version != kVersion)
    fail("Checkpoint::read", path.string(), " is of checkpoint schema version ", version, "; this xgrad reads version ",
         kVersion);
  return c;
}

void Checkpoint::write(const std::filesystem::path& path) const {
  Metadata metadata;
  store(current_environment(), metadata);
  save(entries_, path, metadata);
}

void Checkpoint::put_count(const std::string& key, std::int64_t value) { entries_[key] = scalar(value); }
void Checkpoint::put_number(const std::string& key, double value) { entries_[key] = scalar(value); }

void Checkpoint::put_model(const nn::Module& model) { entries_.merge(model.state_dict("model.")); }
void Checkpoint::put_optimizer(const optim::Optimizer& optimizer) {
  entries_.merge(optimizer.state_dict("optimizer."));
}
void Checkpoint::put_scheduler(const optim::LRScheduler& scheduler) {
  entries_.merge(scheduler.state_dict("scheduler."));
}
void Checkpoint::put_rng(const Generator& generator) { entries_["rng"] = generator.get_state(); }
void Checkpoint::put_run(const std::string& name, const std::string& value) {
  entries_["run." + name] = text_tensor(value);
}

const Tensor& Checkpoint::entry(const char* op, const std::string& key, std::optional<Dtype> dtype) const {
  const auto it = entries_.find(key);
  if (it == entries_.end()) fail(op, "the checkpoint has no entry '", key, "'");
  if (dtype && it->second.dtype() != *dtype)
    fail(op, "checkpoint entry '", key, "' is ", it->second.dtype(), ", expected ", *dtype);
  return it->second;
}

std::int64_t Checkpoint::count(const char* op, const std::string& key) const {
  const Tensor& t = entry(op, key, kInt64);
  if (t.numel() != 1 || t.data<std::int64_t>()(0) < 0)
    fail(op, "checkpoint entry '", key, "' must be one count >= 0, got shape ", ShapeText{t.shape()});
  return t.data<std::int64_t>()(0);
}

double Checkpoint::number(const char* op, const std::string& key) const {
  const Tensor& t = entry(op, key, kFloat64);
  if (t.numel() != 1) fail(op, "checkpoint entry '", key, "' must hold one number, got shape ", ShapeText{t.shape()});
  return t.item();
}

void Checkpoint::load_model(nn::Module& model) const { model.load_state_dict(under(entries_, "model.")); }
void Checkpoint::load_optimizer(optim::Optimizer& optimizer) const {
  optimizer.load_state_dict(entries_, "optimizer.");
}
void Checkpoint::load_scheduler(optim::LRScheduler& scheduler) const {
  scheduler.load_state_dict(entries_, "scheduler.");
}
void Checkpoint::load_rng(Generator& generator) const {
  generator.set_state(entry("Checkpoint::load_rng", "rng", kInt64));
}

void Checkpoint::load_training(nn::Module& model, optim::Optimizer& optimizer, optim::LRScheduler* scheduler,
                               Generator& generator) const {
  // Both state_dict()s are copies, so they are what to put back.
  const StateDict model_before = model.state_dict(), optimizer_before = optimizer.state_dict();
  const StateDict scheduler_before = scheduler ? scheduler->state_dict() : StateDict{};
  const Tensor rng_before = generator.get_state();
  try {
    load_model(model);
    load_optimizer(optimizer);
    if (scheduler) load_scheduler(*scheduler);
    load_rng(generator);
  } catch (...) {
    // In reverse order: the scheduler's state then the optimizer's own rates.
    generator.set_state(rng_before);
    if (scheduler) scheduler->load_state_dict(scheduler_before);
    optimizer.load_state_dict(optimizer_before);
    model.load_state_dict(model_before);
    throw;
  }
}

void Checkpoint::check_values(const char* op, const std::string& key, double low, double high,
                              std::size_t diverged_tail) const {
  const Tensor& t = entry(op, key, kFloat64);
  const auto& values = t.data<double>();
  const std::size_t n = t.numel();
  for (std::size_t i = 0; i < n; ++i) {
    const double v = values.data()[i];
    if (std::isfinite(v) && v >= low && v <= high) continue;
    if (i + diverged_tail >= n && !std::isfinite(v)) continue;
    fail(op, "checkpoint entry '", key, "' holds ", v, " at index ", i, "; its values must be finite and in [", low,
         ", ", high, "]");
  }
}

void Checkpoint::check_counters(const char* op, std::int64_t low, std::int64_t high,
                                std::optional<std::int64_t> scheduler_epoch) const {
  const std::string prefix = "optimizer.state.", suffix = ".step";
  for (auto it = entries_.lower_bound(prefix); it != entries_.end() && it->first.starts_with(prefix); ++it) {
    if (!it->first.ends_with(suffix)) continue;
    const std::int64_t steps = count(op, it->first);
    if (steps < low || steps > high)
      fail(op, "checkpoint entry '", it->first, "' says ", steps, " optimizer steps, but the run's progress says ",
           low == high ? std::to_string(low) : std::to_string(low) + " or " + std::to_string(high));
  }
  if (!scheduler_epoch) return;
  const Tensor& last = entry(op, "scheduler.last_epoch", kInt64);
  if (last.numel() != 1 || last.data<std::int64_t>()(0) != *scheduler_epoch)
    fail(op, "checkpoint entry 'scheduler.last_epoch' is ", last.numel() == 1 ? last.data<std::int64_t>()(0) : -1,
         " but the run's progress says ", *scheduler_epoch);
}

std::optional<std::string> Checkpoint::run(const std::string& name) const {
  const auto it = entries_.find("run." + name);
  if (it == entries_.end()) return std::nullopt;
  if (auto text = tensor_text(it->second)) return text;
  return std::string("<unreadable>");
}

void Checkpoint::check_run(const char* op, const std::string& name, const std::string& ours) const {
  const std::optional<std::string> theirs = run(name);
  // A checkpoint read from a file is named by it; one handed over in memory is "the checkpoint".
  const std::string what = source_ == "<memory>" ? "the checkpoint" : "the checkpoint " + source_;
  if (!theirs)
    throw RunMismatch(std::string(op) + ": " + what + " does not record the run's " + name, name, ours, std::nullopt);
  if (*theirs != ours)
    throw RunMismatch(std::string(op) + ": " + what + " is of another run: its " + name + " is " + *theirs +
                          ", this run's is " + ours,
                      name, ours, theirs);
}

}  // namespace xgrad::train
