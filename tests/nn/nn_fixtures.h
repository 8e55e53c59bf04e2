// Reader for the jx::nn fixtures (tests/fixtures/nn/*.txt, written by
// gen_nn_fixtures.py from JAX/optax): one case per line,
//   <name> [param=value ...] | <dtype> <shape> : <hex bits> ... | ...
// and helpers to compare arrays by ulp distance. Header-only.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "jx/jx.h"

namespace jxt::nn {

struct FixtureCase {
  std::string name;
  std::map<std::string, std::string> params;
  std::vector<jx::Array> arrays;
  int line = 0;

  bool has(const std::string& k) const { return params.count(k) > 0; }
  const std::string& at(const std::string& k) const {
    auto it = params.find(k);
    if (it == params.end())
      throw std::runtime_error("fixture line " + std::to_string(line) + " lacks " + k);
    return it->second;
  }
  double num(const std::string& k) const { return std::stod(at(k)); }
  int integer(const std::string& k) const { return std::stoi(at(k)); }
  std::vector<int> ints(const std::string& k) const {
    std::vector<int> out;
    if (at(k) == "-") return out;
    std::stringstream ss(at(k));
    std::string t;
    while (std::getline(ss, t, ',')) out.push_back(std::stoi(t));
    return out;
  }
  jx::Shape shape(const std::string& k = "shape") const {
    jx::Shape s;
    std::stringstream ss(at(k));
    std::string d;
    while (std::getline(ss, d, 'x'))
      if (!d.empty()) s.push_back(std::stoll(d));
    return s;
  }
  std::string where() const { return name + " (fixture line " + std::to_string(line) + ")"; }
};

inline std::string trim(const std::string& s) {
  size_t a = s.find_first_not_of(' '), b = s.find_last_not_of(' ');
  return a == std::string::npos ? "" : s.substr(a, b - a + 1);
}

// "<dtype> <d0>x<d1> : <hex> ..." -> an array with those bits.
inline jx::Array parse_array(const std::string& text) {
  std::stringstream ss(text);
  std::string dt_name, shape_s, colon;
  ss >> dt_name >> shape_s;
  if (shape_s == ":") {
    shape_s.clear();
  } else {
    ss >> colon;
  }
  jx::DType dt = jx::dtype_from_name(dt_name);
  jx::Shape shape;
  std::stringstream sd(shape_s);
  std::string d;
  while (std::getline(sd, d, 'x'))
    if (!d.empty()) shape.push_back(std::stoll(d));
  std::vector<unsigned char> bytes;
  std::string v;
  int w = dt.itemsize();
  while (ss >> v) {
    uint64_t u = std::stoull(v, nullptr, 16);
    unsigned char buf[8];
    std::memcpy(buf, &u, 8);  // little endian
    bytes.insert(bytes.end(), buf, buf + w);
  }
  if (int64_t(bytes.size()) != shape.numel() * w)
    throw std::runtime_error("fixture array has the wrong number of values: " + text.substr(0, 60));
  return jx::make_from_host(bytes.data(), jx::Aval{dt, shape, false}, jx::default_device());
}

inline std::vector<FixtureCase> load_fixtures(const std::string& file) {
  std::string path = std::string(JX_FIXTURES_DIR) + "/nn/" + file;
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::vector<FixtureCase> out;
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty() || line[0] == '#') continue;
    FixtureCase c;
    c.line = n;
    size_t pos = 0;
    std::vector<std::string> parts;
    while (true) {
      size_t bar = line.find(" | ", pos);
      parts.push_back(line.substr(pos, bar == std::string::npos ? std::string::npos : bar - pos));
      if (bar == std::string::npos) break;
      pos = bar + 3;
    }
    std::stringstream head(parts[0]);
    head >> c.name;
    std::string kv;
    while (head >> kv) {
      auto eq = kv.find('=');
      c.params[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    for (size_t i = 1; i < parts.size(); ++i) c.arrays.push_back(parse_array(trim(parts[i])));
    out.push_back(std::move(c));
  }
  return out;
}

/// Elements of a floating array as doubles.
inline std::vector<double> as_doubles(const jx::Array& a) {
  return jx::np::astype(a, jx::float64).to_vector<double>();
}

/// Largest distance between got and want in units of want's dtype epsilon
/// scaled to each element's magnitude (max(|want|, tiny_scale)); nan matches
/// nan and equal infinities match. Shapes and dtypes must agree.
inline double max_rel_ulps(const jx::Array& got, const jx::Array& want, double tiny_scale) {
  if (got.shape() != want.shape() || got.dtype() != want.dtype()) return INFINITY;
  double eps = want.dtype() == jx::float64    ? 0x1p-52
               : want.dtype() == jx::float16  ? 0x1p-10
               : want.dtype() == jx::bfloat16 ? 0x1p-7
                                              : 0x1p-23;
  auto g = as_doubles(got), w = as_doubles(want);
  double worst = 0;
  for (size_t i = 0; i < g.size(); ++i) {
    if (std::isnan(w[i]) && std::isnan(g[i])) continue;
    if (std::isinf(w[i]) && g[i] == w[i]) continue;
    double d = std::fabs(g[i] - w[i]) / (eps * std::max(std::fabs(w[i]), tiny_scale));
    if (std::isnan(d)) d = INFINITY;
    worst = std::max(worst, d);
  }
  return worst;
}

/// True when every element has the same bits.
inline bool same_bits(const jx::Array& got, const jx::Array& want) {
  if (got.shape() != want.shape() || got.dtype() != want.dtype()) return false;
  return std::memcmp(got.data(), want.data(), size_t(want.size() * want.dtype().itemsize())) == 0;
}

}  // namespace jxt::nn
