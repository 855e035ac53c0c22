// The threading model (README "Threads"): grad mode and anomaly mode are per thread, backward
// works from any thread, and Generators make concurrent trainings reproducible. Run under TSan
// with the tsan preset.
#include <gtest/gtest.h>

#include <cstring>
#include <thread>
#include <vector>
#include <xgrad/xgrad.hpp>

namespace xg = xgrad;

namespace {

std::vector<double> values(const xg::Tensor& t) {
  const xg::Tensor d = t.to(xg::kFloat64);
  return {d.data<double>().begin(), d.data<double>().end()};
}

// A small training run that draws every random number from its own generator: the data, the
// weights' initialization, the dropout masks and the epoch orders. Returns the final weights.
std::vector<double> train(std::uint64_t seed) {
  xg::Generator gen(seed);
  const xg::Tensor x = xg::randn({96, 8}, gen, xg::kFloat64);
  const xg::Tensor y = xg::sum(x * xg::randn({1, 8}, gen, xg::kFloat64), {1}, true) + 0.1;
  xg::nn::Sequential net = [&] {
    const xg::GeneratorGuard init(gen);  // the layers' own initialization draws from gen
    return xg::nn::Sequential{std::make_shared<xg::nn::Linear>(8, 16), std::make_shared<xg::nn::ReLU>(),
                              std::make_shared<xg::nn::Dropout>(0.2, &gen), std::make_shared<xg::nn::Linear>(16, 1)};
  }();
  net.to(xg::kFloat64);
  xg::data::Batches batches(x, y, 16, true, &gen);
  xg::optim::SGD sgd(net.parameters(), {.lr = 0.05, .momentum = 0.9});
  for (int epoch = 0; epoch < 3; ++epoch)
    for (batches.start_epoch(); batches.has_next();) {
      const xg::data::Batch b = batches.next();
      sgd.zero_grad();
      xg::losses::mse_loss(net.forward(b.inputs), b.targets).backward();
      sgd.step();
    }
  std::vector<double> out;
  for (const xg::Tensor& p : net.parameters()) {
    const std::vector<double> v = values(p);
    out.insert(out.end(), v.begin(), v.end());
  }
  return out;
}

bool bit_identical(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

}  // namespace

TEST(Threads, TwoTrainingsWithTheirOwnGeneratorsMatchTheirSerialRuns) {
  const std::vector<double> serial1 = train(1), serial2 = train(2);
  ASSERT_FALSE(bit_identical(serial1, serial2));  // the seeds matter, so the comparison can fail
  for (int round = 0; round < 3; ++round) {
    std::vector<double> threaded1, threaded2;
    std::thread a([&] { threaded1 = train(1); });
    std::thread b([&] { threaded2 = train(2); });
    a.join();
    b.join();
    EXPECT_TRUE(bit_identical(threaded1, serial1)) << "round " << round;
    EXPECT_TRUE(bit_identical(threaded2, serial2)) << "round " << round;
  }
}

TEST(Threads, AGeneratorGuardIsTheDefaultGeneratorOfItsThreadOnly) {
  xg::Generator outer(3), inner(4), reference(3);
  xg::manual_seed(11);
  const xg::Tensor process_state = xg::get_rng_state();
  {
    const xg::GeneratorGuard a(outer);
    EXPECT_EQ(&xg::default_generator(), &outer);
    EXPECT_EQ(values(xg::rand({4}, xg::kFloat64)), values(xg::rand({4}, reference, xg::kFloat64)));
    {
      const xg::GeneratorGuard b(inner);
      xg::manual_seed(5);  // seeds inner
      EXPECT_EQ(&xg::default_generator(), &inner);
    }
    EXPECT_EQ(&xg::default_generator(), &outer);  // restored
    // Another thread meanwhile draws from the process-wide generator.
    xg::Generator* seen = nullptr;
    std::thread t([&] { seen = &xg::default_generator(); });
    t.join();
    EXPECT_NE(seen, &outer);
    // A layer built under the guard draws its weights from it.
    xg::Generator again(7), copy(7);
    xg::Tensor w1, w2;
    {
      const xg::GeneratorGuard c(again);
      w1 = xg::nn::Linear(3, 2).weight;
    }
    {
      const xg::GeneratorGuard c(copy);
      w2 = xg::nn::Linear(3, 2).weight;
    }
    EXPECT_EQ(values(w1), values(w2));
  }
  EXPECT_EQ(values(xg::get_rng_state()), values(process_state));  // nothing above drew from it
  xg::Generator seeded(5);
  EXPECT_EQ(values(xg::rand({3}, inner, xg::kFloat64)), values(xg::rand({3}, seeded, xg::kFloat64)));
}

TEST(Threads, GeneratorsAreIndependentOfTheDefaultOne) {
  xg::Generator a(7), b(7);
  xg::manual_seed(7);
  const std::vector<double> from_a = values(xg::rand({5}, a, xg::kFloat64));
  (void)xg::rand({3}, xg::kFloat64);  // the default generator moving does not move a or b
  EXPECT_EQ(values(xg::rand({5}, b, xg::kFloat64)), from_a);
  xg::manual_seed(7);
  EXPECT_EQ(values(xg::rand({5}, xg::kFloat64)), from_a);  // same engine, same numbers
  const xg::Tensor state = a.get_state();
  const std::vector<double> next = values(xg::randn({4}, a, xg::kFloat64));
  a.set_state(state);
  EXPECT_EQ(values(xg::randn({4}, a, xg::kFloat64)), next);
  EXPECT_NE(values(xg::randperm(10, a)), values(xg::randperm(10, a)));
}

TEST(Threads, TheDefaultGeneratorSharedByThreadsGivesEachNumberOnce) {
  // Two threads drawing from the default generator at once take its numbers in some order, but
  // never the same number twice and never a torn state (TSan checks the locking).
  xg::manual_seed(3);
  const std::vector<double> all = values(xg::rand({2000}, xg::kFloat64));
  xg::manual_seed(3);
  std::vector<double> first, second;
  std::thread a([&] {
    for (int i = 0; i < 10; ++i) {
      const std::vector<double> v = values(xg::rand({100}, xg::kFloat64));
      first.insert(first.end(), v.begin(), v.end());
    }
  });
  std::thread b([&] {
    for (int i = 0; i < 10; ++i) {
      const std::vector<double> v = values(xg::rand({100}, xg::kFloat64));
      second.insert(second.end(), v.begin(), v.end());
    }
  });
  a.join();
  b.join();
  std::vector<double> drawn = first;
  drawn.insert(drawn.end(), second.begin(), second.end());
  std::sort(drawn.begin(), drawn.end());
  std::vector<double> expected = all;
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(drawn, expected);
}

TEST(Threads, BackwardFromAnotherThreadOnARetainedGraph) {
  const xg::Tensor w = xg::tensor({2.0, 3.0}, xg::kFloat64).requires_grad_();
  const xg::Tensor x = xg::tensor({1.0, 4.0}, xg::kFloat64);
  const xg::Tensor y = xg::sum(xg::exp(w) * x);
  // Each pass in a fresh thread: a per-thread pass counter would number both passes 1, and the
  // second would take every node for visited and leave the gradient as the first left it.
  std::thread first_pass([&] { y.backward({}, /*retain_graph=*/true); });
  first_pass.join();
  const std::vector<double> first = values(w.grad());
  EXPECT_NEAR(first[0], std::exp(2.0), 1e-12);
  std::thread other([&] { y.backward({}, /*retain_graph=*/true); });
  other.join();
  ASSERT_TRUE(w.grad().defined());
  const std::vector<double> twice = values(w.grad());  // accumulated: the second pass ran every node
  EXPECT_DOUBLE_EQ(twice[0], 2 * first[0]);
  EXPECT_DOUBLE_EQ(twice[1], 2 * first[1]);
}

TEST(Threads, GradModeIsPerThread) {
  const xg::Tensor w = xg::ones({2}, xg::kFloat64).requires_grad_();
  xg::NoGradGuard no_grad;
  EXPECT_FALSE((w * 2.0).requires_grad());
  bool other_records = false;
  std::thread t([&] { other_records = (w * 2.0).requires_grad(); });
  t.join();
  EXPECT_TRUE(other_records);
}

TEST(Threads, AnomalyModeIsPerThread) {
  bool seen_in_other = true, other_guard_leaked = true;
  {
    xg::AnomalyGuard on;
    std::thread t([&] { seen_in_other = xg::is_anomaly_enabled(); });
    t.join();
    EXPECT_TRUE(xg::is_anomaly_enabled());
  }
  EXPECT_FALSE(seen_in_other);
  std::thread t([] { xg::AnomalyGuard on; });
  t.join();
  std::thread u([&] {
    xg::AnomalyGuard on;
    std::this_thread::yield();
    other_guard_leaked = false;
  });
  // A guard in another thread makes this thread's log(0) neither throw nor stop being checked.
  EXPECT_FALSE(xg::is_anomaly_enabled());
  EXPECT_NO_THROW((void)xg::log(xg::zeros({1}, xg::kFloat64)));
  u.join();
  EXPECT_FALSE(other_guard_leaked);
}
