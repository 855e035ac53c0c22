#include "xgrad/distributed/collectives.hpp"

#include <cstring>
#include <sstream>
#include <vector>

#include "xgrad/core/function.hpp"
#include "xgrad/distributed/detail/mpi.hpp"
#include "xgrad/distributed/process_group.hpp"

namespace xgrad::distributed {

namespace {
// The values' buffer, for MPI to write into in place (a write: the tensor's version moves on).
void* raw(Tensor& t) {
  switch (t.dtype()) {
    case kFloat32: return t.data<float>().data();
    case kFloat64: return t.data<double>().data();
    case kInt64: return t.data<std::int64_t>().data();
  }
  fail("distributed", "unknown dtype");
}

// FNV-1a over the bytes: order-sensitive, so a swapped pair of weights changes it.
std::uint64_t checksum(const Tensor& t) {
  std::uint64_t h = 1469598103934665603ull;
  std::visit(
      [&](const auto& a) {
        const auto* p = reinterpret_cast<const unsigned char*>(a.data());
        for (std::size_t i = 0, n = a.size() * sizeof(*a.data()); i < n; ++i) h = (h ^ p[i]) * 1099511628211ull;
      },
      t.storage());
  return h;
}

struct Entry {
  std::string kind, name, shape, dtype;
  std::uint64_t sum = 0;
};

std::vector<Entry> describe(const nn::Module& module, bool values) {
  std::vector<Entry> out;
  for (const char* kind : {"parameter", "buffer"})
    for (const auto& [name, t] : std::string(kind) == "parameter" ? module.named_parameters() : module.named_buffers())
      out.push_back({kind, name, to_string(t.shape()), dtype_name(t.dtype()), values ? checksum(t) : 0});
  return out;
}

std::string serialize(const std::vector<Entry>& entries) {
  std::ostringstream s;
  for (const auto& e : entries)
    s << e.kind << '\n' << e.name << '\n' << e.shape << '\n' << e.dtype << '\n' << e.sum << '\n';
  return s.str();
}

std::vector<Entry> deserialize(const std::string& text) {
  std::istringstream s(text);
  std::vector<Entry> out;
  Entry e;
  std::string sum;
  while (std::getline(s, e.kind) && std::getline(s, e.name) && std::getline(s, e.shape) && std::getline(s, e.dtype) &&
         std::getline(s, sum)) {
    e.sum = std::stoull(sum);
    out.push_back(e);
  }
  return out;
}

// Rank `from`'s string on every rank.
std::string broadcast_string(std::string text, int from) {
  std::uint64_t size = text.size();
  detail::check(MPI_Bcast(&size, 1, MPI_UINT64_T, from, detail::world()), "MPI_Bcast");
  text.resize(size);
  detail::check(MPI_Bcast(text.data(), int(size), MPI_CHAR, from, detail::world()), "MPI_Bcast");
  return text;
}

// Every rank passes its complaint (empty if none); if any rank has one, every rank throws the
// lowest such rank's.
void raise_first(const char* op, const std::string& complaint) {
  int mine = complaint.empty() ? world_size() : rank(), first = 0;
  detail::check(MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, detail::world()), "MPI_Allreduce");
  if (first == world_size()) return;
  fail(op, broadcast_string(complaint, first));
}

std::string first_difference(const std::vector<Entry>& ours, const std::vector<Entry>& root, bool values) {
  const int me = rank();
  std::ostringstream s;
  for (std::size_t i = 0; i < std::min(ours.size(), root.size()); ++i) {
    const Entry &a = root[i], &b = ours[i];
    if (a.kind != b.kind || a.name != b.name) {
      s << "rank " << me << " holds a different model than rank 0: entry " << i << " is " << a.kind << " '" << a.name
        << "' on rank 0 but " << b.kind << " '" << b.name << "' on rank " << me;
    } else if (a.shape != b.shape || a.dtype != b.dtype) {
      s << "rank " << me << " holds a different model than rank 0: " << a.kind << " '" << a.name << "' is " << a.shape
        << " " << a.dtype << " on rank 0 but " << b.shape << " " << b.dtype << " on rank " << me;
    } else if (values && a.sum != b.sum) {
      s << "rank " << me << " holds other values than rank 0: " << a.kind << " '" << a.name << "' differs (checksum "
        << a.sum << " on rank 0, " << b.sum << " on rank " << me
        << "); seed every rank alike (xg::manual_seed before building the model) or broadcast rank 0's values "
           "(broadcast_parameters = true, or broadcast_module)";
    }
    if (!s.str().empty()) return s.str();
  }
  if (ours.size() != root.size()) {
    auto count = [](const std::vector<Entry>& v, const char* kind) {
      std::size_t n = 0;
      for (const auto& e : v) n += e.kind == kind;
      return n;
    };
    s << "rank " << me << " holds a different model than rank 0: " << count(root, "parameter") << " parameters and "
      << count(root, "buffer") << " buffers on rank 0, " << count(ours, "parameter") << " and " << count(ours, "buffer")
      << " on rank " << me;
  }
  return s.str();
}

void check_float(const char* op, const Tensor& t) {
  if (!t.defined()) fail(op, "the tensor is undefined");
}
}  // namespace

void all_reduce(Tensor& t, ReduceOp op) {
  check_float("all_reduce", t);
  if (op == ReduceOp::Mean && t.dtype() == kInt64) fail("all_reduce", "the mean of int64 tensors is not defined");
  detail::check(
      MPI_Allreduce(MPI_IN_PLACE, raw(t), int(t.numel()), detail::mpi_type(t.dtype()), MPI_SUM, detail::world()),
      "MPI_Allreduce");
  if (op == ReduceOp::Mean) {
    if (t.dtype() == kFloat32)
      t.data<float>() /= float(world_size());
    else
      t.data<double>() /= double(world_size());
  }
}

void broadcast(Tensor& t, int root) {
  check_float("broadcast", t);
  if (root < 0 || root >= world_size()) fail("broadcast", "root ", root, " is not a rank of ", world_size());
  detail::check(MPI_Bcast(raw(t), int(t.numel()), detail::mpi_type(t.dtype()), root, detail::world()), "MPI_Bcast");
}

void broadcast_module(const nn::Module& module, int root) {
  check_same_model(module, false);
  for (Tensor t : module.parameters()) broadcast(t, root);
  for (Tensor t : module.buffers()) broadcast(t, root);
}

void check_same_model(const nn::Module& module, bool values) {
  detail::require_init("check_same_model");
  const std::vector<Entry> ours = describe(module, values);
  const std::vector<Entry> root = deserialize(broadcast_string(serialize(ours), 0));
  raise_first("check_same_model", first_difference(ours, root, values));
}

void check_same_value(const std::string& what, std::int64_t value) {
  detail::require_init("check_same_value");
  std::vector<std::int64_t> all(static_cast<std::size_t>(world_size()));
  detail::check(MPI_Allgather(&value, 1, MPI_INT64_T, all.data(), 1, MPI_INT64_T, detail::world()), "MPI_Allgather");
  for (std::size_t r = 1; r < all.size(); ++r)
    if (all[r] != all[0])
      fail("check_same_value", what, ": ", all[0], " on rank 0, ", all[r], " on rank ", r,
           "; every rank must use the same value");
}

Tensor all_reduce_sum(const Tensor& x) {
  return visit_float("all_reduce_sum", x, [&]<class T>(const xt::xarray<T>& a) {
    xt::xarray<T> sum = a;
    detail::check(MPI_Allreduce(MPI_IN_PLACE, sum.data(), int(sum.size()), detail::mpi_type(dtype_of<T>()), MPI_SUM,
                                detail::world()),
                  "MPI_Allreduce");
    // d(sum over ranks)/dx on this rank: every rank's output depends on x, so x's gradient is
    // the sum of all ranks' output gradients.
    return record<T>("all_reduce_sum", std::move(sum), {x}, [](const Backward<T>& b) {
      xt::xarray<T> g = b.grad;
      detail::check(MPI_Allreduce(MPI_IN_PLACE, g.data(), int(g.size()), detail::mpi_type(dtype_of<T>()), MPI_SUM,
                                  detail::world()),
                    "MPI_Allreduce");
      b.add(0, std::move(g));
    });
  });
}

}  // namespace xgrad::distributed
