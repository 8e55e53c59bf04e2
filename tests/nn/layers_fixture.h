// Reads tests/fixtures/nn/layers_*.txt (written by gen_layers_fixtures.py
// from equinox): `name shape=AxB dtype=f32|i32 : values...`, and compares
// arrays with a tolerance. Shared by tests/nn/layers_*_test.cpp.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "jx/check_grads.h"
#include "jx/jx.h"

namespace jxt::nn {

class Fixture {
 public:
  explicit Fixture(const std::string& file) {
    std::ifstream in(std::string(JX_FIXTURES_DIR) + "/nn/" + file);
    EXPECT_TRUE(in.good()) << "missing fixture " << file;
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty() || line[0] == '#') continue;
      std::istringstream ss(line);
      std::string name, shape, dtype, colon;
      ss >> name >> shape >> dtype >> colon;
      Entry e;
      std::string dims = shape.substr(6);
      std::stringstream ds(dims);
      std::string d;
      while (std::getline(ds, d, 'x'))
        if (!d.empty()) e.shape.push_back(std::stoll(d));
      e.is_int = dtype == "dtype=i32";
      double v;
      while (ss >> v) e.values.push_back(v);
      entries_[name] = e;
    }
  }
  /// A float32 array (or int32 for integer entries).
  jx::Array operator[](const std::string& name) const {
    auto it = entries_.find(name);
    if (it == entries_.end()) ADD_FAILURE() << "fixture has no entry " << name;
    const Entry& e = it->second;
    if (e.is_int) {
      std::vector<int32_t> v(e.values.begin(), e.values.end());
      return jx::make_from_host(v.data(), jx::Aval{jx::int32, jx::Shape(e.shape), false},
                                jx::default_device());
    }
    std::vector<float> v(e.values.begin(), e.values.end());
    return jx::make_from_host(v.data(), jx::Aval{jx::float32, jx::Shape(e.shape), false},
                              jx::default_device());
  }
  /// An int entry as a bool array.
  jx::Array mask(const std::string& name) const { return jx::np::astype((*this)[name], jx::bool_); }

 private:
  struct Entry {
    std::vector<int64_t> shape;
    std::vector<double> values;
    bool is_int = false;
  };
  std::map<std::string, Entry> entries_;
};

/// Same shape and |a - b| <= atol + rtol * |b| everywhere.
inline ::testing::AssertionResult close(const jx::Array& a, const jx::Array& b, double atol = 1e-5,
                                        double rtol = 1e-5) {
  if (a.shape() != b.shape())
    return ::testing::AssertionFailure()
           << "shapes differ: " << a.shape().str() << " vs " << b.shape().str();
  auto av = jx::np::astype(a, jx::float64).to_vector<double>();
  auto bv = jx::np::astype(b, jx::float64).to_vector<double>();
  for (size_t i = 0; i < av.size(); ++i)
    if (!(std::abs(av[i] - bv[i]) <= atol + rtol * std::abs(bv[i])))
      return ::testing::AssertionFailure() << "element " << i << ": " << av[i] << " vs " << bv[i]
                                           << " (shape " << a.shape().str() << ")";
  return ::testing::AssertionSuccess();
}

/// check_grads of call(module, args...) w.r.t. every leaf of the module and
/// of the (floating) arguments, forward and reverse, to `order`.
template <class M, class F, class... Args>
void check_module_grads(const M& module, F call, int order, const Args&... args) {
  auto tup = std::make_tuple(module, args...);
  std::vector<jx::Array> leaves = jx::tree::leaves(tup);
  jx::FlatFn f = [&](std::span<const jx::Array> in) {
    auto t = jx::tree::unflatten_like(tup, in);
    return jx::tree::leaves(std::apply(call, t));
  };
  jx::test::check_grads(f, leaves, order, {"fwd", "rev"});
}

}  // namespace jxt::nn
