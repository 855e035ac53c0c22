#include "xgrad/train/metrics_csv.hpp"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "xgrad/train/output_files.hpp"

namespace xgrad::train {

MetricsCsv::MetricsCsv(std::vector<Column> columns, int precision)
    : columns_(std::move(columns)), precision_(precision) {}

void MetricsCsv::add(std::vector<double> row) {
  if (row.size() != columns_.size())
    throw std::invalid_argument("MetricsCsv::add: " + std::to_string(row.size()) + " values for " +
                                std::to_string(columns_.size()) + " columns");
  rows_.push_back(std::move(row));
}

std::string MetricsCsv::text() const {
  std::ostringstream out;
  out.precision(precision_);
  for (std::size_t c = 0; c < columns_.size(); ++c) out << (c ? "," : "") << columns_[c].name;
  out << '\n';
  for (const auto& row : rows_) {
    for (std::size_t c = 0; c < columns_.size(); ++c) {
      if (c) out << ',';
      const Column& col = columns_[c];
      if (col.format == Format::Integer) {
        out << static_cast<long long>(row[c]);
      } else if (col.format == Format::Fixed) {
        char s[64];
        std::snprintf(s, sizeof s, "%.*f", col.digits, row[c]);
        out << s;
      } else {
        out << row[c];
      }
    }
    out << '\n';
  }
  return out.str();
}

void MetricsCsv::write(const std::filesystem::path& path) const { write_file(path, text()); }

std::size_t MetricsCsv::read(const std::filesystem::path& path, double up_to) {
  std::vector<std::vector<double>> rows;
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);  // the header
  for (int number = 2; std::getline(in, line); ++number) {
    if (line.empty()) continue;
    const std::string where = path.string() + " line " + std::to_string(number);
    std::vector<double> v;
    std::stringstream s(line);
    for (std::string cell; std::getline(s, cell, ',');) {
      std::size_t used = 0;
      double x = 0;
      try {
        x = std::stod(cell, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used == 0 || used != cell.size())
        throw std::runtime_error(where + ": column " + std::to_string(v.size() + 1) + " is not a number: '" + cell +
                                 "'");
      v.push_back(x);
    }
    if (v.size() != columns_.size())
      throw std::runtime_error(where + ": " + std::to_string(v.size()) + " columns, expected " +
                               std::to_string(columns_.size()) + ": " + line);
    if (v[0] <= up_to) rows.push_back(std::move(v));
  }
  rows_ = std::move(rows);
  return rows_.size();
}

}  // namespace xgrad::train
