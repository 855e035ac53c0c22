#include "common/cli.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <new>

namespace fs = std::filesystem;

namespace cli {

void fail(const std::string& flag, const std::string& value, const std::string& why) {
  throw UsageError(flag + " " + value + ": " + why);
}

std::string format(double v) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

namespace detail {

namespace {

bool all_digits(const std::string& s, std::size_t from) {
  if (from >= s.size()) return false;
  for (std::size_t i = from; i < s.size(); ++i)
    if (s[i] < '0' || s[i] > '9') return false;
  return true;
}

bool is_double(const std::string& s) {
  double v;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  return r.ptr == s.data() + s.size() && r.ec != std::errc::invalid_argument;
}

// A number's text: the sign is optional, a '+' is dropped (std::from_chars reads none).
std::string unplussed(const std::string& s) { return !s.empty() && s[0] == '+' ? s.substr(1) : s; }

[[noreturn]] void not_whole(const std::string& flag, const std::string& text) {
  fail(flag, text, is_double(unplussed(text)) ? "not a whole number" : "not a number");
}

template <class T>
void check_bounds(const std::string& flag, const std::string& text, T v, T lo, T hi, bool lo_open) {
  if (lo_open ? !(v > lo) : !(v >= lo))
    fail(flag, text, std::string("must be ") + (lo_open ? "above " : "at least ") + format(lo));
  if (!(v <= hi)) fail(flag, text, "must be at most " + format(hi));
}

}  // namespace

std::int64_t parse_signed(const std::string& flag, const std::string& text, std::int64_t lo, std::int64_t hi,
                          bool lo_open) {
  const std::string s = unplussed(text);
  if (!all_digits(s, !s.empty() && s[0] == '-')) not_whole(flag, text);
  std::int64_t v = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec == std::errc::result_out_of_range) {
    if (s[0] == '-') fail(flag, text, "must be at least " + format(lo));
    fail(flag, text, "must be at most " + format(hi));
  }
  check_bounds(flag, text, v, lo, hi, lo_open);
  return v;
}

std::uint64_t parse_unsigned(const std::string& flag, const std::string& text, std::uint64_t lo, std::uint64_t hi,
                             bool lo_open) {
  const std::string s = unplussed(text);
  if (!s.empty() && s[0] == '-' && all_digits(s, 1)) {  // a negative count: below any bound
    if (s.find_first_not_of("-0") == std::string::npos && !lo_open && lo == 0) return 0;  // "-0"
    fail(flag, text, std::string("must be ") + (lo_open ? "above " : "at least ") + format(lo));
  }
  if (!all_digits(s, 0)) not_whole(flag, text);
  std::uint64_t v = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec == std::errc::result_out_of_range) fail(flag, text, "must be at most " + format(hi));
  check_bounds(flag, text, v, lo, hi, lo_open);
  return v;
}

double parse_double(const std::string& flag, const std::string& text, double lo, double hi, bool lo_open) {
  const std::string s = unplussed(text);
  double v = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || r.ec == std::errc::invalid_argument || r.ptr != s.data() + s.size())
    fail(flag, text, "not a number");
  if (r.ec == std::errc::result_out_of_range || !std::isfinite(v)) fail(flag, text, "not a finite number");
  check_bounds(flag, text, v, lo, hi, lo_open);
  return v;
}

}  // namespace detail

Parser::Parser(std::string program, std::string description)
    : program_(std::move(program)), app_(std::move(description), program_) {
  app_.get_formatter()->column_width(34);
}

CLI::Option* Parser::choice(const std::string& flag, std::string& target, const std::string& help,
                            std::vector<std::string> allowed) {
  std::string& raw = raw_.emplace_back();
  std::string names;
  for (const std::string& a : allowed) names += (names.empty() ? "" : ",") + a;
  CLI::Option* o = app_.add_option(flag, raw, with_default(help, target))->type_name("{" + names + "}");
  converters_.push_back([o, flag, &raw, &target, allowed, names] {
    if (!o->count()) return;
    for (const std::string& a : allowed)
      if (raw == a) {
        target = raw;
        return;
      }
    std::string list;
    for (std::size_t i = 0; i < allowed.size(); ++i)
      list += (i == 0 ? "" : i + 1 == allowed.size() ? " or " : ", ") + allowed[i];
    fail(flag, raw.empty() ? "''" : raw, "must be " + list);
  });
  return o;
}

CLI::Option* Parser::text(const std::string& flag, std::string& target, const std::string& help) {
  CLI::Option* o = app_.add_option(flag, target, with_default(help, target))->type_name("TEXT");
  return o;
}

CLI::Option* Parser::flag(const std::string& flag, bool& target, const std::string& help) {
  return app_.add_flag(flag, target, help);
}

CLI::Option* Parser::existing_file(const std::string& flag, std::string& target, const std::string& help) {
  CLI::Option* o = app_.add_option(flag, target, with_default(help, target))->type_name("FILE");
  converters_.push_back([o, flag, &target] {
    if (!o->count()) return;
    std::error_code ec;
    const fs::file_status st = fs::status(target, ec);
    if (!fs::exists(st)) fail(flag, target, "no such file");
    if (fs::is_directory(st)) fail(flag, target, "is a folder, not a file");
  });
  return o;
}

CLI::Option* Parser::input_file(const std::string& name, std::string& target, const std::string& help) {
  CLI::Option* o = app_.add_option(name, target, help)->required()->type_name("FILE");
  converters_.push_back([name, &target] {
    std::error_code ec;
    const fs::file_status st = fs::status(target, ec);
    if (!fs::exists(st)) fail(name, target, "no such file");
    if (fs::is_directory(st)) fail(name, target, "is a folder, not a file");
  });
  return o;
}

CLI::Option* Parser::output_file(const std::string& name, std::string& target, const std::string& help) {
  CLI::Option* o = app_.add_option(name, target, help)->required()->type_name("FILE");
  converters_.push_back([name, &target] {
    std::error_code ec;
    const fs::path p(target), dir = p.parent_path().empty() ? fs::path(".") : p.parent_path();
    if (fs::is_directory(fs::status(p, ec))) fail(name, target, "is a folder, not a file");
    const fs::file_status st = fs::status(dir, ec);
    if (!fs::exists(st)) fail(name, target, "no folder " + dir.string());
    if (!fs::is_directory(st)) fail(name, target, dir.string() + " is a file, not a folder");
  });
  return o;
}

namespace {

// Creates `dir` if missing and checks that the program can write files in it.
void check_out_dir(const std::string& flag, const std::string& dir) {
  if (dir.empty()) fail(flag, "''", "names no folder");
  const fs::path p(dir);
  std::error_code ec;
  const fs::file_status st = fs::status(p, ec);
  if (fs::exists(st) && !fs::is_directory(st)) fail(flag, dir, "is a file, not a folder");
  if (!fs::exists(st))
    for (fs::path a = p.parent_path(); !a.empty(); a = a.parent_path()) {
      const fs::file_status up = fs::status(a, ec);
      if (fs::exists(up)) {
        if (!fs::is_directory(up)) fail(flag, dir, a.string() + " is a file, not a folder");
        break;
      }
      if (a == a.parent_path()) break;
    }
  fs::create_directories(p, ec);
  if (ec) fail(flag, dir, "cannot create the folder: " + ec.message());
  // Writing is what the program will do: try it (permissions alone say nothing to root, nor
  // about a read-only file system). The probe is named like every temporary file, so a program
  // killed right here leaves one that the next start removes.
  const fs::path probe = p / (".write_check.tmp." + std::to_string(::getpid()) + ".0");
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) fail(flag, dir, std::string("cannot write in this folder: ") + std::strerror(errno));
  ::close(fd);
  ::unlink(probe.c_str());
}

}  // namespace

CLI::Option* Parser::out_dir(const std::string& flag, std::string& target, const std::string& help) {
  CLI::Option* o = app_.add_option(flag, target, with_default(help, target))->type_name("DIR");
  dir_checks_.push_back([flag, &target] { check_out_dir(flag, target); });
  return o;
}

void Parser::needs(const std::string& flag, const std::string& other) { needs_.push_back({flag, other}); }

bool Parser::given(const std::string& flag) const { return app_.count(flag) > 0; }

std::optional<int> Parser::parse(int argc, char** argv) {
  try {
    app_.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app_.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app_.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "%s: %s (see --help)\n", program_.c_str(), e.what());
    return 2;
  }
  try {
    for (const auto& convert : converters_) convert();
    for (const auto& [flag, other] : needs_)
      if (given(flag) && !given(other)) {
        const auto& results = app_.get_option(flag)->results();
        fail(flag, results.empty() ? "" : results.front(), "needs " + other);
      }
    for (const auto& check : dir_checks_) check();  // last: it creates the folder
  } catch (const UsageError& e) {
    std::fprintf(stderr, "%s: %s (see --help)\n", program_.c_str(), e.what());
    return 2;
  }
  return std::nullopt;
}

int guarded(const std::string& program, const std::function<int()>& body) {
  try {
    return body();
  } catch (...) {
    return report_exception(program);
  }
}

int report_exception(const std::string& program) {
  const char* name = program.c_str();
  auto report = [&](const char* format, const char* what) {
    std::fflush(stdout);
    std::fprintf(stderr, format, name, what);
  };
  try {
    throw;
  } catch (const UsageError& e) {
    report("%s: %s (see --help)\n", e.what());
    return 2;
  } catch (const std::bad_alloc&) {
    report("%s: out of memory (%s): a size given on the command line or read from a file is too large\n",
           "std::bad_alloc");
    return 1;
  } catch (const std::length_error& e) {
    report("%s: a size too large for this machine (%s)\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    report("%s: %s\n", e.what());
    return 1;
  } catch (...) {
    report("%s: %s\n", "an unknown exception");
    return 1;
  }
}

}  // namespace cli
