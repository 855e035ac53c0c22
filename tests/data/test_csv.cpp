// The numeric CSV reader (data/csv.*): headers, quoting, line ends, and a clear error naming the
// line and column for every field that is not a number.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <xgrad/data/csv.hpp>

#include "../core/helpers.hpp"

namespace data = xgrad::data;

TEST(ParseCsv, ReadsAHeaderAndNumbers) {
  const data::CsvTable t = data::parse_csv("x, y,\"the target\"\n1,2.5,-3\n4e2, +5 ,6\n");
  EXPECT_EQ(t.columns, (std::vector<std::string>{"x", "y", "the target"}));
  EXPECT_EQ(t.rows, 2u);
  EXPECT_EQ(t.values, (std::vector<double>{1, 2.5, -3, 400, 5, 6}));
  EXPECT_EQ(t.at(1, 2), 6);
  EXPECT_EQ(t.column("the target"), 2u);
  EXPECT_EQ(t.column("1"), 1u);  // no column is called "1": the index
}

TEST(ParseCsv, WithoutAHeaderColumnsAreNumbered) {
  const data::CsvTable t = data::parse_csv("1,2\r\n\r\n3,4\r\n   \n5,\"6\"");  // CRLF, blank lines, no final newline
  EXPECT_EQ(t.columns, (std::vector<std::string>{"0", "1"}));
  EXPECT_EQ(t.rows, 3u);
  EXPECT_EQ(t.values, (std::vector<double>{1, 2, 3, 4, 5, 6}));
}

TEST(ParseCsv, QuotesInsideQuotedNames) {
  const data::CsvTable t = data::parse_csv("\"a \"\"b\"\", c\",d\n1,2\n");
  EXPECT_EQ(t.columns, (std::vector<std::string>{"a \"b\", c", "d"}));
}

TEST(ParseCsv, ErrorsNameTheLineAndTheColumn) {
  EXPECT_ERROR(data::parse_csv("a,b\n1,2\n3\n", "f.csv"), "f.csv", "line 3 has 1 fields", "2 columns");
  EXPECT_ERROR(data::parse_csv("a,b\n1,2\n3,x\n"), "line 3, column 'b'", "'x' is not a finite number");
  EXPECT_ERROR(data::parse_csv("a,b\n1,\n"), "line 2, column 'b'", "'' is not");
  EXPECT_ERROR(data::parse_csv("a,b\n1,nan\n"), "'nan' is not a finite number");
  EXPECT_ERROR(data::parse_csv("a,b\ninf,1\n"), "column 'a'", "'inf'");
  EXPECT_ERROR(data::parse_csv("a,b\n1,1e999\n"), "'1e999'");
  EXPECT_ERROR(data::parse_csv("a,b\n1,2x\n"), "'2x'");
  EXPECT_ERROR(data::parse_csv("a,\"b\n1,2\n"), "line 1", "not closed");
  EXPECT_ERROR(data::parse_csv("\"a\"x,b\n1,2\n"), "line 1", "after the closing quote");
  EXPECT_ERROR(data::parse_csv("a,b\n\n", "empty.csv"), "empty.csv", "no data rows");
  EXPECT_ERROR(data::parse_csv(""), "no data rows");
}

TEST(CsvTable, AnUnknownColumnListsTheColumns) {
  const data::CsvTable t = data::parse_csv("x,y\n1,2\n");
  EXPECT_ERROR(t.column("z"), "no column 'z'", "x, y", "index below 2");
  EXPECT_ERROR(t.column("2"), "no column '2'");
}

TEST(ReadCsv, FromAStreamAndAFile) {
  std::istringstream in("u,v\n1,2\n");
  EXPECT_EQ(data::parse_csv(in).values, (std::vector<double>{1, 2}));

  const std::string path =
      (std::filesystem::temp_directory_path() / ("xgrad_test_csv_" + std::to_string(::getpid()) + ".csv")).string();
  std::ofstream(path) << "p,q\n7,8\n9,x\n";
  EXPECT_ERROR(data::read_csv(path), path.c_str(), "line 3, column 'q'");
  std::filesystem::remove(path);
  EXPECT_ERROR(data::read_csv(path), path.c_str(), "cannot open");
}

TEST(ParseCsv, AByteOrderMarkIsNotPartOfTheFirstField) {
  // Before, "\xEF\xBB\xBF1" was not a number, so the first data row was taken as a header.
  const data::CsvTable t = data::parse_csv(
      "\xEF\xBB\xBF"
      "1,2\n3,4\n");
  EXPECT_EQ(t.columns, (std::vector<std::string>{"0", "1"}));
  EXPECT_EQ(t.rows, 2u);
  EXPECT_EQ(t.values, (std::vector<double>{1, 2, 3, 4}));
  const data::CsvTable h = data::parse_csv(
      "\xEF\xBB\xBF"
      "x,y\n1,2\n");
  EXPECT_EQ(h.columns, (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(h.column("x"), 0u);
}

TEST(ParseCsv, NumberSyntaxIsStrict) {
  // "+-2" parsed as -2 before: the '+' was dropped and from_chars read the rest.
  EXPECT_ERROR(data::parse_csv("a,b\n1,+-2\n"), "line 2, column 'b'", "'+-2' is not a finite number");
  EXPECT_ERROR(data::parse_csv("a,b\n1,++2\n"), "'++2' is not");
  EXPECT_ERROR(data::parse_csv("a,b\n1,-+2\n"), "'-+2' is not");
  EXPECT_ERROR(data::parse_csv("a,b\n1,--2\n"), "'--2' is not");
  EXPECT_ERROR(data::parse_csv("a,b\n1,0x10\n"), "'0x10' is not");
  EXPECT_ERROR(data::parse_csv("a,b\n1,2 3\n"), "'2 3' is not");
  const data::CsvTable t = data::parse_csv("a,b\n+2,-2\n+.5,1e-3\n");
  EXPECT_EQ(t.values, (std::vector<double>{2, -2, 0.5, 1e-3}));
}

TEST(ParseCsv, ValuesBeyondFloatRangeAreErrorsNamingRowAndColumn) {
  // 1e200 loaded before, and the variance of its column overflowed to inf downstream.
  EXPECT_ERROR(data::parse_csv("a,b\n1,2\n3,1e200\n", "big.csv"), "big.csv", "line 3 (data row 2), column 'b'",
               "'1e200' is out of range", "float32");
  EXPECT_ERROR(data::parse_csv("a,b\n-3.5e38,1\n"), "column 'a'", "'-3.5e38' is out of range");
  EXPECT_ERROR(data::parse_csv("1e200,1\n2,3\n"), "line 1 (data row 1), column '0'", "out of range");  // not a header
  EXPECT_ERROR(data::parse_csv("a\n1e-400\n"), "'1e-400' is out of range");
  const data::CsvTable t = data::parse_csv("a\n3.4e38\n-3.4e38\n1e-300\n");
  EXPECT_EQ(t.values, (std::vector<double>{3.4e38, -3.4e38, 1e-300}));
}
