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
//   checkpoint.safetensors   the whole training state (train/tiny_yolo_trainer.hpp): --resume
//                            continues from it to the same bits as an uninterrupted run
//   best.safetensors         the model at the best validation mAP
//   predict.png              --predict's pictures
//
//   tiny_yolo --export-data FILE               (no training: the training and validation images and
//                                               their targets as safetensors, for the PyTorch twin
//                                               examples/reference/tiny_yolo_torch.py)
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>
#include <xgrad/core/blas_info.hpp>
#include <xgrad/core/factory.hpp>
#include <xgrad/core/serialize.hpp>
#include <xgrad/data/shapes.hpp>
#include <xgrad/nn/clip_grad.hpp>
#include <xgrad/train/checkpoint.hpp>
#include <xgrad/train/metrics_csv.hpp>
#include <xgrad/train/progress.hpp>
#include <xgrad/train/tiny_yolo_trainer.hpp>

#include "common/cli.hpp"
#include "common/data_parallel.hpp"
#include "common/files.hpp"
#include "common/run_flags.hpp"
#include "plot/detection_figures.hpp"

extern "C" {
void openblas_set_num_threads(int);  // OpenBLAS's own; its <cblas.h> clashes with xtensor-blas
int openblas_get_num_threads(void);
}

namespace xg = xgrad;
namespace xtr = xgrad::train;
namespace xm = xgrad::models;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

std::string fixed(double v, int digits) {
  char s[64];
  std::snprintf(s, sizeof s, "%.*f", digits, v);
  return s;
}

xtr::BatchFn batches_of(const xg::data::ShapesDataset& d) {
  return [&d](const std::vector<std::int64_t>& idx) { return xtr::DetectionBatch{d.images(idx), d.targets(idx)}; };
}

// This rank's images of a batch and their target rows, renumbered from 0 (a row's first column is
// its image's position in the batch).
xtr::DetectionBatch share_of(const xtr::DetectionBatch& b, const cli::DataParallel& dp) {
  if (!dp.active()) return b;
  const std::size_t n = b.images.size(0), from = dp.begin(n), to = dp.end(n);
  const std::vector<float> rows = b.targets.to_vector<float>();
  std::vector<float> mine;
  for (std::size_t r = 0; r + 6 <= rows.size(); r += 6)
    if (rows[r] >= float(from) && rows[r] < float(to)) {
      mine.push_back(rows[r] - float(from));
      mine.insert(mine.end(), rows.begin() + std::ptrdiff_t(r) + 1, rows.begin() + std::ptrdiff_t(r) + 6);
    }
  return {dp.rows(b.images), xg::tensor(mine, {mine.size() / 6, 6})};
}

// --- metrics.csv: one row per epoch (train/metrics_csv.hpp) -------------------------------------

xtr::MetricsCsv metrics_table() {
  using F = xtr::MetricsCsv::Format;
  return xtr::MetricsCsv({{"epoch", F::Integer},
                          {"global_step", F::Integer},
                          {"lr"},
                          {"loss"},
                          {"box"},
                          {"obj"},
                          {"noobj"},
                          {"cls"},
                          {"map50"},
                          {"ap_circle"},
                          {"ap_square"},
                          {"ap_triangle"},
                          {"epoch_seconds", F::Fixed, 2},
                          {"elapsed_seconds", F::Fixed, 2}});
}

// The curves' points: epoch, loss parts and mAP of each row.
std::vector<plot::DetectionEpoch> curve_points(const xtr::MetricsCsv& csv) {
  std::vector<plot::DetectionEpoch> out;
  for (const auto& r : csv.rows()) out.push_back({r[0], r[3], r[4], r[5], r[6], r[7], r[8]});
  return out;
}

// --- the program's own entries in the checkpoint, beside the trainer's -------------------------

// What this program keeps across a resume, under the checkpoint's "extra." entries: the best
// epoch so far, the running loss sums of the current epoch (so a resumed epoch logs the same
// mean) and the time spent. The data's seeds are part of the run's identity ("run.").
struct RunState {
  double best_map = -1;
  std::int64_t best_epoch = 0;
  double sums[5] = {0, 0, 0, 0, 0};  // total, box, obj, noobj, cls
  double elapsed_before = 0;         // seconds spent by earlier processes
};
constexpr const char* kPartNames[] = {"total", "box", "obj", "noobj", "cls"};

void save_checkpoint(const xtr::TinyYoloTrainer& trainer, const RunState& run, double elapsed,
                     const cli::RunFlags& identity, const fs::path& path) {
  xtr::Checkpoint state(trainer.state_dict());
  identity.store(state);
  state.put_number("extra.best_map", run.best_map);
  state.put_count("extra.best_epoch", run.best_epoch);
  state.put_number("extra.elapsed_seconds", elapsed);
  for (int k = 0; k < 5; ++k) state.put_number(std::string("extra.epoch_sum.") + kPartNames[k], run.sums[k]);
  state.write(path);
  std::printf("checkpoint: global step %lld written to %s\n", (long long)trainer.global_step(), path.string().c_str());
  std::fflush(stdout);  // the line promises the file is complete: a SIGKILL after it loses nothing
}

RunState resume_from(xtr::TinyYoloTrainer& trainer, const cli::RunFlags& identity, const fs::path& path) {
  const xtr::Checkpoint state = xtr::Checkpoint::read(path);
  identity.check(state);
  trainer.load_state_dict(state.entries());  // checks the trainer's options the same way
  const char* op = "tiny_yolo";
  RunState run;
  run.best_map = state.number(op, "extra.best_map");
  run.best_epoch = state.count(op, "extra.best_epoch");
  run.elapsed_before = state.number(op, "extra.elapsed_seconds");
  for (int k = 0; k < 5; ++k) run.sums[k] = state.number(op, std::string("extra.epoch_sum.") + kPartNames[k]);
  if (const std::string note = state.environment_note(); !note.empty()) std::printf("%s\n", note.c_str());
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

// --- the program's flags ---------------------------------------------------------------------

struct Flags {
  std::string out = "out/tiny_yolo", preset = "small", checkpoint, export_data;
  xtr::TinyYoloTrainOptions train{.epochs = 10, .batch_size = 16, .lr = 3e-3, .seed = 0};
  std::int64_t train_images = 2048, val_images = 500, checkpoint_every = 0, show = 16, predict_images = 16;
  std::uint64_t train_seed = 1, val_seed = 2, predict_seed = 3;
  int threads = 0;
  bool resume = false, predict = false;
  double show_score = 0.3;
};

// --- --export-data: the datasets as safetensors, for a PyTorch twin to train on the same images ----

// The tensors of a safetensors file: an 8-byte little-endian header length, the JSON header
// (dtype, shape and byte range of each tensor, then __metadata__), the raw bytes. xg::save has no
// 8-bit dtype; the pixels stay bytes here (the images are k / 255 of them, as ShapesDataset::images).
struct RawTensor {
  std::string name, dtype;  // "U8" or "F32"
  std::vector<std::int64_t> shape;
  std::string bytes;
};

std::string safetensors_bytes(const std::vector<RawTensor>& tensors,
                              const std::vector<std::pair<std::string, std::string>>& metadata) {
  std::ostringstream header;
  header << "{";
  std::size_t offset = 0;
  for (const RawTensor& t : tensors) {
    header << "\"" << t.name << "\":{\"dtype\":\"" << t.dtype << "\",\"shape\":[";
    for (std::size_t i = 0; i < t.shape.size(); ++i) header << (i ? "," : "") << t.shape[i];
    header << "],\"data_offsets\":[" << offset << "," << offset + t.bytes.size() << "]},";
    offset += t.bytes.size();
  }
  header << "\"__metadata__\":{";
  for (std::size_t i = 0; i < metadata.size(); ++i)
    header << (i ? "," : "") << "\"" << metadata[i].first << "\":\"" << metadata[i].second << "\"";
  header << "}}";
  std::string h = header.str();
  h.append((8 - h.size() % 8) % 8, ' ');  // the data starts 8-byte aligned
  std::string out(8, '\0');
  for (int k = 0; k < 8; ++k) out[std::size_t(k)] = char((std::uint64_t(h.size()) >> (8 * k)) & 0xff);
  out += h;
  for (const RawTensor& t : tensors) out += t.bytes;
  return out;
}

// One dataset as PREFIX.pixels, U8 (N, 3, S, S), and PREFIX.targets, F32 (T, 6) rows (image
// index in the dataset, class, cx, cy, w, h): the float32 values ShapesDataset::targets gives.
void add_dataset(std::vector<RawTensor>& out, const std::string& prefix, const xg::data::ShapesDataset& d) {
  const std::int64_t n = d.size(), S = d.options().image_size;
  const std::size_t bytes = std::size_t(3 * S * S);
  RawTensor pixels{prefix + ".pixels", "U8", {n, 3, S, S}, {}};
  pixels.bytes.assign(reinterpret_cast<const char*>(d.pixels(0)), bytes * std::size_t(n));
  std::vector<float> rows;
  for (std::int64_t i = 0; i < n; ++i)
    for (const xg::data::ShapesObject& o : d.objects(i))
      rows.insert(rows.end(), {float(i), float(o.cls), float(o.cx), float(o.cy), float(o.w), float(o.h)});
  RawTensor targets{prefix + ".targets", "F32", {std::int64_t(rows.size() / 6), 6}, {}};
  targets.bytes.assign(reinterpret_cast<const char*>(rows.data()), rows.size() * sizeof(float));  // little-endian
  out.push_back(std::move(pixels));
  out.push_back(std::move(targets));
}

void export_data(const Flags& f) {
  const xg::data::ShapesDataset train(f.train_images, f.train_seed), val(f.val_images, f.val_seed);
  std::vector<RawTensor> tensors;
  add_dataset(tensors, "train", train);
  add_dataset(tensors, "val", val);
  // The first images of the training set as xgrad trains on them (ShapesDataset::images and
  // ::targets), for the reader to check its own conversion against, to the bit.
  const std::vector<std::int64_t> few = first_indices(std::min<std::int64_t>(4, f.train_images));
  for (const auto& [name, t] :
       {std::pair{"check.train_images", train.images(few)}, std::pair{"check.train_targets", train.targets(few)}}) {
    const std::vector<float> v = t.to_vector<float>();
    RawTensor r{name, "F32", {}, std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float))};
    for (const std::size_t d : t.shape()) r.shape.push_back(std::int64_t(d));
    tensors.push_back(std::move(r));
  }
  cli::write_file(f.export_data,
                  safetensors_bytes(tensors, {{"train_seed", std::to_string(f.train_seed)},
                                              {"val_seed", std::to_string(f.val_seed)},
                                              {"image_size", std::to_string(train.options().image_size)}}));
  std::printf("wrote %lld training images (seed %llu) and %lld validation images (seed %llu) to %s\n",
              (long long)f.train_images, (unsigned long long)f.train_seed, (long long)f.val_images,
              (unsigned long long)f.val_seed, fs::absolute(f.export_data).string().c_str());
}

// --- the two things the program does ----------------------------------------------------------

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
  plot::draw_detections(images, found, f.show_score,
                        "--predict: " + from.filename().string() + " on " + std::to_string(f.predict_images) +
                            " new images (seed " + std::to_string(f.predict_seed) + "), mAP@0.5 " + fixed(map.map, 3),
                        png.string());
  std::printf("wrote %s\n", fs::absolute(png).string().c_str());
}

// The bookkeeping around the loop: resuming (with metrics.csv so far), the progress bar, the
// epochs' evaluation, metrics.csv and best.safetensors, the checkpoints, and the final pictures.
class Report {
 public:
  Report(const Flags& f, xtr::TinyYoloTrainer& trainer, const xg::data::ShapesDataset& val, const cli::DataParallel& dp)
      : f_(f),
        t_(trainer),
        val_(val),
        dp_(dp),
        dir_(f.out),
        ckpt_(dir_ / "checkpoint.safetensors"),
        csv_(metrics_table()) {
    std::size_t params = 0;
    for (const auto& p : trainer.model().parameters()) params += p.numel();
    std::printf("model: preset %s, %zu parameters; %lld steps per epoch of %lld images; threads %d\n", f.preset.c_str(),
                params, (long long)trainer.steps_per_epoch(), (long long)f.train.batch_size,
                openblas_get_num_threads());
    // Beside the trainer's own run record (seed, epochs, batch size, images, lr, clipping): the
    // flags a resumed run must keep too.
    identity_.add("--preset", f.preset);
    identity_.add("--val-images", std::to_string(f.val_images));
    identity_.add("--train-seed", std::to_string(f.train_seed));
    identity_.add("--val-seed", std::to_string(f.val_seed));
    identity_.add("mpirun -np", std::to_string(dp.world_size()), "world_size");
    if (f.resume && fs::exists(ckpt_)) {
      run_ = resume_from(trainer, identity_, ckpt_);
      const std::size_t kept = csv_.read(dir_ / "metrics.csv", double(trainer.epoch()));
      if (std::int64_t(kept) < trainer.epoch())
        std::printf("warning: %s holds %zu of the %lld epochs done%s; the curves show only those\n",
                    (dir_ / "metrics.csv").string().c_str(), kept, (long long)trainer.epoch(),
                    fs::exists(dir_ / "metrics.csv") ? "" : " (it is missing)");
      std::printf("resumed from %s: epoch %lld, step %lld of the epoch, global step %lld\n", ckpt_.string().c_str(),
                  (long long)trainer.epoch(), (long long)trainer.step_in_epoch(), (long long)trainer.global_step());
    } else if (f.resume) {
      std::printf("--resume: no %s, starting from scratch\n", ckpt_.string().c_str());
    }
    if (dp.writes()) csv_.write(dir_ / "metrics.csv");
    std::fflush(stdout);
    eta_.emplace(std::uint64_t(trainer.global_step()), std::uint64_t(trainer.total_steps()));
    t_epoch_ = Clock::now();
  }

  void step(const xtr::TrainStep& s) {
    const double parts[] = {s.total, s.box, s.obj, s.noobj, s.cls};
    for (int k = 0; k < 5; ++k) run_.sums[k] += parts[k];
    const std::int64_t steps = t_.steps_per_epoch(), in_epoch = t_.step_in_epoch();
    const std::int64_t done = in_epoch == 0 ? steps : in_epoch;
    if (dp_.writes())
      bar_.update("epoch " + std::to_string(t_.epoch() + (in_epoch != 0)) + "/" + std::to_string(f_.train.epochs) + " ",
                  std::size_t(done), std::size_t(steps), "loss " + fixed(run_.sums[0] / double(done), 4));
    if (in_epoch != 0) {
      if (f_.checkpoint_every > 0 && t_.global_step() % f_.checkpoint_every == 0 && dp_.writes()) {
        bar_.break_line();
        save_checkpoint(t_, run_, elapsed(), identity_, ckpt_);
      }
      return;
    }
    dp_.share_rank0(t_.model());  // BatchNorm's running statistics: rank 0's (README: on several processes)
    end_epoch(s, std::chrono::duration<double>(Clock::now() - t_epoch_).count());
    std::printf("  ETA %s\n", xtr::duration_text(eta_->seconds_left(std::uint64_t(t_.global_step()))).c_str());
    if (dp_.writes()) save_checkpoint(t_, run_, elapsed(), identity_, ckpt_);
    t_epoch_ = Clock::now();
  }

  // Pictures of the best model.
  void finish() const {
    if (!dp_.writes()) return;
    const auto best = load_model(f_.preset, dir_ / "best.safetensors");
    const std::vector<std::int64_t> shown = first_indices(std::min(f_.show, f_.val_images));
    plot::draw_detections(val_, best->detect(val_.images(shown)), f_.show_score,
                          "validation images, best epoch " + std::to_string(run_.best_epoch) + " (mAP@0.5 " +
                              fixed(run_.best_map, 3) + " on " + std::to_string(f_.val_images) + " images)",
                          (dir_ / "val_predictions.png").string());
    plot::draw_detection_curves(curve_points(csv_), run_.best_map, run_.best_epoch, (dir_ / "curves.png").string());
    std::printf("best mAP@0.5 %.3f at epoch %lld; training took %s\n", run_.best_map, (long long)run_.best_epoch,
                xtr::duration_text(elapsed()).c_str());
    std::printf(
        "outputs in %s: metrics.csv, curves.png, val_predictions.png, checkpoint.safetensors, best.safetensors\n",
        fs::absolute(dir_).string().c_str());
  }

 private:
  double elapsed() const { return run_.elapsed_before + eta_->elapsed(); }

  // An epoch is over: score it on the validation images, log it, keep the model if it is the
  // best so far.
  void end_epoch(const xtr::TrainStep& last, double seconds) {
    const xm::MeanAp m = xtr::evaluate_map(t_.model(), std::int64_t(val_.size()), batches_of(val_));
    double means[5];
    for (int k = 0; k < 5; ++k) means[k] = run_.sums[k] / double(t_.steps_per_epoch()), run_.sums[k] = 0;
    csv_.add({double(t_.epoch()), double(t_.global_step()), last.lr, means[0], means[1], means[2], means[3], means[4],
              m.map, m.ap[0], m.ap[1], m.ap[2], seconds, elapsed()});
    if (dp_.writes()) csv_.write(dir_ / "metrics.csv");
    const bool improved = m.map > run_.best_map;
    if (improved) run_.best_map = m.map, run_.best_epoch = t_.epoch();
    if (improved && dp_.writes()) {
      xg::StateDict best;
      for (auto& [key, t] : t_.model().state_dict()) best["model." + key] = t;
      best["best.map"] = xg::scalar(m.map);
      best["best.epoch"] = xg::scalar(run_.best_epoch);
      xg::save(best, dir_ / "best.safetensors");
    }
    std::printf(
        "epoch %lld/%lld  loss %.4f (box %.4f obj %.4f noobj %.4f cls %.4f)  mAP@0.5 %.3f (circle %.3f square %.3f "
        "triangle %.3f)%s  lr %.2e  %s",
        (long long)t_.epoch(), (long long)t_.options().epochs, means[0], means[1], means[2], means[3], means[4], m.map,
        m.ap[0], m.ap[1], m.ap[2], improved ? " best" : "", last.lr, xtr::duration_text(seconds).c_str());
  }

  const Flags& f_;
  xtr::TinyYoloTrainer& t_;
  const xg::data::ShapesDataset& val_;
  const cli::DataParallel& dp_;
  fs::path dir_, ckpt_;
  cli::RunFlags identity_;
  RunState run_;
  xtr::MetricsCsv csv_;
  xtr::ProgressBar bar_{stdout};
  std::optional<xtr::Eta> eta_;
  Clock::time_point t_epoch_;
};

void declare(cli::Parser& cli, Flags& f) {
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
  cli.text("--export-data", f.export_data,
           "no training: write the --train-images (from --train-seed) and --val-images (from --val-seed) images and "
           "their targets to this safetensors file and stop: train.pixels and val.pixels U8 (N, 3, S, S), the images "
           "being pixels / 255; train.targets and val.targets F32 (T, 6) rows (image index, class, cx, cy, w, h); "
           "check.train_images and check.train_targets, the first 4 training images and their targets as xgrad "
           "trains on them (F32), for a reader to check against. What examples/reference/tiny_yolo_torch.py "
           "trains on");
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
  declare(cli, f);
  if (auto exit = cli.parse(argc, argv)) return *exit;
  cli::DataParallel dp(&argc, &argv);  // N ranks under mpirun -np N (README: "On several processes")

  return cli::guarded("tiny_yolo", [&] {
    if (f.threads > 0) openblas_set_num_threads(f.threads);
    std::printf("BLAS: %s\n", xg::to_string(xg::blas_info()).c_str());
    if (const std::size_t stale = dp.writes() ? cli::remove_stale_temporaries(f.out) : 0)
      std::printf("removed %zu temporary files of killed runs from %s\n", stale, f.out.c_str());
    if (f.predict) return predict(f), 0;
    if (!f.export_data.empty()) return export_data(f), 0;

    // The data: noisy 64x64 images of circles, squares and triangles, each with its boxes.
    const auto t_data = Clock::now();
    const xg::data::ShapesDataset train(f.train_images, f.train_seed), val(f.val_images, f.val_seed);
    std::printf("data: %lld training images (seed %llu), %lld validation images (seed %llu) in %.1f s\n",
                (long long)f.train_images, (unsigned long long)f.train_seed, (long long)f.val_images,
                (unsigned long long)f.val_seed, std::chrono::duration<double>(Clock::now() - t_data).count());
    // The model, its YOLO loss, Adam and the one-cycle schedule, built by the trainer, which also
    // draws the batches and keeps the counts a checkpoint holds (train/tiny_yolo_trainer.hpp).
    xtr::TinyYoloTrainer trainer(xm::TinyYoloConfig::preset(f.preset), f.train, f.train_images, batches_of(train));
    xm::TinyYolo& model = trainer.model();
    const xg::losses::YoloLoss& yolo_loss = trainer.loss();  // the model's own loss configuration
    xg::optim::Optimizer& optimizer = trainer.optimizer();   // Adam
    xg::optim::LRScheduler& schedule = trainer.scheduler();  // one cycle over every step of every epoch
    Report report(f, trainer, val, dp);                      // --resume, metrics.csv, checkpoints
    // Under mpirun: the ranks' gradients averaged during backward (the model is the trainer's).
    dp.wrap(std::shared_ptr<xg::nn::Module>(std::shared_ptr<void>(), &model));
    if (dp.active())
      std::printf("data parallel: %d ranks, each on its share of every batch of %lld\n", dp.world_size(),
                  (long long)f.train.batch_size);

    while (!trainer.finished()) {
      const xtr::DetectionBatch batch = share_of(trainer.next_batch(), dp);  // this rank's images of it
      optimizer.zero_grad();
      const xg::losses::YoloLossParts loss = yolo_loss({model.forward(batch.images)}, batch.targets);
      // The parts (the ranks' means) and the rate; a loss that is not finite stops here.
      const xtr::TrainStep s = trainer.record(
          {dp.mean(loss.total), dp.mean(loss.box), dp.mean(loss.obj), dp.mean(loss.noobj), dp.mean(loss.cls)});
      loss.total.backward();
      if (f.train.clip_grad_norm > 0) xg::nn::utils::clip_grad_norm_(model.parameters(), f.train.clip_grad_norm);
      optimizer.step();
      schedule.step();
      trainer.finish_step();
      report.step(s);  // the bar; at an epoch's end the validation mAP, metrics.csv and a checkpoint
    }
    report.finish();
    return 0;
  });
}
