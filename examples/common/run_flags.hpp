#pragma once
// The flags that make a training run what it is (its data, model, optimizer, ...), stored in its
// checkpoint's "run." entries (train/checkpoint.hpp) and checked on --resume, so that a resumed
// run is refused, naming the flag and both values, rather than silently continuing onto other
// data or another model:
//
//   cli::RunFlags identity;
//   identity.add("--seed", std::to_string(seed));
//   identity.store(checkpoint);                     // before checkpoint.write(path)
//   identity.check(xtr::Checkpoint::read(path));    // throws cli::UsageError
//
// "--seed" is stored as "run.seed". Header-only, as only the training programs need it.
#include <string>
#include <vector>
#include <xgrad/train/checkpoint.hpp>

#include "common/cli.hpp"

namespace cli {

class RunFlags {
 public:
  void add(const std::string& flag, const std::string& value) { flags_.push_back({flag, value, name(flag)}); }
  void add(const std::string& flag, bool on) { add(flag, std::string(on ? "on" : "off")); }
  // Under another key than the flag's name ("mpirun -np" as "run.world_size").
  void add(const std::string& flag, const std::string& value, const std::string& key) {
    flags_.push_back({flag, value, key});
  }

  void store(xgrad::train::Checkpoint& checkpoint) const {
    for (const auto& [flag, value, key] : flags_) checkpoint.put_run(key, value);
  }

  // Every flag of this run must have the value the checkpoint's run had.
  void check(const xgrad::train::Checkpoint& checkpoint) const {
    const std::string& source = checkpoint.source();
    for (const auto& [flag, value, key] : flags_) {
      const std::optional<std::string> theirs = checkpoint.run(key);
      if (!theirs)
        fail(flag, value,
             "the checkpoint " + source + " does not record " + flag +
                 "; start afresh without --resume, or in another --out");
      if (*theirs != value)
        fail(flag, value,
             "the checkpoint " + source + " is of a run with " + flag + " " + *theirs +
                 "; a resumed run keeps the flags that make the run (README: \"Resuming a training\"): give " + flag +
                 " " + *theirs + ", or start afresh in another --out");
    }
  }

 private:
  static std::string name(const std::string& flag) { return flag.substr(flag.find_first_not_of('-')); }
  struct Flag {
    std::string flag, value, key;
  };
  std::vector<Flag> flags_;
};

}  // namespace cli
