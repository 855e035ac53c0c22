// The installed headers as a user meets them: <xgrad/xgrad.hpp> includes every public header, and
// no public header includes an internal one (a detail/ folder, which is not installed), so that a
// program outside the tree compiles against the installed package. And the layering of
// DESIGN.md's table: no folder includes one that sits above it.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace fs = std::filesystem;

namespace {

const fs::path kRoot = XGRAD_SOURCE_DIR;
const char* const kFolders[] = {"core", "nn", "losses", "optim", "data", "models", "train"};

std::string read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

bool internal(const fs::path& relative) {
  return std::any_of(relative.begin(), relative.end(), [](const fs::path& part) { return part == "detail"; });
}

// Every header that `cmake --install` installs, as its include path ("core/tensor.hpp").
std::set<std::string> public_headers() {
  std::set<std::string> out;
  for (const char* folder : kFolders)
    for (const auto& e : fs::recursive_directory_iterator(kRoot / folder)) {
      const fs::path relative = fs::relative(e.path(), kRoot);
      if (e.path().extension() == ".hpp" && !internal(relative)) out.insert(relative.generic_string());
    }
  return out;
}

// The xgrad headers a file includes, from its #include lines (not its comments).
std::set<std::string> includes_of(const fs::path& header) {
  static const std::regex include(R"re(^\s*#\s*include\s*["<]xgrad/([^">]+)[">])re");
  std::set<std::string> out;
  std::istringstream text(read(header));
  std::smatch m;
  for (std::string line; std::getline(text, line);)
    if (std::regex_search(line, m, include)) out.insert(m[1]);
  return out;
}

}  // namespace

TEST(Headers, TheUmbrellaIncludesEveryPublicHeader) {
  const std::set<std::string> in_umbrella = includes_of(kRoot / "xgrad.hpp");
  const std::set<std::string> headers = public_headers();
  ASSERT_GT(headers.size(), 50u);  // the scan found the tree
  for (const std::string& h : headers)
    EXPECT_TRUE(in_umbrella.count(h)) << "xgrad.hpp does not include <xgrad/" << h << ">";
  for (const std::string& h : in_umbrella)
    EXPECT_TRUE(headers.count(h)) << "xgrad.hpp includes <xgrad/" << h << ">, which is not a public header";
}

TEST(Headers, NoPublicHeaderIncludesAnInternalOne) {
  for (const std::string& h : public_headers())
    for (const std::string& included : includes_of(kRoot / h))
      EXPECT_FALSE(internal(included)) << "<xgrad/" << h << "> includes <xgrad/" << included
                                       << ">, which is not installed";
}

// DESIGN.md's table, top down: a folder may include the folders above it, never one below.
TEST(Headers, DependenciesPointDownTheTable) {
  const std::vector<std::pair<std::string, std::set<std::string>>> may_include = {
      {"nn", {"core"}},
      {"losses", {"core"}},
      {"optim", {"core"}},
      {"data", {"core"}},
      {"models", {"core", "nn", "losses"}},
  };
  for (const auto& [folder, allowed] : may_include)
    for (const auto& e : fs::recursive_directory_iterator(kRoot / folder)) {
      if (e.path().extension() != ".hpp" && e.path().extension() != ".cpp") continue;
      const std::string file = fs::relative(e.path(), kRoot).generic_string();
      for (const std::string& included : includes_of(e.path())) {
        const std::string top = included.substr(0, included.find('/'));
        EXPECT_TRUE(top == folder || allowed.count(top)) << file << " includes <xgrad/" << included << ">";
      }
    }
}
