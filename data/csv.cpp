#include "xgrad/data/csv.hpp"

#include <charconv>
#include <cmath>
#include <fstream>
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
        if (i >= line.size()) fail("parse_csv", ": ", source, ": line ", line_no, ": a quoted field is not closed");
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
        fail("parse_csv", ": ", source, ": line ", line_no, ": text after the closing quote of field ",
             fields.size() + 1);
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

// The whole field as a finite number, or nothing.
std::optional<double> to_number(std::string_view field) {
  if (!field.empty() && field.front() == '+') field.remove_prefix(1);
  double value = 0;
  const auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), value);
  if (field.empty() || ec != std::errc() || end != field.data() + field.size() || !std::isfinite(value))
    return std::nullopt;
  return value;
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
  fail("CsvTable::column", ": no column '", name, "'; the columns are ", names, " (or an index below ", columns.size(),
       ")");
}

CsvTable parse_csv(std::string_view text, const std::string& source) {
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
    std::size_t bad = fields.size();  // the first field that is not a number
    for (std::size_t c = 0; c < fields.size(); ++c) {
      const std::optional<double> v = to_number(fields[c]);
      if (!v) {
        bad = c;
        break;
      }
      numbers.push_back(*v);
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
      fail("parse_csv", ": ", source, ": line ", line_no, " has ", fields.size(), " fields but the table has ",
           table.columns.size(), " columns");
    if (bad < fields.size())
      fail("parse_csv", ": ", source, ": line ", line_no, ", column '", table.columns[bad], "': '", fields[bad],
           "' is not a finite number");
    table.values.insert(table.values.end(), numbers.begin(), numbers.end());
    ++table.rows;
  }
  if (table.rows == 0) fail("parse_csv", ": ", source, ": no data rows");
  return table;
}

CsvTable parse_csv(std::istream& in, const std::string& source) {
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) fail("parse_csv", ": ", source, ": cannot read the stream");
  return parse_csv(std::string_view(text.str()), source);
}

CsvTable read_csv(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("read_csv", ": ", path.string(), ": cannot open the file");
  return parse_csv(in, path.string());
}

}  // namespace xgrad::data
