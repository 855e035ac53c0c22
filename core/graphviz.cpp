#include "xgrad/core/graphviz.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <unordered_map>

#include "xgrad/core/autograd.hpp"

extern char** environ;

namespace xgrad {

namespace {

// One number: fixed with `precision` decimals (micrograd's %.4f), or 1.2345e-07 where fixed
// would print only zeros or too many digits.
std::string format_value(double v, int precision) {
  char buf[64];
  const double a = std::fabs(v);
  if (!std::isfinite(v))
    std::snprintf(buf, sizeof buf, "%s", std::isnan(v) ? "nan" : (v > 0 ? "inf" : "-inf"));
  else if (v == 0 || (a >= std::pow(10.0, -std::max(precision - 1, 0)) && a < 1e6))
    std::snprintf(buf, sizeof buf, "%.*f", precision, v);
  else
    std::snprintf(buf, sizeof buf, "%.*e", std::max(precision - 1, 0), v);
  return buf;
}

template <class T>
std::string format_element(T v, int precision) {
  if constexpr (std::is_integral_v<T>)
    return std::to_string(v);
  else
    return format_value(double(v), precision);
}

// The values of a small array: "0.7071", "[1.0000, 2.0000]", or one line per row of a matrix
// ("[[1, 2]\n [3, 4]]"); a large one as min / mean / max.
std::string format_values(const Storage& s, std::size_t max_values, int precision) {
  return std::visit(
      [&](const auto& a) -> std::string {
        using T = typename std::decay_t<decltype(a)>::value_type;
        const std::size_t n = a.size();
        std::string out;
        if (n == 0) return "[]";
        if (n > max_values) {
          double lo = double(*a.begin()), hi = lo, sum = 0;
          for (const T& v : a) lo = std::min(lo, double(v)), hi = std::max(hi, double(v)), sum += double(v);
          return "min " + format_value(lo, precision) + "  mean " + format_value(sum / double(n), precision) +
                 "  max " + format_value(hi, precision);
        }
        if (a.dimension() == 0) return format_element(*a.begin(), precision);
        const std::size_t row = a.dimension() == 2 ? a.shape()[1] : n;  // a matrix: a line per row
        out = a.dimension() == 2 ? "[[" : "[";
        std::size_t i = 0;
        for (const T& v : a) {
          if (i > 0) out += (row && i % row == 0) ? "]\n [" : ", ";
          out += format_element(v, precision);
          ++i;
        }
        out += a.dimension() == 2 ? "]]" : "]";
        return out;
      },
      s);
}

// Escapes a field of a Graphviz record label: braces, bars, angle brackets, quotes, backslashes;
// a newline becomes a centred line break.
std::string record_field(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    if (std::strchr("{}|<>\"\\", c)) out += '\\';
    out += c;
  }
  return out;
}

std::string shape_and_dtype(const TensorImpl& t) {
  return std::visit(
      [](const auto& a) {
        using T = typename std::decay_t<decltype(a)>::value_type;
        return to_string(Shape(a.shape().begin(), a.shape().end())) + " " + dtype_name(dtype_of<T>());
      },
      t.data);
}

}  // namespace

GraphCapture::GraphCapture(const Tensor& root, bool retain_grads) {
  if (!root.defined()) fail("GraphCapture", "the tensor is undefined");
  std::unordered_map<const TensorImpl*, std::size_t> index;
  std::vector<std::size_t> stack;  // iterative: deep graphs must not overflow the stack
  auto add = [&](const std::shared_ptr<TensorImpl>& t) {
    auto [it, added] = index.emplace(t.get(), nodes_.size());
    if (added) {
      nodes_.push_back({t, t->grad_fn ? t->grad_fn->name() : "", {}});
      stack.push_back(it->second);
    }
    return it->second;
  };
  add(detail::TensorAccess::impl(root));
  while (!stack.empty()) {
    const std::size_t i = stack.back();
    stack.pop_back();
    const Node* node = nodes_[i].tensor->grad_fn.get();
    if (!node) continue;
    // Every recorded op has an input that requires grad; none left means backward() freed them.
    if (node->inputs().empty())
      fail("to_dot", "the graph through op '", node->name(),
           "' was already freed by backward(); make an xg::GraphCapture of the tensor before backward() "
           "(it keeps what the picture needs), or call backward(gradient, /*retain_graph=*/true)");
    if (retain_grads && nodes_[i].tensor->requires_grad) nodes_[i].tensor->retains_grad = true;
    std::vector<std::size_t> inputs;
    for (const Tensor& in : node->inputs()) inputs.push_back(add(detail::TensorAccess::impl(in)));
    nodes_[i].inputs = std::move(inputs);
  }
}

std::string GraphCapture::to_dot(const DotOptions& options) const {
  std::unordered_map<const TensorImpl*, std::pair<std::string, bool>> names;  // name, is a parameter
  for (const auto& [name, t] : options.names)
    if (t.defined()) names[detail::TensorAccess::impl(t).get()] = {name, false};
  for (const auto& [name, t] : options.parameters)
    if (t.defined()) names[detail::TensorAccess::impl(t).get()] = {name, true};

  std::ostringstream dot;
  dot << "digraph xgrad {\n  rankdir=" << options.rankdir << ";\n"
      << "  node [fontname=\"DejaVu Sans Mono\", fontsize=11];\n  edge [arrowsize=0.7];\n";
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    const TensorImpl& t = *nodes_[i].tensor;
    const auto named = names.find(&t);
    std::string label = "{ ";
    if (named != names.end()) label += record_field(named->second.first) + " | ";
    label += record_field(shape_and_dtype(t)) + " | data " +
             record_field(format_values(t.data, options.max_values, options.precision));
    if (t.grad) label += " | grad " + record_field(format_values(t.grad->data, options.max_values, options.precision));
    label += " }";
    const bool leaf = nodes_[i].op.empty();
    const char* fill = i == 0                                                            ? kDotLossColor
                       : !leaf                                                           ? "white"
                       : (named != names.end() ? named->second.second : t.requires_grad) ? kDotParameterColor
                                                                                         : kDotInputColor;
    dot << "  t" << i << " [shape=record, style=filled, fillcolor=\"" << fill << "\", label=\"" << label << "\"];\n";
    if (leaf) continue;
    dot << "  op" << i << " [shape=oval, fontname=\"DejaVu Sans\", label=\"" << record_field(nodes_[i].op)
        << "\"];\n  op" << i << " -> t" << i << ";\n";
    for (std::size_t in : nodes_[i].inputs) dot << "  t" << in << " -> op" << i << ";\n";
  }
  dot << "}\n";
  return dot.str();
}

void GraphCapture::render(const std::string& path, const DotOptions& options) const {
  render_dot(to_dot(options), path);
}

std::string to_dot(const Tensor& t, const DotOptions& options) {
  return GraphCapture(t, /*retain_grads=*/false).to_dot(options);
}

void render_dot(const std::string& dot, const std::string& path, const std::string& program) {
  const std::size_t period = path.rfind('.');
  const std::string ext = period == std::string::npos ? "" : path.substr(period + 1);
  if (ext != "png" && ext != "svg" && ext != "pdf")
    fail("render_dot", path, ": the extension must be .png, .svg or .pdf, which sets the format");
  static std::atomic<unsigned> counter{0};
  const std::string tmp = path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
  const std::string dot_file = tmp + ".dot", err_file = tmp + ".err";
  auto cleanup = [&] {
    std::remove(dot_file.c_str());
    std::remove(err_file.c_str());
    std::remove(tmp.c_str());
  };
  {
    std::ofstream f(dot_file, std::ios::binary);
    f << dot;
    f.close();
    if (!f) {
      cleanup();
      fail("render_dot", "cannot write ", path, ": cannot create a temporary file next to it (", std::strerror(errno),
           ")");
    }
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 2, err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  const std::string format = "-T" + ext, output = "-o" + tmp;
  std::vector<char*> argv = {const_cast<char*>(program.c_str()), const_cast<char*>(format.c_str()),
                             const_cast<char*>(output.c_str()), const_cast<char*>(dot_file.c_str()), nullptr};
  pid_t pid = 0;
  const int spawned = posix_spawnp(&pid, program.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    cleanup();
    if (spawned == ENOENT)
      fail("render_dot", "cannot write ", path, ": Graphviz's '", program,
           "' program was not found on PATH (Debian: apt-get install graphviz; scripts/setup.sh installs it)");
    fail("render_dot", "cannot write ", path, ": cannot run '", program, "': ", std::strerror(spawned));
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::ifstream e(err_file);
    std::string message((std::istreambuf_iterator<char>(e)), std::istreambuf_iterator<char>());
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
    cleanup();
    fail("render_dot", "cannot write ", path, ": '", program, "' failed (",
         WIFEXITED(status) ? "exit code " + std::to_string(WEXITSTATUS(status)) : std::string("killed by a signal"),
         ")", message.empty() ? "" : ": ", message);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    cleanup();
    fail("render_dot", "cannot write ", path, ": cannot rename the temporary file onto it: ", std::strerror(err));
  }
  cleanup();
}

}  // namespace xgrad
