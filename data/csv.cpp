#include "xgrad/data/csv.hpp"

#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>

#include "xgrad/core/error.hpp"

namespace xgrad::data {

namespace {

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

// Splits one line into fields, undoing the quoting.
std::vector<std::string> split_fields(std::string_view line, const std::string& source, std::size_t line_no) {
  std::vector<std::string> fields;
  std::size_t i = 0;
  while (true) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    std::string field;
    if (i < line.size() && line[i] == '"') {
      ++i;
      while (true) {
        if (i >= line.size()) fail("parse_csv", source, ": line ", line_no, ": a quoted field is not closed");
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        field += line[i++];
      }
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
      if (i < line.size() && line[i] != ',')
        fail("parse_csv", source, ": line ", line_no, ": text after the closing quote of field ", fields.size() + 1);
    } else {
      const std::size_t end = std::min(line.find(',', i), line.size());
      field = std::string(trim(line.substr(i, end - i)));
      i = end;
    }
    fields.push_back(std::move(field));
    if (i >= line.size()) break;
    ++i;  // the comma
  }
  return fields;
}

// The largest magnitude a value may have: float32's, so that a column fits every dtype xgrad
// trains in, and its sums of squares (a variance, a loss) stay finite in float64.
constexpr double kMaxValue = std::numeric_limits<float>::max();

struct Number {
  enum Kind { Ok, NotANumber, OutOfRange } kind;
  double value = 0;
};

// The whole field as a number: an optional sign (one), then what std::from_chars reads in full.
// NaN and infinity are not numbers here; a number beyond kMaxValue (1e200), or beyond what a
// double holds (1e400, 1e-400), is one, but out of range.
Number to_number(std::string_view field) {
  if (!field.empty() && field.front() == '+') {
    field.remove_prefix(1);
    if (!field.empty() && (field.front() == '-' || field.front() == '+')) return {Number::NotANumber};  // "+-2"
  }
  double value = 0;
  const auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), value);
  if (field.empty() || end != field.data() + field.size()) return {Number::NotANumber};
  if (ec == std::errc::result_out_of_range) return {Number::OutOfRange};  // beyond double, either way
  if (ec != std::errc() || !std::isfinite(value)) return {Number::NotANumber};
  if (std::fabs(value) > kMaxValue) return {Number::OutOfRange, value};
  return {Number::Ok, value};
}

}  // namespace

std::size_t CsvTable::column(const std::string& name) const {
  for (std::size_t c = 0; c < columns.size(); ++c)
    if (columns[c] == name) return c;
  std::size_t index = 0;
  const auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), index);
  if (!name.empty() && ec == std::errc() && end == name.data() + name.size() && index < columns.size()) return index;
  std::string names;
  for (const std::string& c : columns) names += (names.empty() ? "" : ", ") + c;
  fail("CsvTable::column", "no column '", name, "'; the columns are ", names, " (or an index below ", columns.size(),
       ")");
}

CsvTable parse_csv(std::string_view text, const std::string& source) {
  // A UTF-8 byte order mark (Excel writes one) is not part of the first field.
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  CsvTable table;
  bool first = true;
  std::size_t line_no = 0;
  while (!text.empty()) {
    const std::size_t end = std::min(text.find('\n'), text.size());
    std::string_view line = text.substr(0, end);
    text.remove_prefix(std::min(end + 1, text.size()));
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (trim(line).empty()) continue;

    const std::vector<std::string> fields = split_fields(line, source, line_no);
    std::vector<double> numbers;
    std::size_t bad = fields.size();      // the first field that is not a number
    std::size_t too_big = fields.size();  // the first number out of range
    for (std::size_t c = 0; c < fields.size(); ++c) {
      const Number v = to_number(fields[c]);
      if (v.kind == Number::NotANumber) {
        bad = c;
        break;
      }
      if (v.kind == Number::OutOfRange && too_big == fields.size()) too_big = c;
      numbers.push_back(v.value);
    }
    if (first) {
      first = false;
      if (bad < fields.size()) {  // a header
        table.columns = fields;
        continue;
      }
      for (std::size_t c = 0; c < fields.size(); ++c) table.columns.push_back(std::to_string(c));
    }
    if (fields.size() != table.columns.size())
      fail("parse_csv", source, ": line ", line_no, " has ", fields.size(), " fields but the table has ",
           table.columns.size(), " columns");
    if (bad < fields.size())
      fail("parse_csv", source, ": line ", line_no, ", column '", table.columns[bad], "': '", fields[bad],
           "' is not a finite number");
    if (too_big < fields.size())
      fail("parse_csv", source, ": line ", line_no, " (data row ", table.rows + 1, "), column '",
           table.columns[too_big], "': '", fields[too_big], "' is out of range; values must lie within +-", kMaxValue,
           " (float32's range), so that sums of their squares stay finite");
    table.values.insert(table.values.end(), numbers.begin(), numbers.end());
    ++table.rows;
  }
  if (table.rows == 0) fail("parse_csv", source, ": no data rows");
  return table;
}

CsvTable parse_csv(std::istream& in, const std::string& source) {
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) fail("parse_csv", source, ": cannot read the stream");
  return parse_csv(std::string_view(text.str()), source);
}

CsvTable read_csv(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("read_csv", path.string(), ": cannot open the file");
  return parse_csv(in, path.string());
}

}  // namespace xgrad::data
