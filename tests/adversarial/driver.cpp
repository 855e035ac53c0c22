// The API half of the adversarial pass of issue 17: each case is one misuse a careless or
// hostile user can make through the library, run as `adversarial_driver CASE`. The case prints
// one line and exits:
//   0  "clean: <the xg::Error's message>"  refused with an xg::Error (or, where a result is
//                                         right, "clean: <why it is right>")
//   3  "wrong: <what came back>"           a silent wrong result
// A crash, a sanitizer report, an uncaught exception or a hang is seen by run.py from the exit
// status, the output and the time. Built in the fuzz preset (clang, ASan + UBSan), so undefined
// behaviour aborts: `cmake --build --preset fuzz --target adversarial_driver`.
// `adversarial_driver --list` prints the cases.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>
#include <xgrad/xgrad.hpp>

namespace xg = xgrad;

namespace {

struct Wrong {
  std::string what;
};

template <class... A>
[[noreturn]] void wrong(const A&... parts) {
  std::ostringstream s;
  (s << ... << parts);
  throw Wrong{s.str()};
}

std::string values(const xg::Tensor& t) {
  std::ostringstream s;
  s << "shape " << t.shape() << " [";
  const xg::Tensor d = t.to(xg::kFloat64);
  for (std::size_t i = 0; i < d.numel(); ++i) s << (i ? " " : "") << d.data<double>().data()[i];
  return s.str() + "]";
}

// A safetensors image of `entries` (name -> header JSON fragment) and `blob`.
std::string safetensors(const std::string& entries, const std::string& blob = "") {
  std::string header = "{" + entries + "}";
  header.append((8 - header.size() % 8) % 8, ' ');
  std::string out(8, '\0');
  for (int b = 0; b < 8; ++b) out[std::size_t(b)] = char((std::uint64_t(header.size()) >> (8 * b)) & 0xff);
  return out + header + blob;
}

std::vector<std::uint8_t> idx_bytes(const std::vector<std::uint32_t>& dims) {
  std::vector<std::uint8_t> b = {0, 0, 0x08, std::uint8_t(dims.size())};
  std::size_t n = 1;
  for (std::uint32_t d : dims) {
    for (int s = 24; s >= 0; s -= 8) b.push_back(std::uint8_t(d >> s));
    n *= d;
  }
  b.resize(b.size() + n, 7);
  return b;
}

xg::data::FashionMnist fashion_pair(const std::vector<std::uint32_t>& image_dims) {
  const auto images = idx_bytes(image_dims), labels = idx_bytes({image_dims[0]});
  return xg::data::fashion_mnist_from_idx(xg::data::parse_idx(images, "images"), xg::data::parse_idx(labels, "labels"),
                                          "pair");
}

// dy/dx of y = (w * x).sum() after w is edited in place between forward and backward.
xg::Tensor grad_after_edit(bool through_exp) {
  xg::Tensor w = xg::tensor({2., 3.}, xg::kFloat64).requires_grad_();
  xg::Tensor x = xg::tensor({1., 1.}, xg::kFloat64).requires_grad_();
  xg::Tensor y;
  if (through_exp) {
    xg::Tensor e = xg::exp(w);
    y = e.sum();
    xg::NoGradGuard g;
    e.data<double>() *= 10;
    y.backward();
    return w.grad();
  }
  y = (w * x).sum();
  {
    xg::NoGradGuard g;
    w.data<double>() *= 10;
  }
  y.backward();
  return x.grad();
}

// A small classifier run from a seed: its final weights.
std::vector<float> small_training(std::uint64_t seed) {
  // The documented threading model: a Generator of its own for the data, the initialization
  // (through the guard) and the batch order, so no draw touches the process-wide one.
  xg::Generator g(seed);
  xg::Tensor x = xg::randn({64, 4}, g), y = xg::randint(0, 3, {64}, g);
  std::shared_ptr<xg::models::Classifier> model;
  {
    const xg::GeneratorGuard init(g);
    model = xg::models::make_classifier("softmax", 4, 3);
  }
  xg::train::ClassifierTrainer t(model, x, y, {.optimizer = "sgd", .lr = 0.1, .batch_size = 8, .generator = &g});
  while (t.epochs_done() < 3) {
    if (t.epoch_finished())
      t.end_epoch({});
    else
      t.step();
  }
  const auto& w = model->parameters()[0].data<float>();
  return {w.begin(), w.end()};
}

const std::map<std::string, std::function<std::string()>> kCases = {
    // --- factories and shapes
    {"ragged_3d_overflow",
     [] {
       return values(xg::tensor({{{1., 2.}}, {{3.}, {4., 5.}}}));
     }},
    {"ragged_2d_short_first",
     [] {
       return values(xg::tensor({{1.}, {2., 3., 4.}}));
     }},
    {"ragged_2d_short_last",
     [] {
       return values(xg::tensor({{1., 2.}, {3.}}));
     }},
    {"zeros_2^62x4",
     [] {
       return values(xg::zeros({std::size_t(1) << 62, 4}));
     }},
    {"randint_full_int64_range",
     [] {
       const xg::Tensor t =
           xg::randint(std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max(), {4});
       return "clean: drew " + values(t) + " (every int64 is in range)";
     }},
    {"arange_0_1e30", [] { return values(xg::arange(0, 1e30)); }},
    {"arange_step_1e-300", [] { return values(xg::arange(0, 1, 1e-300)); }},
    // --- safetensors
    {"safetensors_shape_2^96_zero_size",
     [] {
       const xg::StateDict d = xg::load_bytes(safetensors(
           "\"t\":{\"dtype\":\"F32\",\"shape\":[0,4294967296,4294967296,4294967296],\"data_offsets\":[0,0]}"));
       return "loaded " + values(d.at("t"));
     }},
    {"safetensors_1M_zero_size_entries",
     [] {
       std::string entries;
       for (int i = 0; i < 1000000; ++i)
         entries +=
             (i ? ",\"" : "\"") + std::to_string(i) + "\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}";
       const xg::StateDict d = xg::load_bytes(safetensors(entries));
       return "clean: loaded " + std::to_string(d.size()) + " entries";
     }},
    // --- schedulers and optimizers
    {"onecycle_epochs_int64_max",
     [] {
       xg::Tensor p = xg::zeros({2}).requires_grad_();
       xg::optim::SGD opt({p}, {.lr = 0.1, .momentum = 0.9});
       xg::optim::OneCycleLR s(
           opt, {.max_lr = 0.1, .epochs = std::numeric_limits<std::int64_t>::max(), .steps_per_epoch = 2});
       return std::string("accepted");
     }},
    {"steplr_gamma_-1",
     [] {
       xg::Tensor p = xg::zeros({2}).requires_grad_();
       xg::optim::SGD opt({p}, {.lr = 0.1});
       xg::optim::StepLR s(opt, {.step_size = 1, .gamma = -1});
       return std::string("accepted gamma -1");
     }},
    {"steplr_gamma_nan",
     [] {
       xg::Tensor p = xg::zeros({2}).requires_grad_();
       xg::optim::SGD opt({p}, {.lr = 0.1});
       xg::optim::StepLR s(opt, {.step_size = 1, .gamma = std::nan("")});
       return std::string("accepted gamma nan");
     }},
    {"exponentiallr_to_inf",
     [] {
       xg::Tensor p = xg::zeros({2}).requires_grad_();
       xg::optim::SGD opt({p}, {.lr = 0.1});
       xg::optim::ExponentialLR s(opt, {.gamma = 10});
       try {
         for (int i = 0; i < 400; ++i) s.step();
       } catch (const xg::Error& e) {
         if (std::string(e.what()).find("ExponentialLR") == std::string::npos)
           wrong("the error comes from elsewhere: ", e.what());
         throw;
       }
       return "lr reached " + std::to_string(opt.lr(0));
     }},
    {"onecycle_max_lr_inf",
     [] {
       xg::Tensor p = xg::zeros({2}).requires_grad_();
       xg::optim::SGD opt({p}, {.lr = 0.1, .momentum = 0.9});
       xg::optim::OneCycleLR s(opt, {.max_lr = std::numeric_limits<double>::infinity(), .total_steps = 10});
       return std::string("accepted max_lr inf");
     }},
    {"sgd_lr_inf",
     [] {
       xg::Tensor p = xg::zeros({2}).requires_grad_();
       xg::optim::SGD opt({p}, {.lr = std::numeric_limits<double>::infinity()});
       return std::string("accepted lr inf");
     }},
    {"adam_eps_0",
     [] {
       xg::Tensor p = xg::zeros({2}).requires_grad_();
       xg::optim::AdamOptions o;
       o.eps = 0;
       xg::optim::Adam opt({p}, o);
       return std::string("accepted eps 0");
     }},
    // --- autograd
    {"inplace_edit_of_saved_input",
     [] {
       const xg::Tensor g = grad_after_edit(false);
       return "x.grad " + values(g) + (g.to(xg::kFloat64).data<double>()(0) == 2 ? "" : " (expected [2 3])");
     }},
    {"inplace_edit_of_exp_output",
     [] {
       const xg::Tensor g = grad_after_edit(true);
       return "w.grad " + values(g);
     }},
    {"backward_from_second_thread",
     [] {
       xg::Tensor w = xg::tensor({2., 3.}, xg::kFloat64).requires_grad_();
       xg::Tensor y = (w * w).sum();
       y.backward({}, true);
       std::thread([&] { y.backward({}, true); }).join();
       const auto& g = w.grad().data<double>();
       if (g(0) != 8 || g(1) != 12)
         wrong("w.grad after two backward passes is [", g(0), " ", g(1), "], expected [8 12]");
       return std::string("clean: w.grad [8 12] after a second backward from another thread");
     }},
    {"anomaly_guard_across_threads",
     [] {
       xg::AnomalyGuard on;
       bool seen_on = true;
       std::thread([&] { xg::AnomalyGuard off(false); }).join();
       seen_on = xg::is_anomaly_enabled();
       if (!seen_on) wrong("a guard leaving in another thread turned anomaly mode off in this one");
       return std::string("clean: anomaly mode is per thread");
     }},
    {"two_trainings_in_two_threads",
     [] {
       const std::vector<float> a = small_training(1);
       const std::vector<float> b = small_training(2);
       if (a == b) wrong("the two seeds give the same weights, so the comparison cannot fail");
       std::vector<float> pa, pb;
       std::thread ta([&] { pa = small_training(1); });
       std::thread tb([&] { pb = small_training(2); });
       ta.join();
       tb.join();
       if (pa != a || pb != b) wrong("two trainings in parallel threads differ from their serial runs");
       return std::string("clean: parallel trainings equal their serial runs");
     }},
    {"rng_state_zero_but_its_position_word",
     [] {
       std::vector<std::int64_t> words(313, 0);
       words[312] = 5;
       xg::set_rng_state(xg::tensor(words));
       return "accepted; the next draws: " + values(xg::randint(0, 1000, {4}));
     }},
    {"adam_step_count_2^63-2_from_a_checkpoint",
     [] {
       xg::Tensor p = xg::tensor({1.0, 2.0}, xg::kFloat64).requires_grad_();
       xg::optim::Adam opt({p}, {.lr = 0.01});
       for (int i = 0; i < 3; ++i) {
         opt.zero_grad();
         (p * p).sum().backward();
         opt.step();
         if (i == 0) {
           xg::StateDict sd = opt.state_dict();
           sd["state.0.step"] = xg::scalar(std::numeric_limits<std::int64_t>::max() - 1);
           opt.load_state_dict(sd);
         }
       }
       return std::string("stepped past 2^63 - 1");
     }},
    // --- readers
    {"csv_utf8_bom",
     [] {
       const auto t = xg::data::parse_csv("\xEF\xBB\xBFx,y\n1,2\n3,4\n");
       if (t.rows != 2 || t.columns.at(0) != "x") wrong(t.rows, " rows, first column '", t.columns.at(0), "'");
       return std::string("clean: the BOM is skipped, 2 rows, columns x, y");
     }},
    {"csv_value_1e400", [] { return "parsed " + std::to_string(xg::data::parse_csv("x\n1e400\n").values.at(0)); }},
    {"csv_plus_minus_2", [] { return "parsed " + std::to_string(xg::data::parse_csv("x\n+-2\n").values.at(0)); }},
    {"idx_images_10x10",
     [] {
       return "loaded " + std::to_string(fashion_pair({3, 10, 10}).images.numel());
     }},
    {"idx_images_1x784",
     [] {
       return "loaded " + std::to_string(fashion_pair({3, 1, 784}).images.numel());
     }},
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: adversarial_driver CASE | --list\n");
    return 2;
  }
  const std::string name = argv[1];
  if (name == "--list") {
    for (const auto& [n, f] : kCases) std::printf("%s\n", n.c_str());
    return 0;
  }
  const auto it = kCases.find(name);
  if (it == kCases.end()) {
    std::fprintf(stderr, "adversarial_driver: no case '%s' (--list)\n", name.c_str());
    return 2;
  }
  try {
    std::string out = it->second();
    if (out.rfind("clean: ", 0) == 0) {
      std::printf("%s\n", out.c_str());
      return 0;
    }
    std::printf("wrong: %s\n", out.c_str());
    return 3;
  } catch (const Wrong& w) {
    std::printf("wrong: %s\n", w.what.c_str());
    return 3;
  } catch (const xg::Error& e) {
    std::printf("clean: %s\n", e.what());
    return 0;
  }
  // Anything else escapes: std::terminate, which run.py counts as a crash.
}
