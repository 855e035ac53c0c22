#pragma once
// Data parallelism for the trainings (fashion_mnist, tiny_yolo): started by `mpirun -np N`, each
// of the N ranks computes the loss and gradients of its share of every mini-batch, and
// DistributedDataParallel (xgrad::distributed) averages the gradients during backward, so every
// rank takes the same optimizer step and the models stay bit-identical. Every rank draws the same
// batches (the same seed, the same generator), takes its rows of each, and keeps the same
// counters, so rank 0's checkpoint is every rank's; only rank 0 prints and writes files.
//
// Built without the distributed component (no MPI), or run without mpirun, it is one rank of
// world size 1 and changes nothing: the program is the single-process one, bit for bit.
//
//   cli::DataParallel dp(&argc, &argv);          // MPI from mpirun; silences stdout on ranks > 0
//   dp.wrap(model);                              // gradients averaged during backward
//   xg::Tensor mine = dp.rows(batch.inputs);     // this rank's rows of the batch
//   xg::Tensor loss = dp.weighted(loss, n);      // exact mean over the whole batch
//   trainer.finish_step(dp.global(loss, n));     // the whole batch's loss, the same on every rank
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <xgrad/core/error.hpp>
#include <xgrad/core/factory.hpp>
#include <xgrad/nn/module.hpp>
#ifdef XGRAD_EXAMPLES_DISTRIBUTED
#include <xgrad/distributed/distributed.hpp>
#endif

namespace cli {

class DataParallel {
 public:
  DataParallel(int* argc, char*** argv) {
#ifdef XGRAD_EXAMPLES_DISTRIBUTED
    // Only a program that mpirun (or another MPI launcher) started joins a job: a plain run does not
    // start MPI at all, so it pays nothing for it and leaves nothing of it behind.
    if (!launched_by_mpi()) {
      (void)argc, (void)argv;
      return;
    }
    xgrad::distributed::init(argc, argv);
    rank_ = xgrad::distributed::rank();
    world_ = xgrad::distributed::world_size();
    // Rank 0 speaks for all: the others compute the same numbers. Errors still go to stderr.
    if (rank_ > 0 && !std::freopen("/dev/null", "w", stdout))
      throw xgrad::Error("data parallel: rank " + std::to_string(rank_) + " cannot silence its stdout");
#else
    (void)argc, (void)argv;
#endif
  }

  // OpenMPI's mpirun sets OMPI_COMM_WORLD_SIZE; MPICH's, Slurm's and PMIx launchers PMI_SIZE or PMIX_RANK.
  static bool launched_by_mpi() {
    for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"})
      if (std::getenv(name)) return true;
    return false;
  }

  int rank() const { return rank_; }
  int world_size() const { return world_; }
  bool active() const { return world_ > 1; }
  bool writes() const { return rank_ == 0; }  // only rank 0 prints and writes files

  // Averages the gradients of `model`'s parameters across the ranks during each backward.
  // Checks that every rank holds the same model.
  void wrap(const std::shared_ptr<xgrad::nn::Module>& model) {
#ifdef XGRAD_EXAMPLES_DISTRIBUTED
    if (active()) ddp_ = std::make_unique<xgrad::distributed::DistributedDataParallel>(model);
#else
    (void)model;
#endif
  }

  // Rank 0's parameters and buffers on every rank: for layers whose buffers each rank updates
  // from its own share (BatchNorm's running statistics), before the ranks evaluate the model.
  void share_rank0(const xgrad::nn::Module& model) const {
#ifdef XGRAD_EXAMPLES_DISTRIBUTED
    if (active()) xgrad::distributed::broadcast_module(model);
#else
    (void)model;
#endif
  }

  // The rows [begin, end) of a batch of n that are this rank's.
  std::size_t begin(std::size_t n) const { return std::size_t(rank_) * n / world_; }
  std::size_t end(std::size_t n) const { return begin(n) + share(n); }

  // This rank's share of a batch of n rows: rows [r n / W, (r + 1) n / W).
  xgrad::Tensor rows(const xgrad::Tensor& batch) const {
    if (!active()) return batch;
    const std::size_t n = batch.size(0);
    if (n < std::size_t(world_))
      throw xgrad::Error("data parallel: a batch of " + std::to_string(n) + " rows cannot be shared by " +
                         std::to_string(world_) + " ranks; use a larger --batch-size or fewer ranks");
    return batch.slice(0, std::int64_t(begin(n)), std::int64_t(begin(n) + share(n)));
  }
  std::size_t share(std::size_t n) const { return (std::size_t(rank_) + 1) * n / world_ - begin(n); }

  // The rank's mean loss over its share, weighted so that the ranks' mean of the gradients is
  // the gradient of the mean over the whole batch of n rows (weight 1 when the shares are equal).
  xgrad::Tensor weighted(const xgrad::Tensor& loss, std::size_t n) const {
    if (!active() || n % std::size_t(world_) == 0) return loss;
    return loss * (double(share(n)) * world_ / double(n));
  }

  // The ranks' mean of a number (a loss normalized per rank): the same bits on every rank.
  xgrad::Tensor mean(const xgrad::Tensor& value) const {
    if (!active()) return value;
#ifdef XGRAD_EXAMPLES_DISTRIBUTED
    xgrad::Tensor t = xgrad::scalar(value.item());
    xgrad::distributed::all_reduce(t, xgrad::distributed::ReduceOp::Mean);
    return t;
#else
    return value;
#endif
  }

  // The whole batch's loss from each rank's mean over its share: the same bits on every rank.
  xgrad::Tensor global(const xgrad::Tensor& loss, std::size_t n) const {
    if (!active()) return loss;
#ifdef XGRAD_EXAMPLES_DISTRIBUTED
    xgrad::Tensor t = xgrad::scalar(loss.item() * double(share(n)) / double(n));
    xgrad::distributed::all_reduce(t, xgrad::distributed::ReduceOp::Sum);
    return t;
#else
    return loss;
#endif
  }

 private:
  int rank_ = 0, world_ = 1;
#ifdef XGRAD_EXAMPLES_DISTRIBUTED
  std::unique_ptr<xgrad::distributed::DistributedDataParallel> ddp_;
#endif
};

}  // namespace cli
