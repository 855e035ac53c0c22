#include "xgrad/distributed/data_parallel.hpp"

#include <algorithm>
#include <cstring>
#include <variant>

#include "xgrad/core/factory.hpp"
#include "xgrad/core/hooks.hpp"
#include "xgrad/distributed/collectives.hpp"
#include "xgrad/distributed/detail/mpi.hpp"
#include "xgrad/distributed/process_group.hpp"

namespace xgrad::distributed {

struct DistributedDataParallel::State {
  struct Param {
    std::string name;
    Tensor tensor;
    std::size_t bucket = 0, offset = 0;  // where its gradient sits in its bucket
    bool ready = false;                  // its gradient of this backward is in the bucket
  };
  struct Bucket {
    Dtype dtype = kFloat32;
    std::vector<std::size_t> params;
    std::variant<std::vector<float>, std::vector<double>> values;
    std::size_t numel = 0, ready = 0;
    MPI_Request request = MPI_REQUEST_NULL;
    bool started = false;
  };
  std::vector<Param> params;
  std::vector<Bucket> buckets;
  std::size_t next_to_start = 0;  // buckets start in index order on every rank
  bool any_ready = false;
  std::vector<HookHandle> hooks;

  void* data(Bucket& b) {
    return std::visit([](auto& v) -> void* { return v.data(); }, b.values);
  }

  void start(Bucket& b) {
    detail::check(MPI_Iallreduce(MPI_IN_PLACE, data(b), int(b.numel), detail::mpi_type(b.dtype), MPI_SUM,
                                 detail::gradients(), &b.request),
                  "MPI_Iallreduce");
    b.started = true;
  }

  // MPI moves non-blocking collectives along only inside MPI calls: test the ones in flight.
  void progress() {
    for (std::size_t i = 0; i < next_to_start; ++i)
      if (buckets[i].request != MPI_REQUEST_NULL) {
        int done = 0;
        detail::check(MPI_Test(&buckets[i].request, &done, MPI_STATUS_IGNORE), "MPI_Test");
      }
  }

  void start_ready_buckets() {
    while (next_to_start < buckets.size() && buckets[next_to_start].ready == buckets[next_to_start].params.size())
      start(buckets[next_to_start++]);
  }

  void copy_in(std::size_t i, const Tensor& grad) {
    Param& p = params[i];
    Bucket& b = buckets[p.bucket];
    std::visit(
        [&](auto& v) {
          using T = typename std::decay_t<decltype(v)>::value_type;
          T* dst = v.data() + p.offset;
          const std::size_t n = p.tensor.numel();
          if (grad.defined())
            std::memcpy(dst, grad.data<T>().data(), n * sizeof(T));
          else
            std::fill(dst, dst + n, T(0));
        },
        b.values);
  }

  void on_gradient(std::size_t i) {
    Param& p = params[i];
    if (p.ready)
      fail("DistributedDataParallel", "parameter '", p.name,
           "' got a second gradient before the last one was averaged: this backward did not reach every "
           "parameter, so call ddp.finish() after it");
    copy_in(i, p.tensor.grad());
    p.ready = true;
    any_ready = true;
    ++buckets[p.bucket].ready;
    start_ready_buckets();
    if (next_to_start == buckets.size())
      finish();  // every parameter's gradient is in: wait here, so backward() returns the mean
    else
      progress();
  }

  void finish() {
    if (!any_ready) return;
    for (std::size_t b = next_to_start; b < buckets.size(); ++b)
      for (std::size_t i : buckets[b].params)
        if (!params[i].ready) copy_in(i, Tensor());  // not reached by this backward: zeros
    while (next_to_start < buckets.size()) start(buckets[next_to_start++]);
    std::vector<MPI_Request> requests;
    for (auto& b : buckets) requests.push_back(b.request);
    detail::check(MPI_Waitall(int(requests.size()), requests.data(), MPI_STATUSES_IGNORE), "MPI_Waitall");
    const double world = double(world_size());
    for (auto& b : buckets) {
      b.request = MPI_REQUEST_NULL;
      std::visit(
          [&](auto& v) {
            using T = typename std::decay_t<decltype(v)>::value_type;
            for (T& x : v) x /= T(world);
            for (std::size_t i : b.params) {
              Param& p = params[i];
              Tensor grad = p.tensor.grad();
              if (!grad.defined()) {
                grad = zeros(p.tensor.shape(), p.tensor.dtype());
                p.tensor.set_grad(grad);
              }
              std::memcpy(grad.data<T>().data(), v.data() + p.offset, p.tensor.numel() * sizeof(T));
            }
          },
          b.values);
      b.ready = 0;
      b.started = false;
    }
    for (auto& p : params) p.ready = false;
    next_to_start = 0;
    any_ready = false;
  }
};

DistributedDataParallel::DistributedDataParallel(std::shared_ptr<nn::Module> module,
                                                 DistributedDataParallelOptions options)
    : module_(std::move(module)), state_(std::make_shared<State>()) {
  if (!module_) fail("DistributedDataParallel", "the module is null");
  if (!(options.bucket_cap_mb > 0))
    fail("DistributedDataParallel", "bucket_cap_mb must be positive, got ", options.bucket_cap_mb);
  detail::require_init("DistributedDataParallel");
  if (options.broadcast_parameters)
    broadcast_module(*module_);  // checks the structure first
  else
    check_same_model(*module_, true);

  const auto named = module_->named_parameters();
  const std::size_t cap = std::size_t(options.bucket_cap_mb * 1024 * 1024);
  State& s = *state_;
  std::vector<std::size_t> open(2, SIZE_MAX);  // the bucket being filled, per float dtype
  for (std::size_t k = named.size(); k-- > 0;) {
    const auto& [name, t] = named[k];
    if (!t.requires_grad()) continue;
    if (t.dtype() == kInt64) fail("DistributedDataParallel", "parameter '", name, "' is int64");
    const std::size_t bytes = t.numel() * (t.dtype() == kFloat32 ? 4 : 8), d = t.dtype() == kFloat32 ? 0 : 1;
    if (open[d] == SIZE_MAX || (s.buckets[open[d]].numel * (d ? 8 : 4) + bytes > cap && s.buckets[open[d]].numel > 0)) {
      s.buckets.emplace_back();
      s.buckets.back().dtype = t.dtype();
      open[d] = s.buckets.size() - 1;
    }
    State::Bucket& b = s.buckets[open[d]];
    s.params.push_back({name, t, open[d], b.numel, false});
    b.params.push_back(s.params.size() - 1);
    b.numel += t.numel();
  }
  for (auto& b : s.buckets) {
    if (b.dtype == kFloat32)
      b.values = std::vector<float>(b.numel);
    else
      b.values = std::vector<double>(b.numel);
  }
  // The hooks hold the state weakly: the parameters outlive this wrapper in many programs.
  std::weak_ptr<State> weak = state_;
  for (std::size_t i = 0; i < s.params.size(); ++i)
    s.hooks.push_back(s.params[i].tensor.register_post_accumulate_grad_hook([weak, i](const Tensor&) {
      if (auto st = weak.lock()) st->on_gradient(i);
    }));
}

DistributedDataParallel::~DistributedDataParallel() {
  for (auto& h : state_->hooks) h.remove();
  // Requests in flight reference the buckets' memory: let them complete before it is freed.
  for (auto& b : state_->buckets)
    if (b.request != MPI_REQUEST_NULL) MPI_Wait(&b.request, MPI_STATUS_IGNORE);
}

void DistributedDataParallel::finish() { state_->finish(); }

std::size_t DistributedDataParallel::bucket_count() const { return state_->buckets.size(); }

std::vector<std::string> DistributedDataParallel::bucket_parameters(std::size_t b) const {
  if (b >= state_->buckets.size())
    fail("DistributedDataParallel::bucket_parameters", "bucket ", b, " of ", state_->buckets.size());
  std::vector<std::string> names;
  for (std::size_t i : state_->buckets[b].params) names.push_back(state_->params[i].name);
  return names;
}

}  // namespace xgrad::distributed
