// playground_reference same_numbers.json: runs the file's scenes natively and prints their numbers
// as JSON, in the order same_numbers.mjs computes them with the wasm module's JS API. Both walk
// the file the same way: each scene is made, then stepped `chunks` times by `steps`, recording
// after each chunk.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "scenes.hpp"

using nlohmann::json;

namespace {

playground::ClassifierOptions classifier_options(const json& j) {
  playground::ClassifierOptions o;
  o.dataset = j.value("dataset", o.dataset);
  o.n = j.value("n", o.n);
  o.noise = j.value("noise", o.noise);
  o.seed = j.value("seed", o.seed);
  o.width = j.value("width", o.width);
  o.depth = j.value("depth", o.depth);
  o.activation = j.value("activation", o.activation);
  o.loss = j.value("loss", o.loss);
  o.optimizer = j.value("optimizer", o.optimizer);
  o.lr = j.value("lr", o.lr);
  return o;
}

}  // namespace

int main(int argc, char** argv) try {
  if (argc != 2) {
    std::fprintf(stderr, "usage: playground_reference same_numbers.json\n");
    return 2;
  }
  std::ifstream in(argv[1]);
  if (!in) {
    std::fprintf(stderr, "playground_reference: cannot open %s\n", argv[1]);
    return 1;
  }
  const json scenes = json::parse(in);
  json out = json::object();
  for (const json& s : scenes.at("classifier")) {
    playground::Classifier c(classifier_options(s.at("options")));
    std::vector<double> v;
    for (int i = 0; i < s.at("chunks").get<int>(); ++i) {
      const playground::StepResult r = c.step(s.at("steps"));
      v.insert(v.end(), {r.loss, r.accuracy});
    }
    const std::vector<double> g = c.grid(5, 4, -1.5, 2.5, -1, 1.5);
    v.insert(v.end(), g.begin(), g.end());
    out["classifier"].push_back(v);
  }
  for (const json& s : scenes.at("descent")) {
    playground::Descent d(s.at("fn"), s.at("optimizer"), s.at("lr"), s.at("x0"), s.at("y0"));
    if (s.contains("k")) d.set_conditioning(s.at("k"));
    std::vector<double> v;
    for (int i = 0; i < s.at("chunks").get<int>(); ++i) {
      const auto path = d.step(s.at("steps"));
      v.insert(v.end(), {path.back().x, path.back().y, path.back().loss});
    }
    const std::vector<double> g = d.grid(4, 3, -2, 2, -1, 1);
    v.insert(v.end(), g.begin(), g.end());
    out["descent"].push_back(v);
  }
  for (const json& s : scenes.at("linefit")) {
    playground::LineFit f(s.at("loss"), s.at("optimizer"), s.at("lr"));
    f.set_points(s.at("xs"), s.at("ys"));
    std::vector<double> v;
    for (int i = 0; i < s.at("chunks").get<int>(); ++i) v.insert(v.end(), {f.step(s.at("steps")), f.w(), f.b()});
    const playground::XY line = f.closed_form();
    v.insert(v.end(), {line.x, line.y});
    out["linefit"].push_back(v);
  }
  std::cout << out.dump() << "\n";

  // The time per 100 steps of the timing classifier (stderr, so that stdout stays the JSON).
  const json& timing = scenes.at("timing");
  std::vector<double> wall, cpu;
  for (int i = 0; i < timing.at("repeat").get<int>(); ++i) {
    playground::Classifier c(classifier_options(timing.at("options")));
    const auto t0 = std::chrono::steady_clock::now();
    const std::clock_t c0 = std::clock();
    c.step(timing.at("steps"));
    cpu.push_back(1000.0 * double(std::clock() - c0) / CLOCKS_PER_SEC);
    wall.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(wall.begin(), wall.end());
  std::sort(cpu.begin(), cpu.end());
  std::fprintf(stderr,
               "playground_reference: %.2f ms wall, %.2f ms CPU per %d classifier steps natively (median of %zu)\n",
               wall[wall.size() / 2], cpu[cpu.size() / 2], timing.at("steps").get<int>(), wall.size());
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "playground_reference: %s\n", e.what());
  return 1;
}
