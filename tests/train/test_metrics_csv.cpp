// metrics.csv (train/metrics_csv.*): the columns' formats, the atomic write, and reading back the
// rows a checkpoint has done.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <xgrad/train/metrics_csv.hpp>

namespace fs = std::filesystem;
using xgrad::train::MetricsCsv;

namespace {

fs::path temp_file(const std::string& name) {
  return fs::temp_directory_path() / ("xgrad_" + std::to_string(::getpid()) + "_" + name);
}

std::string read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

MetricsCsv table() {
  return MetricsCsv({{"epoch", MetricsCsv::Format::Integer}, {"loss"}, {"seconds", MetricsCsv::Format::Fixed, 2}});
}

}  // namespace

TEST(MetricsCsv, FormatsEachColumn) {
  MetricsCsv csv = table();
  csv.add({1, 0.123456789012, 2.345});
  csv.add({12, 1e-12, 60});
  EXPECT_EQ(csv.text(), "epoch,loss,seconds\n1,0.123456789,2.35\n12,1e-12,60.00\n");
  MetricsCsv precise({{"x"}}, 17);
  precise.add({0.1});
  EXPECT_EQ(precise.text(), "x\n0.10000000000000001\n");
  EXPECT_THROW(csv.add({1, 2}), std::invalid_argument);
}

TEST(MetricsCsv, ReadsBackTheRowsUpToTheCheckpoint) {
  const fs::path path = temp_file("metrics.csv");
  MetricsCsv csv = table();
  for (int e = 1; e <= 3; ++e) csv.add({double(e), 1.0 / e, 0.5});
  csv.write(path);
  EXPECT_EQ(read(path), csv.text());
  MetricsCsv again = table();
  EXPECT_EQ(again.read(path, 2), 2u);  // a row past the checkpoint is dropped
  EXPECT_EQ(again.rows()[1][1], 0.5);
  std::ofstream(path) << "epoch,loss,seconds\n1,abc,0.5\n";
  EXPECT_THROW(again.read(path, 5), std::runtime_error);
  std::ofstream(path) << "epoch,loss,seconds\n1,0.5\n";
  try {
    again.read(path, 5);
    ADD_FAILURE() << "a short row was read";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("line 2: 2 columns, expected 3"), std::string::npos) << e.what();
  }
  fs::remove(path);
  EXPECT_EQ(again.read(path, 5), 0u);  // no file: no rows
}
