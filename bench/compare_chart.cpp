// The bar chart of bench/compare: per workload, the faster peer's (PyTorch or libtorch) time over xgrad's with xgrad on
// 1 and on 2 threads (log scale; above 1 xgrad is faster), and the goal as a black tick.
//
//   compare_chart RESULTS.csv OUT.png      (RESULTS.csv as bench/compare_table.py writes it)
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>
#include <xgrad/plot/plot.hpp>

#include "common/cli.hpp"

namespace plot = xgrad::plot;

namespace {

struct Row {
  std::string workload;
  double goal = 0;
  std::vector<double> ratios;  // per thread count; NaN when missing
};

// The cells of a CSV line; Python's csv module ends lines with "\r\n", the '\r' is dropped.
std::vector<std::string> split(std::string line) {
  if (!line.empty() && line.back() == '\r') line.pop_back();
  std::vector<std::string> cells;
  std::stringstream s(line);
  for (std::string cell; std::getline(s, cell, ',');) cells.push_back(cell);
  return cells;
}

std::vector<Row> read(const std::string& path, std::vector<std::string>& thread_labels) {
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line)) return {};
  const std::vector<std::string> head = split(line);
  std::map<std::string, std::size_t> column;
  for (std::size_t i = 0; i < head.size(); ++i) column[head[i]] = i;
  std::vector<std::size_t> ratio_columns;
  for (std::size_t i = 0; i < head.size(); ++i)
    if (head[i].rfind("ratio_", 0) == 0) {
      ratio_columns.push_back(i);
      thread_labels.push_back(head[i].substr(6) + (head[i].substr(6) == "1" ? " thread" : " threads"));
    }
  std::vector<Row> rows;
  while (std::getline(in, line)) {
    const std::vector<std::string> cells = split(line);
    if (cells.size() < head.size()) continue;
    Row r{cells[column["workload"]], std::stod(cells[column["goal"]]), {}};
    for (std::size_t i : ratio_columns) r.ratios.push_back(cells[i].empty() ? NAN : std::stod(cells[i]));
    rows.push_back(r);
  }
  return rows;
}

}  // namespace

int main(int argc, char** argv) try {
  std::string results, out;
  cli::Parser cli("compare_chart",
                  "Draws bench/compare's bar chart: per workload, the faster peer's (PyTorch or libtorch) time over "
                  "xgrad's on each thread count "
                  "(log scale; above 1 xgrad is faster), and the goal as a black tick.");
  cli.input_file("results", results, "RESULTS.csv as bench/compare_table.py writes it");
  cli.output_file("out", out, "the PNG to write");
  if (auto exit = cli.parse(argc, argv)) return *exit;
  std::vector<std::string> threads;
  const std::vector<Row> rows = read(results, threads);
  if (rows.empty()) {
    std::fprintf(stderr, "compare_chart: no rows in %s\n", results.c_str());
    return 1;
  }
  double hi = 2, lo = 0.5;
  for (const Row& r : rows) {
    hi = std::max(hi, r.goal);
    for (double v : r.ratios)
      if (std::isfinite(v) && v > 0) hi = std::max(hi, v), lo = std::min(lo, v);
  }
  const int group = 110, margin_left = 90, margin_top = 120;
  plot::Canvas img(margin_left + group * int(rows.size()) + 40, 570);
  plot::Axes ax{.left = margin_left,
                .top = margin_top,
                .width = group * int(rows.size()),
                .height = 380,
                .x_min = 0,
                .x_max = double(rows.size()),
                .y_min = lo / 1.3,
                .y_max = hi * 1.5,
                .log_y = true};
  // Grid lines at 1, 2, 5 times powers of ten; parity (1) darker.
  for (int e = int(std::floor(std::log10(ax.y_min))); e <= int(std::ceil(std::log10(ax.y_max))); ++e)
    for (double m : {1.0, 2.0, 5.0}) {
      const double v = m * std::pow(10.0, e);
      if (v < ax.y_min || v > ax.y_max) continue;
      const int y = int(std::lround(ax.py(v)));
      img.fill_rect(ax.left, y, ax.left + ax.width, y + 1, v == 1 ? plot::kGray : plot::kLightGray);
      const std::string s = plot::format_number(v);
      img.text(ax.left - 10 - plot::Canvas::text_width(s), y - plot::Canvas::text_height() / 2, s, plot::kBlack);
    }
  const double bar = 0.7 / double(std::max<std::size_t>(1, threads.size()));
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const Row& r = rows[i];
    for (std::size_t t = 0; t < r.ratios.size(); ++t) {
      const double v = r.ratios[t];
      if (!std::isfinite(v) || v <= 0) continue;
      const double x0 = double(i) + 0.15 + bar * double(t);
      const int top = int(std::lround(ax.py(v))), base = int(std::lround(ax.py(1.0)));
      img.fill_rect(int(ax.px(x0)), std::min(top, base), int(ax.px(x0 + bar)) - 1, std::max(top, base) + 1,
                    plot::kPalette[t % 7]);
      const std::string s = plot::format_number(std::round(v * 100) / 100);
      img.text(int(ax.px(x0 + bar / 2)) - plot::Canvas::text_width(s, 1) / 2, std::min(top, base) - 12, s, plot::kBlack,
               1);
    }
    const int goal = int(std::lround(ax.py(r.goal)));
    img.fill_rect(int(ax.px(i + 0.08)), goal - 1, int(ax.px(i + 0.92)), goal + 2, plot::kBlack);
    img.text(int(ax.px(i + 0.5)) - plot::Canvas::text_width(r.workload) / 2, ax.top + ax.height + 10, r.workload,
             plot::kBlack);
  }
  img.rect(ax.left, ax.top, ax.left + ax.width + 1, ax.top + ax.height + 1, plot::kBlack);
  img.text(ax.left, 20, "faster of PyTorch, libtorch / xgrad (W8: peak RSS); black: the goal", plot::kBlack, 2);
  std::vector<std::pair<std::string, plot::Color>> legend;
  for (std::size_t t = 0; t < threads.size(); ++t) legend.push_back({"xgrad on " + threads[t], plot::kPalette[t % 7]});
  plot::legend(img, ax.left + 10, 46, legend);
  img.save_png(out);
  return 0;
} catch (...) {
  return cli::report_exception("compare_chart");
}
