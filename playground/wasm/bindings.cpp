// The playground's WebAssembly module: scenes.hpp's classes for JavaScript, through embind.
// Conversions only: numbers and arrays in, JS objects and Float64Arrays out, and every C++
// exception (an xg::Error naming the call and the bad value) rethrown as a JS Error. The
// interface is playground/wasm/API.md.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <exception>
#include <memory>
#include <string>
#include <vector>
#include <xgrad/core/blas_info.hpp>

#include "scenes.hpp"

namespace {

using emscripten::val;

// Runs f; a C++ exception becomes a JS Error with its message (embind would pass a bare pointer).
template <class F>
auto guarded(F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const std::exception& e) {
    val::global("Error").new_(std::string(e.what())).throw_();
  }
}

val float64_array(const std::vector<double>& v) {
  // A copy: the view into wasm memory is invalidated when the memory grows.
  return val::global("Float64Array").new_(emscripten::typed_memory_view(v.size(), v.data()));
}
val xy(double x, double y) {
  val o = val::object();
  o.set("x", x);
  o.set("y", y);
  return o;
}
std::vector<double> numbers(const val& array) { return emscripten::vecFromJSArray<double>(array); }

class Descent {
 public:
  Descent(std::string fn, std::string optimizer, double lr, double x0, double y0)
      : d_(guarded([&] { return std::make_unique<playground::Descent>(fn, optimizer, lr, x0, y0); })) {}
  void setConditioning(double k) {
    guarded([&] { d_->set_conditioning(k); });
  }
  val step(int n) {
    const auto path = guarded([&] { return d_->step(n); });
    val out = val::array();
    for (const playground::Step& s : path) {
      val o = xy(s.x, s.y);
      o.set("loss", s.loss);
      out.call<void>("push", o);
    }
    return out;
  }
  val position() const {
    const playground::XY p = d_->position();
    return xy(p.x, p.y);
  }
  double loss() const { return d_->loss(); }
  bool diverged() const { return d_->diverged(); }
  val minimum() const {
    const playground::XY p = d_->minimum();
    return xy(p.x, p.y);
  }
  double value(double x, double y) const { return d_->value(x, y); }
  val grid(int nx, int ny, double x0, double x1, double y0, double y1) const {
    return float64_array(guarded([&] { return d_->grid(nx, ny, x0, x1, y0, y1); }));
  }
  void reset(double x0, double y0) {
    guarded([&] { d_->reset(x0, y0); });
  }

 private:
  std::unique_ptr<playground::Descent> d_;
};

class LineFit {
 public:
  LineFit(std::string loss, std::string optimizer, double lr)
      : f_(guarded([&] { return std::make_unique<playground::LineFit>(loss, optimizer, lr); })) {}
  void setPoints(const val& xs, const val& ys) {
    guarded([&] { f_->set_points(numbers(xs), numbers(ys)); });
  }
  double step(int n) {
    return guarded([&] { return f_->step(n); });
  }
  double w() const { return f_->w(); }
  double b() const { return f_->b(); }
  val closedForm() const {
    const playground::XY line = guarded([&] { return f_->closed_form(); });
    val o = val::object();
    o.set("w", line.x);
    o.set("b", line.y);
    return o;
  }
  void reset() {
    guarded([&] { f_->reset(); });
  }

 private:
  std::unique_ptr<playground::LineFit> f_;
};

playground::ClassifierOptions classifier_options(const val& js) {
  playground::ClassifierOptions o;
  if (js.isUndefined() || js.isNull()) return o;
  const auto text = [&](const char* key, std::string& field) {
    if (!js[key].isUndefined()) field = js[key].as<std::string>();
  };
  const auto number = [&](const char* key, auto& field) {
    if (!js[key].isUndefined()) field = decltype(field + 0)(js[key].as<double>());
  };
  text("dataset", o.dataset);
  number("n", o.n);
  number("noise", o.noise);
  number("seed", o.seed);
  number("width", o.width);
  number("depth", o.depth);
  text("activation", o.activation);
  text("loss", o.loss);
  text("optimizer", o.optimizer);
  number("lr", o.lr);
  return o;
}

class Classifier {
 public:
  explicit Classifier(const val& options)
      : c_(guarded([&] { return std::make_unique<playground::Classifier>(classifier_options(options)); })) {}
  val points() const {
    val o = val::object();
    o.set("x", float64_array(c_->xs()));
    o.set("y", float64_array(c_->ys()));
    const std::vector<int>& labels = c_->labels();
    o.set("label", val::global("Int32Array").new_(emscripten::typed_memory_view(labels.size(), labels.data())));
    return o;
  }
  val step(int n) {
    const playground::StepResult r = guarded([&] { return c_->step(n); });
    val o = val::object();
    o.set("loss", r.loss);
    o.set("accuracy", r.accuracy);
    return o;
  }
  val grid(int nx, int ny, double x0, double x1, double y0, double y1) {
    return float64_array(guarded([&] { return c_->grid(nx, ny, x0, x1, y0, y1); }));
  }
  std::string dot() {
    return guarded([&] { return c_->dot(); });
  }

 private:
  std::unique_ptr<playground::Classifier> c_;
};

std::string version() { return XGRAD_VERSION; }
std::string blas() { return xgrad::blas_info().library; }

}  // namespace

EMSCRIPTEN_BINDINGS(xgrad_playground) {
  using namespace emscripten;
  function("version", &version);
  function("blas", &blas);
  class_<Descent>("Descent")
      .constructor<std::string, std::string, double, double, double>()
      .function("setConditioning", &Descent::setConditioning)
      .function("step", &Descent::step)
      .function("position", &Descent::position)
      .function("loss", &Descent::loss)
      .function("diverged", &Descent::diverged)
      .function("minimum", &Descent::minimum)
      .function("value", &Descent::value)
      .function("grid", &Descent::grid)
      .function("reset", &Descent::reset);
  class_<LineFit>("LineFit")
      .constructor<std::string, std::string, double>()
      .function("setPoints", &LineFit::setPoints)
      .function("step", &LineFit::step)
      .function("w", &LineFit::w)
      .function("b", &LineFit::b)
      .function("closedForm", &LineFit::closedForm)
      .function("reset", &LineFit::reset);
  class_<Classifier>("Classifier")
      .constructor<val>()
      .function("points", &Classifier::points)
      .function("step", &Classifier::step)
      .function("grid", &Classifier::grid)
      .function("dot", &Classifier::dot);
}
