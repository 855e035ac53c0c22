#pragma once
// The command line of every program in examples/ and bench/: CLI11 underneath, xgrad's messages
// on top. Every value is parsed and checked here, so that an error names the flag, the value and
// what is allowed, and a bad command line always exits with code 2:
//
//   cli::Parser cli("linear_regression", "Fits y = x . w + b by gradient descent ...");
//   cli.number("--lr", lr, "learning rate", cli::above(0.0));
//   cli.number("--steps", steps, "gradient-descent steps", cli::between<std::size_t>(1, 1'000'000));
//   cli.choice("--optimizer", optimizer, "the optimizer", {"sgd", "adam"});
//   cli.out_dir("--out", out, "folder for every output");
//   if (auto exit = cli.parse(argc, argv)) return *exit;     // --help: 0; a bad value: 2
//
//   $ linear_regression --lr abc
//   linear_regression: --lr abc: not a number (see --help)
//   $ linear_regression --steps -5
//   linear_regression: --steps -5: must be at least 1 (see --help)
//   $ linear_regression --out somefile
//   linear_regression: --out somefile: is a file, not a folder (see --help)
//
// --help shows each flag's default. main's body runs inside cli::guarded(), which turns every
// exception into one line on stderr and an exit code: UsageError (a flag whose value turns out
// wrong only later, e.g. a --plot-feature beyond the data's features) 2, out of memory and every
// other exception 1. No exception escapes a program.
#include <CLI/CLI.hpp>
#include <cstdint>
#include <deque>
#include <functional>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

namespace cli {

// A command-line value that is not allowed; guarded() prints it and exits with code 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// "FLAG VALUE: why", the one shape of every command-line error.
[[noreturn]] void fail(const std::string& flag, const std::string& value, const std::string& why);

// The allowed range of a number, bounds included unless `*_open`.
template <class T>
struct Bounds {
  std::optional<T> min, max;
  bool min_open = false;
};
template <class T>
Bounds<T> at_least(T min) {
  return {min, std::nullopt};
}
template <class T>
Bounds<T> above(T min) {
  return {min, std::nullopt, true};
}
template <class T>
Bounds<T> between(T min, T max) {
  return {min, max};
}

// The shortest text that reads back as `v` (17 significant digits at most).
std::string format(double v);
template <class T>
std::string format(T v) requires std::is_integral_v<T> {
  return std::to_string(v);
}

namespace detail {
// Parses all of `text` as a T: an integer without sign for unsigned types, a finite decimal or
// scientific number for floating ones; throws UsageError naming `flag` otherwise or if out of bounds.
std::int64_t parse_signed(const std::string& flag, const std::string& text, std::int64_t lo, std::int64_t hi,
                          bool lo_open);
std::uint64_t parse_unsigned(const std::string& flag, const std::string& text, std::uint64_t lo, std::uint64_t hi,
                             bool lo_open);
double parse_double(const std::string& flag, const std::string& text, double lo, double hi, bool lo_open);

template <class T>
T parse(const std::string& flag, const std::string& text, const Bounds<T>& b) {
  using L = std::numeric_limits<T>;
  if constexpr (std::is_floating_point_v<T>)
    return T(parse_double(flag, text, b.min.value_or(-L::max()), b.max.value_or(L::max()), b.min_open));
  else if constexpr (std::is_signed_v<T>)
    return T(parse_signed(flag, text, b.min.value_or(L::min()), b.max.value_or(L::max()), b.min_open));
  else
    return T(parse_unsigned(flag, text, b.min.value_or(0), b.max.value_or(L::max()), b.min_open));
}
template <class T>
struct Unwrap {
  using type = T;
};
template <class T>
struct Unwrap<std::optional<T>> {
  using type = T;
};
}  // namespace detail

class Parser {
 public:
  Parser(std::string program, std::string description);

  // A number. `target` keeps its value unless the flag is given; its value is the default --help
  // shows. A std::optional target stays empty when the flag is not given, and `help` says what
  // the default is.
  template <class T>
  CLI::Option* number(const std::string& flag, T& target, const std::string& help,
                      Bounds<typename detail::Unwrap<T>::type> bounds = {}) {
    using V = typename detail::Unwrap<T>::type;
    static_assert(std::is_arithmetic_v<V> && !std::is_same_v<V, bool>, "cli::Parser::number: a number type");
    std::string& raw = raw_.emplace_back();
    std::string text = help;
    if constexpr (std::is_same_v<T, V>) text = with_default(help, format(target));
    CLI::Option* o = app_.add_option(flag, raw, text)->type_name(std::is_integral_v<V> ? "INT" : "NUMBER");
    converters_.push_back([o, flag, &raw, &target, bounds] {
      if (o->count()) target = detail::parse<V>(flag, raw, bounds);
    });
    return o;
  }
  // One or more numbers, e.g. `--hidden 256 128` (or `--hidden 256,128`).
  template <class T>
  CLI::Option* numbers(const std::string& flag, std::vector<T>& target, const std::string& help,
                       Bounds<T> bounds = {}) {
    std::vector<std::string>& raw = lists_.emplace_back();
    std::string shown;
    for (const T& v : target) shown += (shown.empty() ? "" : " ") + format(v);
    CLI::Option* o =
        app_.add_option(flag, raw, with_default(help, shown))->type_name(std::is_integral_v<T> ? "INT" : "NUMBER");
    o->delimiter(',');
    converters_.push_back([o, flag, &raw, &target, bounds] {
      if (!o->count()) return;
      target.clear();
      for (const std::string& s : raw) target.push_back(detail::parse<T>(flag, s, bounds));
    });
    return o;
  }
  // One of `allowed`.
  CLI::Option* choice(const std::string& flag, std::string& target, const std::string& help,
                      std::vector<std::string> allowed);
  CLI::Option* text(const std::string& flag, std::string& target, const std::string& help);
  CLI::Option* flag(const std::string& flag, bool& target, const std::string& help);
  // A file that must exist (and not be a folder).
  CLI::Option* existing_file(const std::string& flag, std::string& target, const std::string& help);
  // A folder the program writes into: created if missing, and checked to be a writable folder
  // (not a file, not under a file) before the program does any work.
  CLI::Option* out_dir(const std::string& flag, std::string& target, const std::string& help);
  // A required positional argument: a file to read (it must exist), or a file to write (its
  // folder must exist and not be a file; the file itself, if there, must not be a folder).
  CLI::Option* input_file(const std::string& name, std::string& target, const std::string& help);
  CLI::Option* output_file(const std::string& name, std::string& target, const std::string& help);
  // `flag` may only be given together with `other`.
  void needs(const std::string& flag, const std::string& other);

  // Parses and checks the whole command line. Returns the exit code when the program should stop
  // at once (0 after --help, 2 after printing an error), nothing when it should go on.
  std::optional<int> parse(int argc, char** argv);
  // Whether `flag` was on the command line.
  bool given(const std::string& flag) const;
  const std::string& program() const { return program_; }
  CLI::App& app() { return app_; }

 private:
  // "HELP [default: VALUE]", what --help shows.
  static std::string with_default(const std::string& help, const std::string& value) {
    return value.empty() ? help : help + " [default: " + value + "]";
  }
  std::string program_;
  CLI::App app_;
  std::deque<std::string> raw_;
  std::deque<std::vector<std::string>> lists_;
  std::vector<std::function<void()>> converters_;  // in the order the flags were declared
  std::vector<std::pair<std::string, std::string>> needs_;
  std::vector<std::function<void()>> dir_checks_;  // after every other flag: they create folders
};

// Runs a program's body: its return value is the exit code; an exception is printed on one line,
// "PROGRAM: what", and gives 2 for a UsageError and 1 otherwise (std::bad_alloc as "out of memory").
int guarded(const std::string& program, const std::function<int()>& body);
// The same for main's own function-try-block: called in `catch (...)`, it prints the exception
// being handled and returns its exit code.
//   int main(int argc, char** argv) try { ... } catch (...) { return cli::report_exception("fit_line"); }
int report_exception(const std::string& program);

}  // namespace cli
