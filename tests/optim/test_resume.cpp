// Stopping and resuming training through a checkpoint file: train N steps, xg::save the model's
// parameters with the optimizer's and the scheduler's state in one safetensors file, then in a
// fresh process xg::load it, rebuild everything, train M more steps, and get bit-identical
// parameters to N + M steps without a break.
//
// The fresh process is this test program again (/proc/self/exe), running only the test
// ResumeChild.TrainsTheRest with XGRAD_RESUME_DIR naming the folder of the checkpoints; run on
// its own, that test skips.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <xgrad/core/serialize.hpp>
#include <xgrad/optim/adam.hpp>
#include <xgrad/optim/adamw.hpp>
#include <xgrad/optim/lr_scheduler.hpp>
#include <xgrad/optim/one_cycle_lr.hpp>
#include <xgrad/optim/rmsprop.hpp>
#include <xgrad/optim/sgd.hpp>

#include "helpers.hpp"

namespace {

namespace fs = std::filesystem;
namespace optim = xg::optim;

constexpr int N = 8, M = 12;

// A training run: the fixture's problem, an optimizer and a scheduler, built the same way in
// both processes.
struct Training {
  Problem problem;
  std::unique_ptr<optim::Optimizer> opt;
  std::unique_ptr<optim::LRScheduler> sched;

  void steps(int n) {
    for (int i = 0; i < n; ++i) {
      problem.train_step(*opt);
      sched->step();
    }
  }
  xg::StateDict checkpoint() const {
    xg::StateDict out = {{"model.w", problem.params.at("w")}, {"model.b", problem.params.at("b")}};
    out.merge(opt->state_dict("optimizer."));
    out.merge(sched->state_dict("scheduler."));
    return out;
  }
  void restore(const xg::StateDict& checkpoint) {
    for (const char* name : {"w", "b"}) {  // values into the tensors the optimizer holds
      xg::Tensor& p = problem.params.at(name);
      p.data<double>() = checkpoint.at(std::string("model.") + name).data<double>();
    }
    opt->load_state_dict(checkpoint, "optimizer.");
    sched->load_state_dict(checkpoint, "scheduler.");
  }
};

using Setup = std::function<void(Training&)>;

const std::vector<std::pair<std::string, Setup>>& setups() {
  static const std::vector<std::pair<std::string, Setup>> all = {
      {"adam_amsgrad_one_cycle",
       [](Training& t) {
         t.opt = std::make_unique<optim::Adam>(t.problem.trained(), optim::AdamOptions{.lr = 0.05, .amsgrad = true});
         t.sched = std::make_unique<optim::OneCycleLR>(*t.opt,
                                                       optim::OneCycleLROptions{.max_lr = 0.05, .total_steps = N + M});
       }},
      {"sgd_nesterov_step",
       [](Training& t) {
         t.opt = std::make_unique<optim::SGD>(t.problem.trained(),
                                              optim::SGDOptions{.lr = 0.01, .momentum = 0.9, .nesterov = true});
         t.sched = std::make_unique<optim::StepLR>(*t.opt, optim::StepLROptions{.step_size = 5, .gamma = 0.5});
       }},
      {"rmsprop_centered_cosine",
       [](Training& t) {
         t.opt = std::make_unique<optim::RMSprop>(t.problem.trained(),
                                                  optim::RMSpropOptions{.lr = 0.01, .momentum = 0.5, .centered = true});
         t.sched = std::make_unique<optim::CosineAnnealingLR>(*t.opt, optim::CosineAnnealingLROptions{.t_max = 7});
       }},
      {"adamw_linear_warmup",
       [](Training& t) {
         t.opt = std::make_unique<optim::AdamW>(t.problem.trained(), optim::AdamWOptions{.lr = 0.05});
         t.sched =
             std::make_unique<optim::LinearLR>(*t.opt, optim::LinearLROptions{.start_factor = 0.1, .total_iters = 10});
       }},
  };
  return all;
}

// In the fresh process: finish each run from its checkpoint and save its parameters.
TEST(ResumeChild, TrainsTheRest) {
  const char* dir = std::getenv("XGRAD_RESUME_DIR");
  if (!dir) GTEST_SKIP() << "runs only as the fresh process of ResumeFromFile";
  for (const auto& [name, setup] : setups()) {
    Training t;
    setup(t);
    t.restore(xg::load(fs::path(dir) / (name + ".checkpoint.safetensors")));
    t.steps(M);
    xg::save({{"w", t.problem.params.at("w")}, {"b", t.problem.params.at("b")}},
             fs::path(dir) / (name + ".resumed.safetensors"));
  }
}

TEST(ResumeFromFile, FreshProcessContinuesBitIdentically) {
  const fs::path dir = fs::temp_directory_path() / ("xgrad_resume_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  for (const auto& [name, setup] : setups()) {
    Training first;
    setup(first);
    first.steps(N);
    xg::save(first.checkpoint(), dir / (name + ".checkpoint.safetensors"));
  }

  const std::string self = fs::read_symlink("/proc/self/exe").string();
  const std::string command = "XGRAD_RESUME_DIR='" + dir.string() + "' '" + self +
                              "' --gtest_filter=ResumeChild.TrainsTheRest > '" + (dir / "child.log").string() +
                              "' 2>&1";
  ASSERT_EQ(std::system(command.c_str()), 0) << "the fresh process failed; see " << (dir / "child.log");

  for (const auto& [name, setup] : setups()) {
    SCOPED_TRACE(name);
    Training straight;
    setup(straight);
    straight.steps(N + M);
    const xg::StateDict resumed = xg::load(dir / (name + ".resumed.safetensors"));
    for (const char* p : {"w", "b"}) EXPECT_TRUE(same_bits(resumed.at(p), straight.problem.params.at(p))) << p;
    // And the run really moved: the parameters are not where they started.
    EXPECT_FALSE(same_bits(resumed.at("w"), Problem().params.at("w")));
  }
  fs::remove_all(dir);
}

}  // namespace
