#pragma once
// Numeric CSV tables, for linear regression on a user's data: comma-separated fields, one row
// per line. The first line is a header of column names when any of its fields is not a number;
// otherwise the columns are named "0", "1", .... Fields may be wrapped in double quotes (a quote
// inside one is written twice) and surrounding spaces are ignored; blank lines are skipped, as
// are "\r" line ends, and a UTF-8 byte order mark at the start. Every other field must be a
// number: an optional sign (one: "+-2" is not a number), then a decimal number std::from_chars
// reads in full. A missing value, a word, NaN or infinity is an error naming the line and the
// column, as is a number beyond float32's range (|x| > 3.4e38, whose squares would overflow a
// variance) and a row with the wrong number of fields. The parser works on a string or a stream, so it is a fuzz target
// as well as the file reader's core; what it allocates is bounded by the input's length.
#include <cstddef>
#include <filesystem>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

namespace xgrad::data {

struct CsvTable {
  std::vector<std::string> columns;  // one name per column
  std::size_t rows = 0;
  std::vector<double> values;  // row-major: values[r * columns.size() + c]

  double at(std::size_t row, std::size_t col) const { return values[row * columns.size() + col]; }
  // The index of the column called `name`, or, if no column is, `name` read as a 0-based index.
  // Throws xg::Error listing the column names when neither fits.
  std::size_t column(const std::string& name) const;
};

// `source` names the input in errors: a file name, or "<memory>".
CsvTable parse_csv(std::string_view text, const std::string& source = "<memory>");
CsvTable parse_csv(std::istream& in, const std::string& source = "<stream>");
CsvTable read_csv(const std::filesystem::path& path);

}  // namespace xgrad::data
