#pragma once
// EXPECT_ERROR(statement, "part", ...): expects `statement` to throw xg::Error whose message
// contains every part. Shared by every test program.
//
// With XGRAD_ERROR_CATALOGUE=<file> in the environment, each caught message is also appended to
// that file as one JSON line {test, file, line, statement, message}: scripts/errors_catalogue.py
// turns those into docs/errors.md, so every error the catalogue lists comes from a passing test.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <xgrad/core/error.hpp>

namespace xgrad_test {

inline std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

inline void record_error(const char* statement, const char* file, int line, const char* message) {
  const char* path = std::getenv("XGRAD_ERROR_CATALOGUE");
  if (!path || !*path) return;
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  const std::string test = info ? std::string(info->test_suite_name()) + "." + info->name() : "";
  std::ofstream(path, std::ios::app) << "{\"test\": " << json_string(test) << ", \"file\": " << json_string(file)
                                     << ", \"line\": " << line << ", \"statement\": " << json_string(statement)
                                     << ", \"message\": " << json_string(message) << "}\n";
}

}  // namespace xgrad_test

#define EXPECT_ERROR(statement, ...)                                        \
  do {                                                                      \
    try {                                                                   \
      statement;                                                            \
      ADD_FAILURE() << "no exception from " #statement;                     \
    } catch (const ::xgrad::Error& e) {                                     \
      ::xgrad_test::record_error(#statement, __FILE__, __LINE__, e.what()); \
      for (const char* part : {__VA_ARGS__})                                \
        EXPECT_NE(std::string(e.what()).find(part), std::string::npos)      \
            << "message: " << e.what() << "\nmissing: " << part;            \
    }                                                                       \
  } while (0)
