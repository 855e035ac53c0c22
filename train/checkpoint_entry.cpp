#include "xgrad/train/checkpoint_entry.hpp"

#include "xgrad/core/error.hpp"

namespace xgrad::train {

const Tensor& checkpoint_entry(const char* op, const StateDict& dict, const std::string& key,
                               std::optional<Dtype> dtype) {
  const auto it = dict.find(key);
  if (it == dict.end()) fail(op, "the checkpoint has no entry '", key, "'");
  if (dtype && it->second.dtype() != *dtype)
    fail(op, "checkpoint entry '", key, "' is ", it->second.dtype(), ", expected ", *dtype);
  return it->second;
}

std::int64_t checkpoint_count(const char* op, const StateDict& dict, const std::string& key) {
  const Tensor& t = checkpoint_entry(op, dict, key, kInt64);
  if (t.numel() != 1 || t.data<std::int64_t>()(0) < 0)
    fail(op, "checkpoint entry '", key, "' must be one count >= 0, got shape ", ShapeText{t.shape()});
  return t.data<std::int64_t>()(0);
}

double checkpoint_number(const char* op, const StateDict& dict, const std::string& key) {
  const Tensor& t = checkpoint_entry(op, dict, key, kFloat64);
  if (t.numel() != 1) fail(op, "checkpoint entry '", key, "' must hold one number, got shape ", ShapeText{t.shape()});
  return t.item();
}

}  // namespace xgrad::train
