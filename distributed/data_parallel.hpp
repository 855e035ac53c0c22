#pragma once
// DistributedDataParallel: data-parallel training over the MPI process group, as PyTorch's DDP.
// Every rank holds the same model, computes the loss of its own share of the batch, and after
// backward every rank holds the ranks' mean gradient, so the same optimizer step keeps the
// models identical (bit for bit: the allreduce gives every rank the same bits).
//
//   xg::distributed::init(&argc, &argv);
//   xg::manual_seed(0);                          // the same initial weights on every rank
//   auto net = std::make_shared<Net>();
//   xg::distributed::DistributedDataParallel ddp(net);   // checks every rank holds the same model
//   xg::optim::SGD opt(net->parameters(), {.lr = 0.1});
//   for (...) {                                  // each rank: its own shard (data::DistributedSampler)
//     opt.zero_grad();
//     loss_fn(ddp.forward(x), y).backward();     // returns with grad() the ranks' mean
//     opt.step();
//   }
//
// How: parameters are packed, last registered first (roughly the order backward completes
// them), into buckets of at most bucket_cap_mb MiB, one dtype each. A post-accumulate-grad hook
// (core/hooks.hpp) copies each parameter's gradient into its bucket as soon as backward has
// produced it; when a bucket is full its non-blocking MPI_Iallreduce starts, while backward goes
// on through the earlier layers. Buckets start in index order on every rank (MPI needs the same
// order everywhere), and the hooks poke MPI so that started ones progress. When the last
// parameter's gradient is in, its hook waits for every bucket, divides by the world size and
// writes the mean into each grad(): as with PyTorch's DDP, backward() returns with the gradients
// averaged, and a training loop needs no change. A backward that does not reach every parameter
// leaves the last buckets waiting: call finish(), which starts them (an unreached parameter
// counts as a zero gradient) and waits; calling it when nothing is pending does nothing.
//
// With a mean loss over each rank's B/N examples, the mean gradient is the gradient of the mean
// loss over all B examples: N ranks with batch B/N train as one process with batch B.
// Accumulating gradients over several backward calls works as in one process (each backward's
// contribution is averaged; grad() holds the sum of the means).
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "xgrad/nn/module.hpp"

namespace xgrad::distributed {

struct DistributedDataParallelOptions {
  // Bucket size in MiB. 1 MiB here (PyTorch: 25): the trainings' models are 0.1–1 MB, and a
  // bucket must be smaller than the model for communication to overlap backward.
  double bucket_cap_mb = 1.0;
  // true: copy rank 0's parameters and buffers to every rank instead of requiring equal values.
  bool broadcast_parameters = false;
};

class DistributedDataParallel {
 public:
  explicit DistributedDataParallel(std::shared_ptr<nn::Module> module, DistributedDataParallelOptions options = {});
  ~DistributedDataParallel();  // waits for allreduces in flight, removes the hooks
  DistributedDataParallel(const DistributedDataParallel&) = delete;
  DistributedDataParallel& operator=(const DistributedDataParallel&) = delete;

  Tensor forward(const Tensor& x) { return module_->forward(x); }
  nn::Module& module() { return *module_; }

  // Starts the buckets a backward left waiting (it did not reach every parameter), waits for
  // every bucket's allreduce and leaves the ranks' mean gradient in each grad(). Needed only
  // after such a backward; calling it after every backward is harmless (then it does nothing).
  void finish();

  std::size_t bucket_count() const;
  // The parameters of bucket b, by dotted name, in the order they are packed.
  std::vector<std::string> bucket_parameters(std::size_t b) const;

 private:
  struct State;
  std::shared_ptr<nn::Module> module_;
  std::shared_ptr<State> state_;
};

}  // namespace xgrad::distributed
