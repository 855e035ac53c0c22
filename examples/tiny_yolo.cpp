// A tiny YOLO detector trained from scratch on synthetic shapes: circles, squares and triangles on
// noisy 64x64 images (data/shapes.hpp). The model (models/tiny_yolo.hpp) is a strided conv
// backbone and a 1x1 YOLO head on an 8x8 grid with three anchors; the YOLO loss
// (losses/yolo_loss.hpp) teaches it, Adam with a one-cycle learning rate moves it. After every
// epoch it is scored on held-out images by mAP@0.5 (VOC all-point, models/mean_ap.hpp) and the
// best epoch is kept.
//
//   tiny_yolo                                  (default: about 10 s on 2 cores, mAP@0.5 ~0.99)
//   tiny_yolo --epochs 20 --train-images 4096  (the long run: mAP@0.5 >= 0.9 on 500 images)
//   tiny_yolo --predict                        (the best checkpoint on new images)
//
// Everything goes to --out (default out/tiny_yolo):
//   metrics.csv              one row per epoch: losses, mAP, AP per class, time
//   curves.png               loss parts and validation mAP per epoch
//   val_predictions.png      validation images with predicted boxes (class colour, name, score)
//                            and true boxes (dashed black and white)
//   checkpoint.safetensors   the whole training state (models/tiny_yolo_trainer.hpp): --resume
//                            continues from it to the same bits as an uninterrupted run
//   best.safetensors         the model at the best validation mAP
//   predict.png              --predict's pictures
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>
#include <xgrad/core/blas_info.hpp>
#include <xgrad/core/factory.hpp>
#include <xgrad/core/serialize.hpp>
#include <xgrad/data/shapes.hpp>
#include <xgrad/models/tiny_yolo_trainer.hpp>
#include <xgrad/plot/plot.hpp>

#include "common/cli.hpp"
#include "common/files.hpp"
#include "common/run_flags.hpp"

extern "C" {
void openblas_set_num_threads(int);  // OpenBLAS's own; its <cblas.h> clashes with xtensor-blas
int openblas_get_num_threads(void);
}

namespace xg = xgrad;
namespace plot = xgrad::plot;
namespace xm = xgrad::models;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

const plot::Color kClassColors[] = {plot::kPalette[0], plot::kPalette[1], plot::kPalette[2]};

std::string fixed(double v, int digits) {
  char s[64];
  std::snprintf(s, sizeof s, "%.*f", digits, v);
  return s;
}

std::string duration(double seconds) {
  const long s = std::lround(seconds);
  return s >= 60 ? std::to_string(s / 60) + "m" + (s % 60 < 10 ? "0" : "") + std::to_string(s % 60) + "s"
                 : std::to_string(s) + "s";
}

xm::BatchFn batches_of(const xg::data::ShapesDataset& d) {
  return [&d](const std::vector<std::int64_t>& idx) { return xm::DetectionBatch{d.images(idx), d.targets(idx)}; };
}

// --- pictures -------------------------------------------------------------------------------

void dashed_rect(plot::Canvas& img, double x1, double y1, double x2, double y2) {
  const double xs[] = {x1, x2, x2, x1, x1}, ys[] = {y1, y1, y2, y2, y1};
  for (int e = 0; e < 4; ++e) {
    const double len = std::hypot(xs[e + 1] - xs[e], ys[e + 1] - ys[e]);
    img.line(xs[e], ys[e], xs[e + 1], ys[e + 1], plot::kBlack, 2.0);  // black under white dashes:
    for (double s = 0; s < len; s += 8) {                             // visible on any background
      const double t0 = s / len, t1 = std::min(s + 4, len) / len;
      img.line(xs[e] + (xs[e + 1] - xs[e]) * t0, ys[e] + (ys[e + 1] - ys[e]) * t0, xs[e] + (xs[e + 1] - xs[e]) * t1,
               ys[e] + (ys[e + 1] - ys[e]) * t1, plot::kWhite, 2.0);
    }
  }
}

// A grid of images, `scale` times enlarged, with true boxes dashed and detections above
// `min_score` in their class's colour, labelled with class name and score.
void draw_grid(const xg::data::ShapesDataset& data, const std::vector<std::vector<xm::Detection>>& found,
               double min_score, const std::string& title, const std::string& path) {
  const int n = static_cast<int>(found.size()), cols = std::min(n, 4), rows = (n + cols - 1) / cols;
  const int S = static_cast<int>(data.options().image_size), scale = 4, cell = S * scale, gap = 12;
  const int top = 80, width = cols * (cell + gap) + gap;
  plot::Canvas img(width, top + rows * (cell + gap) + gap);
  img.text(gap, 12, title, plot::kBlack, 2);
  int lx = gap;
  for (std::size_t c = 0; c < xg::data::kShapeNames.size(); ++c) {
    img.fill_rect(lx, 44, lx + 18, 62, kClassColors[c]);
    img.text(lx + 24, 47, xg::data::kShapeNames[c], plot::kBlack, 2);
    lx += 24 + plot::Canvas::text_width(xg::data::kShapeNames[c]) + 24;
  }
  dashed_rect(img, lx, 45, lx + 30, 61);
  img.text(lx + 38, 47, "true box   (detections with score >= " + fixed(min_score, 2) + ")", plot::kBlack, 2);

  for (int k = 0; k < n; ++k) {
    const int ox = gap + (k % cols) * (cell + gap), oy = top + (k / cols) * (cell + gap);
    const std::uint8_t* px = data.pixels(k);
    for (int y = 0; y < S; ++y)
      for (int x = 0; x < S; ++x) {
        const plot::Color c{px[(0 * S + y) * S + x], px[(1 * S + y) * S + x], px[(2 * S + y) * S + x]};
        img.fill_rect(ox + x * scale, oy + y * scale, ox + (x + 1) * scale, oy + (y + 1) * scale, c);
      }
    img.set_clip(ox, oy, ox + cell, oy + cell);
    for (const auto& o : data.objects(k))
      dashed_rect(img, ox + (o.cx - o.w / 2) * cell, oy + (o.cy - o.h / 2) * cell, ox + (o.cx + o.w / 2) * cell,
                  oy + (o.cy + o.h / 2) * cell);
    for (const xm::Detection& d : found[static_cast<std::size_t>(k)]) {
      if (d.score < min_score) continue;
      const plot::Color color = kClassColors[d.cls];
      const double x1 = ox + d.box.x1 * cell, y1 = oy + d.box.y1 * cell, x2 = ox + d.box.x2 * cell,
                   y2 = oy + d.box.y2 * cell;
      for (double t : {-1.0, 1.0}) {  // 3-pixel frame in the class colour
        img.line(x1, y1 + t, x2, y1 + t, color, 1.5);
        img.line(x1, y2 + t, x2, y2 + t, color, 1.5);
        img.line(x1 + t, y1, x1 + t, y2, color, 1.5);
        img.line(x2 + t, y1, x2 + t, y2, color, 1.5);
      }
      const std::string label = std::string(xg::data::kShapeNames[d.cls]) + " " + fixed(d.score, 2);
      const int tw = plot::Canvas::text_width(label, 1) + 6, th = plot::Canvas::text_height(1) + 4;
      const int lx0 = std::min(static_cast<int>(x1), ox + cell - tw),  // inside the picture
          ly0 = y1 - th >= oy ? static_cast<int>(y1) - th : static_cast<int>(y2);
      img.fill_rect(lx0, ly0, lx0 + tw, ly0 + th, color);
      img.text(lx0 + 3, ly0 + 2, label, plot::kWhite, 1);
    }
    img.reset_clip();
  }
  img.save_png(path);
}

struct EpochRow {
  std::int64_t epoch = 0, global_step = 0;
  double lr = 0, loss = 0, box = 0, obj = 0, noobj = 0, cls = 0, map = 0;
  std::vector<double> ap;
  double seconds = 0, elapsed = 0;
};

void draw_curves(const std::vector<EpochRow>& rows, double best_map, std::int64_t best_epoch, const std::string& path) {
  plot::Canvas img(1340, 660);
  const std::int64_t last = rows.empty() ? 0 : rows.back().epoch;  // no rows: a resumed run without metrics.csv
  const double epochs = std::max<double>(2, static_cast<double>(last));
  double lo = 1e300, hi = 0;
  for (const auto& r : rows)
    for (double v : {r.loss, r.box, r.obj, r.noobj, r.cls})
      if (v > 0) lo = std::min(lo, v), hi = std::max(hi, v);
  if (hi == 0) lo = 0.1, hi = 10;  // nothing to show: an empty frame
  const plot::Axes loss_ax{.left = 110,
                           .top = 160,
                           .width = 520,
                           .height = 400,
                           .x_min = 0,
                           .x_max = epochs,
                           .y_min = std::pow(10.0, std::floor(std::log10(lo))),
                           .y_max = std::pow(10.0, std::ceil(std::log10(hi))),
                           .log_y = true};
  const std::pair<const char*, double EpochRow::*> parts[] = {{"total", &EpochRow::loss},
                                                              {"box", &EpochRow::box},
                                                              {"obj", &EpochRow::obj},
                                                              {"noobj", &EpochRow::noobj},
                                                              {"cls", &EpochRow::cls}};
  std::vector<std::pair<std::string, plot::Color>> entries;
  for (std::size_t i = 0; i < std::size(parts); ++i) {
    std::vector<std::pair<double, double>> pts;
    for (const auto& r : rows) pts.push_back({double(r.epoch), std::max(r.*parts[i].second, loss_ax.y_min)});
    const plot::Color c = i == 0 ? plot::kBlack : plot::kPalette[i + 2];
    plot::polyline(img, loss_ax, pts, c, i == 0 ? 3 : 2);
    entries.push_back({parts[i].first, c});
  }
  loss_ax.draw_frame(img, "epoch", "loss", "training loss, epoch mean");
  plot::legend(img, loss_ax.left + loss_ax.width - 130, loss_ax.top + 10, entries);

  const plot::Axes map_ax{
      .left = 770, .top = 160, .width = 520, .height = 400, .x_min = 0, .x_max = epochs, .y_min = 0, .y_max = 1};
  std::vector<std::pair<double, double>> pts;
  for (const auto& r : rows) pts.push_back({double(r.epoch), r.map});
  img.line(map_ax.px(0), map_ax.py(0.9), map_ax.px(epochs), map_ax.py(0.9), plot::kLightGray, 2);
  plot::polyline(img, map_ax, pts, plot::kPalette[1], 3);
  for (const auto& p : pts) img.disc(map_ax.px(p.first), map_ax.py(p.second), 4, plot::kPalette[1]);
  map_ax.draw_frame(img, "epoch", "mAP@0.5", "validation mAP@0.5");
  img.text(map_ax.left + 8, int(map_ax.py(0.9)) + 6, "0.9", plot::kGray, 2);
  img.text(20, 16,
           "tiny YOLO on synthetic shapes: best mAP@0.5 " + fixed(best_map, 3) + " at epoch " +
               std::to_string(best_epoch) + " of " + std::to_string(last) +
               (rows.empty() ? " (no epochs in metrics.csv)" : ""),
           plot::kBlack, 2);
  img.save_png(path);
}

// --- metrics.csv ----------------------------------------------------------------------------

const char* kCsvHeader =
    "epoch,global_step,lr,loss,box,obj,noobj,cls,map50,ap_circle,ap_square,ap_triangle,epoch_seconds,elapsed_seconds";

std::string csv_line(const EpochRow& r) {
  std::ostringstream s;
  s.precision(9);
  s << r.epoch << ',' << r.global_step << ',' << r.lr << ',' << r.loss << ',' << r.box << ',' << r.obj << ',' << r.noobj
    << ',' << r.cls << ',' << r.map;
  for (double a : r.ap) s << ',' << a;
  s << ',' << fixed(r.seconds, 2) << ',' << fixed(r.elapsed, 2);
  return s.str();
}

// One row of metrics.csv; `where` names the file and line in errors.
EpochRow parse_row(const std::string& line, const std::string& where) {
  std::vector<double> v;
  std::stringstream s(line);
  for (std::string cell; std::getline(s, cell, ',');) {
    std::size_t used = 0;
    double x = 0;
    try {
      x = std::stod(cell, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != cell.size())
      throw std::runtime_error(where + ": column " + std::to_string(v.size() + 1) + " is not a number: '" + cell + "'");
    v.push_back(x);
  }
  if (v.size() != 14)
    throw std::runtime_error(where + ": " + std::to_string(v.size()) + " columns, expected 14: " + line);
  return {std::int64_t(v[0]),
          std::int64_t(v[1]),
          v[2],
          v[3],
          v[4],
          v[5],
          v[6],
          v[7],
          v[8],
          {v[9], v[10], v[11]},
          v[12],
          v[13]};
}

// The rows of the epochs a resumed run has already done (a run killed after writing a row but
// before its checkpoint will write that epoch again).
std::vector<EpochRow> read_rows(const fs::path& path, std::int64_t epochs_done) {
  std::vector<EpochRow> rows;
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);  // the header
  for (int number = 2; std::getline(in, line); ++number) {
    if (line.empty()) continue;
    const EpochRow row = parse_row(line, path.string() + " line " + std::to_string(number));
    if (row.epoch <= epochs_done) rows.push_back(row);
  }
  if (std::int64_t(rows.size()) < epochs_done)
    std::printf("warning: %s holds %zu of the %lld epochs done%s; the curves show only those\n", path.string().c_str(),
                rows.size(), (long long)epochs_done, fs::exists(path) ? "" : " (it is missing)");
  return rows;
}

void write_rows(const fs::path& path, const std::vector<EpochRow>& rows) {
  std::string text = std::string(kCsvHeader) + '\n';
  for (const auto& r : rows) text += csv_line(r) + '\n';
  cli::write_file(path, text);
}

// --- the program's own entries in the checkpoint, beside the trainer's -------------------------

// What this program keeps across a resume: the best epoch so far, the running loss sums of the
// current epoch (so a resumed epoch logs the same mean), the time spent, and the data's seeds
// (checked: resuming with other images would silently train on other data).
struct RunState {
  double best_map = -1;
  std::int64_t best_epoch = 0;
  double sums[5] = {0, 0, 0, 0, 0};  // total, box, obj, noobj, cls
  double elapsed_before = 0;         // seconds spent by earlier processes
};
constexpr const char* kPartNames[] = {"total", "box", "obj", "noobj", "cls"};

xg::Tensor int64_scalar(std::uint64_t v) { return xg::tensor(xt::xarray<std::int64_t>(std::int64_t(v))); }

void save_checkpoint(const xm::TinyYoloTrainer& trainer, const RunState& run, double elapsed, std::uint64_t train_seed,
                     std::uint64_t val_seed, const cli::RunFlags& identity, const fs::path& path) {
  xg::StateDict state = trainer.state_dict();
  identity.store(state);
  state["example.best_map"] = xg::tensor(run.best_map, xg::kFloat64);
  state["example.best_epoch"] = int64_scalar(std::uint64_t(run.best_epoch));
  state["example.elapsed_seconds"] = xg::tensor(elapsed, xg::kFloat64);
  state["example.train_seed"] = int64_scalar(train_seed);
  state["example.val_seed"] = int64_scalar(val_seed);
  for (int k = 0; k < 5; ++k)
    state[std::string("example.epoch_sum.") + kPartNames[k]] = xg::tensor(run.sums[k], xg::kFloat64);
  xg::save(state, path);
  std::printf("checkpoint: global step %lld written to %s\n", (long long)trainer.global_step(), path.string().c_str());
  std::fflush(stdout);  // the line promises the file is complete: a SIGKILL after it loses nothing
}

const xg::Tensor& entry(const xg::StateDict& d, const std::string& key, const fs::path& path) {
  const auto it = d.find(key);
  if (it == d.end()) throw std::runtime_error(path.string() + " has no \"" + key + "\"");
  return it->second;
}

RunState resume_from(xm::TinyYoloTrainer& trainer, std::uint64_t train_seed, std::uint64_t val_seed,
                     const cli::RunFlags& identity, const fs::path& path) {
  const xg::StateDict state = xg::load(path);
  identity.check(state, path.string());
  for (const auto& [key, mine] :
       {std::pair{"example.train_seed", train_seed}, std::pair{"example.val_seed", val_seed}}) {
    const xg::Tensor& t = entry(state, key, path);
    if (t.dtype() != xg::kInt64 || t.numel() != 1 || std::uint64_t(*t.data<std::int64_t>().begin()) != mine)
      throw std::runtime_error(path.string() + " is of another run: its " + std::string(key).substr(8) + " is " +
                               std::to_string(std::uint64_t(t.to(xg::kFloat64).item())) + ", this run's is " +
                               std::to_string(mine));
  }
  trainer.load_state_dict(state);  // checks the trainer's options the same way
  RunState run;
  run.best_map = entry(state, "example.best_map", path).item();
  run.best_epoch = std::int64_t(entry(state, "example.best_epoch", path).item());
  run.elapsed_before = entry(state, "example.elapsed_seconds", path).item();
  for (int k = 0; k < 5; ++k)
    run.sums[k] = entry(state, std::string("example.epoch_sum.") + kPartNames[k], path).item();
  return run;
}

// The model saved under "model." in a checkpoint or best.safetensors.
std::shared_ptr<xm::TinyYolo> load_model(const std::string& preset, const fs::path& path) {
  xg::StateDict state;
  for (auto& [key, t] : xg::load(path))
    if (key.rfind("model.", 0) == 0) state.emplace(key.substr(6), t);
  auto net = std::make_shared<xm::TinyYolo>(xm::TinyYoloConfig::preset(preset));
  try {
    net->load_state_dict(state);
  } catch (const xg::Error& e) {
    throw std::runtime_error(path.string() + " does not hold a '" + preset +
                             "' model (was it trained with another --preset?): " + e.what());
  }
  net->eval();
  return net;
}

std::vector<std::int64_t> first_indices(std::int64_t n) {
  std::vector<std::int64_t> v(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) v[std::size_t(i)] = i;
  return v;
}

// --- the two things the program does ----------------------------------------------------------

struct Flags {
  std::string out = "out/tiny_yolo", preset = "small", checkpoint;
  xm::TinyYoloTrainOptions train{.epochs = 10, .batch_size = 16, .lr = 3e-3, .seed = 0};
  std::int64_t train_images = 2048, val_images = 500, checkpoint_every = 0, show = 16, predict_images = 16;
  std::uint64_t train_seed = 1, val_seed = 2, predict_seed = 3;
  int threads = 0;
  bool resume = false, predict = false;
  double show_score = 0.3;
};

void predict(const Flags& f) {
  const fs::path dir(f.out), from = f.checkpoint.empty() ? dir / "best.safetensors" : fs::path(f.checkpoint);
  const auto net = load_model(f.preset, from);
  const xg::data::ShapesDataset images(f.predict_images, f.predict_seed);
  const std::vector<std::int64_t> all = first_indices(f.predict_images);
  const auto found = net->detect(images.images(all));
  const auto map = xm::mean_average_precision(found, xm::truths_from_targets(images.targets(all), f.predict_images),
                                              images.num_classes());
  const double S = double(images.options().image_size);
  for (std::size_t i = 0; i < found.size(); ++i) {
    std::printf("image %zu:", i);
    for (const auto& d : found[i])
      if (d.score >= f.show_score)
        std::printf("  %s %.2f at (%.1f, %.1f)-(%.1f, %.1f)", xg::data::kShapeNames[d.cls], d.score, d.box.x1 * S,
                    d.box.y1 * S, d.box.x2 * S, d.box.y2 * S);
    std::printf("\n");
  }
  std::printf("mAP@0.5 on these %lld images: %.3f\n", (long long)f.predict_images, map.map);
  const fs::path png = dir / "predict.png";
  draw_grid(images, found, f.show_score,
            "--predict: " + from.filename().string() + " on " + std::to_string(f.predict_images) +
                " new images (seed " + std::to_string(f.predict_seed) + "), mAP@0.5 " + fixed(map.map, 3),
            png.string());
  std::printf("wrote %s\n", fs::absolute(png).string().c_str());
}

void train(const Flags& f) {
  const fs::path dir(f.out), ckpt = dir / "checkpoint.safetensors", best_path = dir / "best.safetensors",
                             csv = dir / "metrics.csv";
  const xm::TinyYoloConfig config = xm::TinyYoloConfig::preset(f.preset);
  const auto t_data = Clock::now();
  const xg::data::ShapesDataset train(f.train_images, f.train_seed), val(f.val_images, f.val_seed);
  std::printf("data: %lld training images (seed %llu), %lld validation images (seed %llu) in %.1f s\n",
              (long long)f.train_images, (unsigned long long)f.train_seed, (long long)f.val_images,
              (unsigned long long)f.val_seed, std::chrono::duration<double>(Clock::now() - t_data).count());
  xm::TinyYoloTrainer trainer(config, f.train, f.train_images, batches_of(train));
  std::size_t params = 0;
  for (const auto& p : trainer.model().parameters()) params += p.numel();
  std::printf("model: preset %s, %zu parameters; %lld steps per epoch of %lld images; threads %d\n", f.preset.c_str(),
              params, (long long)trainer.steps_per_epoch(), (long long)f.train.batch_size, openblas_get_num_threads());

  // Beside the trainer's own run record (seed, epochs, batch size, images, lr, clipping) and the
  // data's seeds: the flags a resumed run must keep too.
  cli::RunFlags identity;
  identity.add("--preset", f.preset);
  identity.add("--val-images", std::to_string(f.val_images));
  RunState run;
  std::vector<EpochRow> rows;
  if (f.resume && fs::exists(ckpt)) {
    run = resume_from(trainer, f.train_seed, f.val_seed, identity, ckpt);
    rows = read_rows(csv, trainer.epoch());
    std::printf("resumed from %s: epoch %lld, step %lld of the epoch, global step %lld\n", ckpt.string().c_str(),
                (long long)trainer.epoch(), (long long)trainer.step_in_epoch(), (long long)trainer.global_step());
  } else if (f.resume) {
    std::printf("--resume: no %s, starting from scratch\n", ckpt.string().c_str());
  }
  write_rows(csv, rows);
  std::fflush(stdout);

  const bool tty = isatty(fileno(stdout));
  const auto t_start = Clock::now();
  auto t_epoch = t_start;
  const auto elapsed = [&] {
    return run.elapsed_before + std::chrono::duration<double>(Clock::now() - t_start).count();
  };
  while (!trainer.finished()) {
    const xm::TrainStep s = trainer.step();
    const double parts[] = {s.total, s.box, s.obj, s.noobj, s.cls};
    for (int k = 0; k < 5; ++k) run.sums[k] += parts[k];
    const std::int64_t steps = trainer.steps_per_epoch(), in_epoch = trainer.step_in_epoch();
    const std::int64_t done = in_epoch == 0 ? steps : in_epoch;
    if (tty) {  // a progress bar, redrawn in place
      const int width = 30, filled = int(width * done / steps);
      std::printf("\repoch %lld/%lld [%s%s] %lld/%lld loss %.4f ", (long long)trainer.epoch() + (in_epoch != 0),
                  (long long)f.train.epochs, std::string(filled, '#').c_str(), std::string(width - filled, '.').c_str(),
                  (long long)done, (long long)steps, run.sums[0] / double(done));
      std::fflush(stdout);
    }
    if (in_epoch != 0) {
      if (f.checkpoint_every > 0 && trainer.global_step() % f.checkpoint_every == 0) {
        if (tty) std::printf("\n");
        save_checkpoint(trainer, run, elapsed(), f.train_seed, f.val_seed, identity, ckpt);
      }
      continue;
    }

    // The epoch is over: score it, log it, keep the model if it is the best so far, save the state.
    const xm::MeanAp m = xm::evaluate_map(trainer.model(), f.val_images, batches_of(val));
    EpochRow row{.epoch = trainer.epoch(), .global_step = trainer.global_step(), .lr = s.lr, .map = m.map, .ap = m.ap};
    double* means[] = {&row.loss, &row.box, &row.obj, &row.noobj, &row.cls};
    for (int k = 0; k < 5; ++k) *means[k] = run.sums[k] / double(steps), run.sums[k] = 0;
    row.seconds = std::chrono::duration<double>(Clock::now() - t_epoch).count();
    row.elapsed = elapsed();
    rows.push_back(row);
    write_rows(csv, rows);
    const bool improved = m.map > run.best_map;
    if (improved) {
      run.best_map = m.map, run.best_epoch = trainer.epoch();
      xg::StateDict best;
      for (auto& [key, t] : trainer.model().state_dict()) best["model." + key] = t;
      best["best.map"] = xg::tensor(m.map, xg::kFloat64);
      best["best.epoch"] = int64_scalar(std::uint64_t(run.best_epoch));
      xg::save(best, best_path);
    }
    const double eta = row.elapsed / double(trainer.epoch()) * double(f.train.epochs - trainer.epoch());
    std::printf(
        "%sepoch %lld/%lld  loss %.4f (box %.4f obj %.4f noobj %.4f cls %.4f)  mAP@0.5 %.3f (circle %.3f square "
        "%.3f triangle %.3f)%s  lr %.2e  %s  ETA %s\n",
        tty ? "\r" : "", (long long)trainer.epoch(), (long long)f.train.epochs, row.loss, row.box, row.obj, row.noobj,
        row.cls, m.map, m.ap[0], m.ap[1], m.ap[2], improved ? " best" : "", s.lr, duration(row.seconds).c_str(),
        duration(eta).c_str());
    save_checkpoint(trainer, run, elapsed(), f.train_seed, f.val_seed, identity, ckpt);
    t_epoch = Clock::now();
  }

  // Pictures of the best model.
  const auto best = load_model(f.preset, best_path);
  const std::vector<std::int64_t> shown = first_indices(std::min(f.show, f.val_images));
  draw_grid(val, best->detect(val.images(shown)), f.show_score,
            "validation images, best epoch " + std::to_string(run.best_epoch) + " (mAP@0.5 " + fixed(run.best_map, 3) +
                " on " + std::to_string(f.val_images) + " images)",
            (dir / "val_predictions.png").string());
  draw_curves(rows, run.best_map, run.best_epoch, (dir / "curves.png").string());
  std::printf("best mAP@0.5 %.3f at epoch %lld; training took %s\n", run.best_map, (long long)run.best_epoch,
              duration(elapsed()).c_str());
  std::printf("outputs in %s: metrics.csv, curves.png, val_predictions.png, checkpoint.safetensors, best.safetensors\n",
              fs::absolute(dir).string().c_str());
}

}  // namespace

int main(int argc, char** argv) {
  Flags f;
  cli::Parser cli(
      "tiny_yolo",
      "Trains a tiny YOLO detector on synthetic shapes (circles, squares, triangles on noisy 64x64 images) with the "
      "YOLO loss and Adam, scores it by mAP@0.5 on held-out images after each epoch, and keeps the best epoch.\n"
      "The default run takes about 10 s on 2 cores. The long run, mAP@0.5 >= 0.90 on 500 held-out images well "
      "within 10 minutes on 2 cores (measured: 0.902 after 3 epochs and 4 s, best 0.998, all 20 epochs in 25 s):\n"
      "  tiny_yolo --epochs 20 --train-images 4096\n"
      "Outputs, all in --out: metrics.csv, curves.png, val_predictions.png, checkpoint.safetensors, "
      "best.safetensors; predict.png with --predict.");
  cli.out_dir("--out", f.out, "folder for every output (created if missing)");
  cli.choice("--preset", f.preset,
             "model: 'small' (BatchNorm + SiLU, 5 convs, the accurate one) or 'w4' (the issue-8 benchmark: 3 "
             "strided convs + SiLU, no BatchNorm)",
             {"small", "w4"});
  cli.number("--epochs", f.train.epochs, "passes over the training images", cli::between<std::int64_t>(1, 100'000));
  cli.number("--train-images", f.train_images, "training images (generated from --train-seed)",
             cli::between<std::int64_t>(1, 65'536));
  cli.number("--val-images", f.val_images, "held-out images for mAP@0.5 (from --val-seed)",
             cli::between<std::int64_t>(1, 65'536));
  cli.number("--batch-size", f.train.batch_size, "images per step (an epoch's last incomplete batch is dropped)",
             cli::between<std::int64_t>(1, 4'096));
  cli.number("--lr", f.train.lr, "peak learning rate of the one-cycle schedule (Adam)", cli::above(0.0));
  cli.number("--clip", f.train.clip_grad_norm, "clip the gradient's norm to this (0: no clipping)", cli::at_least(0.0));
  cli.number("--seed", f.train.seed, "seed of the model's initialization and the batch order");
  cli.number("--train-seed", f.train_seed, "seed of the training images");
  cli.number("--val-seed", f.val_seed, "seed of the validation images");
  cli.number("--checkpoint-every", f.checkpoint_every,
             "also write checkpoint.safetensors every N steps (0: only at the end of each epoch)",
             cli::between<std::int64_t>(0, std::int64_t(1) << 40));
  cli.flag("--resume", f.resume,
           "continue from OUT/checkpoint.safetensors, which must come from a run with the same flags (starts from "
           "scratch, saying so, if there is none)");
  cli.number("--threads", f.threads,
             "threads: OpenBLAS's count, which xgrad's one pool of workers follows to split convolutions, SiLU and "
             "large matmuls (0: OpenBLAS's default, OPENBLAS_NUM_THREADS or the core count)",
             cli::between(0, 256));
  cli.number("--show", f.show, "validation images in val_predictions.png", cli::between<std::int64_t>(1, 64));
  cli.number("--show-score", f.show_score, "draw detections with at least this score", cli::between(0.0, 1.0));
  cli.flag("--predict", f.predict,
           "no training: run a saved model (--checkpoint) on --predict-images new images from --predict-seed, print "
           "its detections and mAP@0.5, and draw OUT/predict.png");
  cli.existing_file("--checkpoint", f.checkpoint,
                    "the model --predict loads (default OUT/best.safetensors; a checkpoint.safetensors works too)");
  cli.number("--predict-images", f.predict_images, "images for --predict", cli::between<std::int64_t>(1, 64));
  cli.number("--predict-seed", f.predict_seed, "seed of --predict's images");
  if (auto exit = cli.parse(argc, argv)) return *exit;

  return cli::guarded("tiny_yolo", [&] {
    if (f.threads > 0) openblas_set_num_threads(f.threads);
    std::printf("BLAS: %s\n", xg::to_string(xg::blas_info()).c_str());
    if (const std::size_t stale = cli::remove_stale_temporaries(f.out))
      std::printf("removed %zu temporary files of killed runs from %s\n", stale, f.out.c_str());
    if (f.predict)
      predict(f);
    else
      train(f);
    return 0;
  });
}
