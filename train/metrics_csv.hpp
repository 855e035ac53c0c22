#pragma once
// metrics.csv, the table a training writes one row to per epoch (or step): a header of column
// names, then numbers. The whole file is rewritten after each row, atomically
// (train/output_files.hpp), so that a killed run leaves the previous version and a resumed run
// continues the same file from the rows its checkpoint has done:
//
//   xg::train::MetricsCsv csv({{"epoch", Format::Integer}, {"loss"}, {"seconds", Format::Fixed, 2}});
//   csv.read(dir / "metrics.csv", epochs_done);   // on --resume: the rows up to the checkpoint's
//   csv.add({double(epoch), loss, seconds});
//   csv.write(dir / "metrics.csv");
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

namespace xgrad::train {

class MetricsCsv {
 public:
  enum class Format {
    General,  // `precision` significant digits, as std::ostream writes them
    Fixed,    // `digits` decimals
    Integer,  // a whole number (a count)
  };
  struct Column {
    std::string name;
    Format format = Format::General;
    int digits = 0;  // Fixed's decimals
  };

  explicit MetricsCsv(std::vector<Column> columns, int precision = 9);

  const std::vector<Column>& columns() const { return columns_; }
  const std::vector<std::vector<double>>& rows() const { return rows_; }
  // One row, a value per column; throws std::invalid_argument on another count.
  void add(std::vector<double> row);

  std::string text() const;                             // the header and every row, one per line
  void write(const std::filesystem::path& path) const;  // text(), atomically

  // Replaces the rows by those of a file that write() made whose first column is at most
  // `up_to` (a killed run may have written rows past its checkpoint). Returns how many it kept.
  // A missing file keeps none; a row that is not numbers, or has another column count, throws
  // std::runtime_error naming the file and line.
  std::size_t read(const std::filesystem::path& path, double up_to);

 private:
  std::vector<Column> columns_;
  int precision_;
  std::vector<std::vector<double>> rows_;
};

}  // namespace xgrad::train
