// Small raster plots for the examples, written to PNG with png.h: line plots
// with axes, ticks, grid, title and legend (several panels side by side), and
// a grid of grayscale images with a caption under each. Text uses the 5x7
// font of font.h. Header-only.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "font.h"
#include "png.h"

namespace examples {

inline constexpr Rgb kBlack{0, 0, 0}, kWhite{255, 255, 255}, kGray{120, 120, 120},
    kLightGray{225, 225, 225}, kBlue{31, 119, 180}, kOrange{255, 127, 14}, kGreen{44, 160, 44},
    kRed{214, 39, 40};

/// Fills the rectangle [x0, x1) x [y0, y1) (clipped).
inline void fill_rect(Image& img, int x0, int y0, int x1, int y1, Rgb c) {
  for (int y = std::max(y0, 0); y < std::min(y1, img.height); ++y)
    for (int x = std::max(x0, 0); x < std::min(x1, img.width); ++x) put_pixel(img, x, y, c);
}

/// A line from (x0, y0) to (x1, y1), `thickness` pixels wide (Bresenham,
/// each step stamping a square).
inline void draw_line(Image& img, int x0, int y0, int x1, int y1, Rgb c, int thickness = 1) {
  int dx = std::abs(x1 - x0), sx = x0 < x1 ? 1 : -1;
  int dy = -std::abs(y1 - y0), sy = y0 < y1 ? 1 : -1;
  int err = dx + dy, lo = -(thickness - 1) / 2, hi = thickness / 2;
  for (;;) {
    fill_rect(img, x0 + lo, y0 + lo, x0 + hi + 1, y0 + hi + 1, c);
    if (x0 == x1 && y0 == y1) break;
    int e2 = 2 * err;
    if (e2 >= dy) err += dy, x0 += sx;
    if (e2 <= dx) err += dx, y0 += sy;
  }
}

/// One curve of a line plot.
struct Series {
  std::string name;
  std::vector<double> x, y;
  Rgb color = kBlue;
  bool markers = false;  ///< a small square at each point
};

/// One panel: its curves and labels. y_min/y_max default to the data range.
struct Axes {
  std::string title, xlabel, ylabel;
  std::vector<Series> series;
  double y_min = std::numeric_limits<double>::quiet_NaN();
  double y_max = std::numeric_limits<double>::quiet_NaN();
};

/// Tick positions covering [lo, hi] with a 1-2-5 step, about `target` of them.
inline std::vector<double> nice_ticks(double lo, double hi, int target = 5) {
  if (!(hi > lo)) return {lo};
  double raw = (hi - lo) / target, mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag * (raw / mag < 1.5 ? 1 : raw / mag < 3.5 ? 2 : raw / mag < 7.5 ? 5 : 10);
  std::vector<double> t;
  for (double v = std::ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step)
    t.push_back(std::abs(v) < step * 1e-9 ? 0.0 : v);
  return t;
}

/// A short label for a tick value ("0.25", "3", "1e+04").
inline std::string tick_label(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

/// Draws `ax` into the rectangle (x, y, w, h) of `img`.
inline void draw_axes(Image& img, int x, int y, int w, int h, const Axes& ax) {
  double xlo = std::numeric_limits<double>::infinity(), xhi = -xlo, ylo = xlo, yhi = -xlo;
  for (const Series& s : ax.series) {
    for (double v : s.x) xlo = std::min(xlo, v), xhi = std::max(xhi, v);
    for (double v : s.y)
      if (std::isfinite(v)) ylo = std::min(ylo, v), yhi = std::max(yhi, v);
  }
  if (!std::isfinite(xlo)) xlo = 0, xhi = 1;
  if (!std::isfinite(ylo)) ylo = 0, yhi = 1;
  if (!std::isnan(ax.y_min)) ylo = ax.y_min;
  if (!std::isnan(ax.y_max)) yhi = ax.y_max;
  if (xhi <= xlo) xhi = xlo + 1;
  if (yhi <= ylo) yhi = ylo + 1;
  double ypad = (yhi - ylo) * 0.05;
  if (std::isnan(ax.y_min)) ylo -= ypad;
  if (std::isnan(ax.y_max)) yhi += ypad;
  // Plot area inside the panel: room for tick labels, axis labels, title.
  int left = x + 62, right = x + w - 12, top = y + 28, bottom = y + h - 40;
  auto px = [&](double v) {
    return left + int(std::lround((v - xlo) / (xhi - xlo) * (right - left)));
  };
  auto py = [&](double v) {
    return bottom - int(std::lround((v - ylo) / (yhi - ylo) * (bottom - top)));
  };
  for (double t : nice_ticks(ylo, yhi)) {
    int yy = py(t);
    draw_line(img, left, yy, right, yy, kLightGray);
    std::string s = tick_label(t);
    draw_text(img, left - 6 - text_width(s), yy - 3, s, kGray);
  }
  for (double t : nice_ticks(xlo, xhi)) {
    int xx = px(t);
    draw_line(img, xx, top, xx, bottom, kLightGray);
    std::string s = tick_label(t);
    draw_text(img, xx - text_width(s) / 2, bottom + 6, s, kGray);
  }
  draw_line(img, left, top, left, bottom, kBlack);
  draw_line(img, left, bottom, right, bottom, kBlack);
  draw_text(img, x + (w - text_width(ax.title, 2)) / 2, y + 6, ax.title, kBlack, 2);
  draw_text(img, left + (right - left - text_width(ax.xlabel)) / 2, bottom + 22, ax.xlabel, kBlack);
  draw_text_vertical(img, x + 4, top + (bottom - top - text_width(ax.ylabel)) / 2, ax.ylabel,
                     kBlack);
  for (const Series& s : ax.series) {
    size_t n = std::min(s.x.size(), s.y.size());
    for (size_t i = 0; i + 1 < n; ++i)
      if (std::isfinite(s.y[i]) && std::isfinite(s.y[i + 1]))
        draw_line(img, px(s.x[i]), py(s.y[i]), px(s.x[i + 1]), py(s.y[i + 1]), s.color, 2);
    if (s.markers || n == 1)
      for (size_t i = 0; i < n; ++i)
        if (std::isfinite(s.y[i]))
          fill_rect(img, px(s.x[i]) - 3, py(s.y[i]) - 3, px(s.x[i]) + 4, py(s.y[i]) + 4, s.color);
  }
  // Legend, top right, one line per named series.
  int ly = top + 6;
  for (const Series& s : ax.series) {
    if (s.name.empty()) continue;
    int tw = text_width(s.name);
    fill_rect(img, right - tw - 28, ly - 2, right - 4, ly + 9, kWhite);
    draw_line(img, right - tw - 24, ly + 3, right - tw - 12, ly + 3, s.color, 2);
    draw_text(img, right - tw - 8, ly, s.name, kBlack);
    ly += 13;
  }
}

/// Panels side by side, each panel_w x panel_h, on a white background.
inline Image line_plots(const std::vector<Axes>& panels, int panel_w = 480, int panel_h = 360) {
  Image img(panel_w * int(std::max<size_t>(panels.size(), 1)), panel_h);
  for (size_t i = 0; i < panels.size(); ++i)
    draw_axes(img, int(i) * panel_w, 0, panel_w, panel_h, panels[i]);
  return img;
}

/// A grid of `n` grayscale images (uint8, h x w each, consecutive in
/// `pixels`), `cols` per row, each enlarged `scale` times, with up to two
/// caption lines under each (colors per image).
inline Image image_grid(const uint8_t* pixels, int n, int h, int w, int cols,
                        const std::vector<std::string>& line1, const std::vector<Rgb>& color1,
                        const std::vector<std::string>& line2, const std::vector<Rgb>& color2,
                        int scale = 3) {
  int cell_w = std::max(w * scale, 6 * 11) + 12, cell_h = h * scale + 34;
  int rows = (n + cols - 1) / cols;
  Image img(cell_w * cols, cell_h * rows);
  for (int i = 0; i < n; ++i) {
    int cx = (i % cols) * cell_w, cy = (i / cols) * cell_h;
    int ox = cx + (cell_w - w * scale) / 2, oy = cy + 4;
    for (int r = 0; r < h; ++r)
      for (int c = 0; c < w; ++c) {
        uint8_t v = pixels[(size_t(i) * h + r) * w + c];
        fill_rect(img, ox + c * scale, oy + r * scale, ox + (c + 1) * scale, oy + (r + 1) * scale,
                  Rgb{v, v, v});
      }
    auto caption = [&](const std::vector<std::string>& t, const std::vector<Rgb>& col, int line) {
      if (size_t(i) >= t.size()) return;
      std::string s = t[i];
      while (text_width(s) > cell_w - 4 && !s.empty()) s.pop_back();
      Rgb c = size_t(i) < col.size() ? col[i] : kBlack;
      draw_text(img, cx + (cell_w - text_width(s)) / 2, oy + h * scale + 4 + line * 11, s, c);
    };
    caption(line1, color1, 0);
    caption(line2, color2, 1);
  }
  return img;
}

}  // namespace examples
