#pragma once
// The flags that make a training run what it is (its data, model, optimizer, ...), stored in its
// checkpoint and checked on --resume, so that a resumed run is refused, naming the flag and both
// values, rather than silently continuing onto other data or another model:
//
//   cli::RunFlags identity;
//   identity.add("--seed", std::to_string(seed));
//   identity.store(state);                        // before xg::save(state, checkpoint)
//   identity.check(xg::load(checkpoint), checkpoint.string());   // throws cli::UsageError
//
// Each flag is stored as "flags.<name>" ("flags.seed"): its text as int64 character codes, which
// any safetensors reader reads back (bytes(t.tolist()).decode() in Python). Header-only, as only
// the training programs need it and they link xgrad anyway.
#include <string>
#include <utility>
#include <vector>
#include <xgrad/core/factory.hpp>
#include <xgrad/core/state_dict.hpp>

#include "common/cli.hpp"

namespace cli {

class RunFlags {
 public:
  void add(const std::string& flag, const std::string& value) { flags_.emplace_back(flag, value); }
  void add(const std::string& flag, bool on) { add(flag, std::string(on ? "on" : "off")); }

  void store(xgrad::StateDict& dict) const {
    for (const auto& [flag, value] : flags_) {
      xt::xarray<std::int64_t> codes = xt::empty<std::int64_t>(xgrad::Shape{value.size()});
      for (std::size_t i = 0; i < value.size(); ++i) codes(i) = static_cast<unsigned char>(value[i]);
      dict[key(flag)] = xgrad::from_xarray(std::move(codes));
    }
  }

  // Every flag of this run must have the value the checkpoint's run had.
  void check(const xgrad::StateDict& dict, const std::string& checkpoint) const {
    for (const auto& [flag, value] : flags_) {
      const auto it = dict.find(key(flag));
      if (it == dict.end())
        fail(flag, value,
             "the checkpoint " + checkpoint + " does not record " + flag +
                 " (written by an older version?); start afresh without --resume, or in another --out");
      const std::string theirs = text(it->second);
      if (theirs != value)
        fail(flag, value,
             "the checkpoint " + checkpoint + " is of a run with " + flag + " " + theirs +
                 "; a resumed run keeps the flags that make the run (README: \"Resuming a training\"): give " + flag +
                 " " + theirs + ", or start afresh in another --out");
    }
  }

 private:
  static std::string key(const std::string& flag) { return "flags." + flag.substr(flag.find_first_not_of('-')); }
  static std::string text(const xgrad::Tensor& t) {
    if (t.dtype() != xgrad::kInt64 || t.dim() != 1) return "<unreadable>";
    std::string s;
    for (std::int64_t c : t.data<std::int64_t>()) {
      if (c < 0 || c > 255) return "<unreadable>";
      s.push_back(static_cast<char>(c));
    }
    return s;
  }
  std::vector<std::pair<std::string, std::string>> flags_;
};

}  // namespace cli
