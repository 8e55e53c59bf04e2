// Fusion: jaxpr equations -> groups -> kernel IR (see fusion.h).
//
// Building a kernel walks the group's values backwards from its outputs. Each
// value is emitted at an *index map*: a matrix giving the value's index as a
// linear function of the kernel's domain index. Elementwise ops pass the map
// to their operands; broadcast_in_dim drops rows, transpose permutes them,
// unit-dim reshapes insert/remove zero rows, a reduce maps its reduced axes to
// the domain's inner dims. At a group input the map becomes load strides.
// Memoizing (value, map) makes a value used twice at the same index one node.
#include "compiler/fusion.h"

#include <algorithm>
#include <map>
#include <numeric>
#include <optional>
#include <set>
#include <unordered_map>

#include "prims/op_tables.h"

namespace jx::compiler {
namespace {

using kir::BinaryOp;
using kir::ReduceOp;
using kir::UnaryOp;

enum class Cls : uint8_t { None, Compute, View, Reduce };

struct NotFusible {};

bool is_view_name(const std::string& n) {
  return n == "broadcast_in_dim" || n == "transpose" || n == "reshape" || n == "squeeze" ||
         n == "expand_dims";
}

// Reduced axes of a reduce_* equation, canonical and sorted.
std::vector<int64_t> reduce_axes(const Jaxpr& j, const Eqn& e) {
  std::vector<int64_t> axes = e.params.get_ints("axes");
  int64_t r = j.aval_of(e.inputs[0]).ndim();
  for (int64_t& a : axes) a = a < 0 ? a + r : a;
  std::sort(axes.begin(), axes.end());
  return axes;
}

Cls classify(const Jaxpr& j, const Eqn& e) {
  if (e.outputs.size() != 1 || e.inputs.empty()) return Cls::None;
  const std::string& name = e.prim->name;
  DType out = j.avals[size_t(e.outputs[0])].dtype;
  DType in = j.aval_of(e.inputs[0]).dtype;
  if (!kir::supports_dtype(out) || !kir::supports_dtype(in)) return Cls::None;
  UnaryOp u;
  BinaryOp b;
  ReduceOp r;
  if (prims::unary_op_of(*e.prim, &u)) return kir::supports_unary(u, in) ? Cls::Compute : Cls::None;
  if (prims::binary_op_of(*e.prim, &b)) {
    if (e.inputs.size() != 2 || !(j.aval_of(e.inputs[0]).shape == j.aval_of(e.inputs[1]).shape))
      return Cls::None;
    return kir::supports_binary(b, in) ? Cls::Compute : Cls::None;
  }
  if (name == "integer_pow")
    return kir::supports_binary(BinaryOp::kMul, in) &&
                   (in.is_floating() || e.params.get_int("y") >= 0)
               ? Cls::Compute
               : Cls::None;
  if (name == "convert_element_type") return Cls::Compute;
  if (name == "select_n") return e.inputs.size() == 3 && in == bool_ ? Cls::Compute : Cls::None;
  if (name == "clamp") return kir::supports_binary(BinaryOp::kMax, out) ? Cls::Compute : Cls::None;
  if (is_view_name(name)) return Cls::View;
  if (prims::reduce_op_of(*e.prim, &r)) {
    if (!kir::supports_reduce(r, in)) return Cls::None;
    std::vector<int64_t> axes = reduce_axes(j, e);
    int64_t rank = j.aval_of(e.inputs[0]).ndim();
    if (axes.empty() || j.aval_of(e.inputs[0]).size() == 0) return Cls::None;
    for (size_t i = 0; i < axes.size(); ++i)  // trailing axes only (row reductions)
      if (axes[i] != rank - int64_t(axes.size()) + int64_t(i)) return Cls::None;
    return Cls::Reduce;
  }
  return Cls::None;
}

std::vector<int64_t> contiguous_strides(const Shape& s) {
  std::vector<int64_t> st(s.size(), 1);
  for (size_t i = s.size(); i-- > 1;) st[i - 1] = st[i] * s[i];
  return st;
}

// value index = M * domain index; rows = value rank, cols = domain rank.
struct Map {
  size_t cols = 0;
  std::vector<int64_t> c;  // row-major rows x cols
  size_t rows() const { return cols ? c.size() / cols : 0; }
  int64_t at(size_t r, size_t d) const { return c[r * cols + d]; }
  std::vector<int64_t> row(size_t r) const {
    return std::vector<int64_t>(c.begin() + long(r * cols), c.begin() + long((r + 1) * cols));
  }
  void push_row(const std::vector<int64_t>& r) { c.insert(c.end(), r.begin(), r.end()); }
  bool operator<(const Map& o) const { return c < o.c; }
};

class KernelBuilder {
 public:
  KernelBuilder(const Jaxpr& j, const std::vector<size_t>& eqns, const std::vector<int>& producer)
      : j_(j), producer_(producer) {
    in_group_.insert(eqns.begin(), eqns.end());
    eqns_ = eqns;
  }

  FusedKernel build() {
    FusedKernel fk;
    fk.eqns = eqns_;
    std::sort(fk.eqns.begin(), fk.eqns.end());
    // Outputs: values defined here and used outside (or returned).
    std::set<int> defined;
    for (size_t e : eqns_)
      for (int o : j_.eqns[e].outputs) defined.insert(o);
    std::set<int> outs;
    for (size_t e = 0; e < j_.eqns.size(); ++e) {
      if (in_group_.count(e)) continue;
      for (const Atom& a : j_.eqns[e].inputs)
        if (!a.is_literal() && defined.count(a.var)) outs.insert(a.var);
    }
    for (const Atom& a : j_.outvars)
      if (!a.is_literal() && defined.count(a.var)) outs.insert(a.var);
    if (outs.empty()) throw NotFusible{};
    // The domain: from the reductions if any, else the outputs' common shape.
    std::vector<int64_t> kept, reduced;
    bool has_reduce = false;
    for (size_t e : eqns_) {
      ReduceOp r;
      if (!prims::reduce_op_of(*j_.eqns[e].prim, &r)) continue;
      const Shape& in = j_.aval_of(j_.eqns[e].inputs[0]).shape;
      std::vector<int64_t> axes = reduce_axes(j_, j_.eqns[e]);
      std::vector<int64_t> k(in.begin(), in.end() - long(axes.size()));
      std::vector<int64_t> rd(in.end() - long(axes.size()), in.end());
      if (has_reduce && (k != kept || rd != reduced)) throw NotFusible{};
      kept = k;
      reduced = rd;
      has_reduce = true;
    }
    kir::Kernel& K = fk.kernel;
    if (has_reduce) {
      std::vector<int64_t> dom = kept;
      dom.insert(dom.end(), reduced.begin(), reduced.end());
      K.domain = Shape(dom);
      K.num_reduced = int(reduced.size());
    } else {
      const Shape& s = j_.avals[size_t(*outs.begin())].shape;
      for (int o : outs)
        if (!(j_.avals[size_t(o)].shape == s)) throw NotFusible{};
      K.domain = s.size() ? s : Shape({1});
    }
    ncols_ = K.domain.size();
    K_ = &K;
    // Input params are created on demand while emitting; outputs go after,
    // so emit everything first, then renumber output params.
    std::vector<std::pair<int, int>> out_nodes;  // (var, node)
    std::vector<Map> out_maps;
    for (int o : outs) {
      const Shape& s = j_.avals[size_t(o)].shape;
      Map m;
      m.cols = ncols_;
      bool full = s.size() == K.domain.size() && std::equal(s.begin(), s.end(), K.domain.begin());
      bool row =
          has_reduce && s.size() == kept.size() && std::equal(s.begin(), s.end(), kept.begin());
      bool scalar_domain = !has_reduce && s.size() == 0;
      if (!full && !row && !scalar_domain) throw NotFusible{};
      for (size_t r = 0; r < s.size(); ++r) {
        std::vector<int64_t> rowv(ncols_, 0);
        rowv[r] = 1;
        m.push_row(rowv);
      }
      out_nodes.push_back({o, emit(o, m)});
      out_maps.push_back(m);
    }
    int nin = int(K.params.size());
    for (size_t i = 0; i < out_nodes.size(); ++i) {
      int v = out_nodes[i].first;
      const Aval& av = j_.avals[size_t(v)];
      K.params.push_back({av.dtype, av.size(), true});
      std::vector<int64_t> cs = contiguous_strides(av.shape);
      std::vector<int64_t> strides(ncols_, 0);
      for (size_t r = 0; r < out_maps[i].rows(); ++r)
        for (size_t d = 0; d < ncols_; ++d) strides[d] += out_maps[i].at(r, d) * cs[r];
      K.stores.push_back({nin + int(i), out_nodes[i].second, 0, strides});
      fk.outputs.push_back(v);
    }
    fk.inputs = inputs_;
    return fk;
  }

 private:
  int input_param(int var) {
    auto it = param_of_.find(var);
    if (it != param_of_.end()) return it->second;
    const Aval& av = j_.avals[size_t(var)];
    K_->params.push_back({av.dtype, av.size(), false});
    inputs_.push_back(var);
    return param_of_[var] = int(K_->params.size()) - 1;
  }

  int load(int var, const Shape& as_shape, const Map& m) {
    std::vector<int64_t> cs = contiguous_strides(as_shape);
    std::vector<int64_t> strides(ncols_, 0);
    for (size_t r = 0; r < m.rows(); ++r)
      for (size_t d = 0; d < ncols_; ++d) strides[d] += m.at(r, d) * cs[r];
    return kir::add_load(*K_, input_param(var), j_.avals[size_t(var)].dtype, strides);
  }

  int emit_atom(const Atom& a, const Map& m) {
    if (!a.is_literal()) return emit(a.var, m);
    const Array& lit = a.literal;
    if (lit.ndim() != 0) throw NotFusible{};
    return kir::add_constant(*K_, lit.dtype(), lit.item<double>());
  }

  // The operand map for an elementwise operand: the same map, or none for a
  // 0-d operand (a scalar broadcast by the op).
  Map operand_map(const Atom& a, const Map& m) {
    if (j_.aval_of(a).ndim() == 0) return Map{ncols_, {}};
    return m;
  }

  int emit(int var, const Map& m) {
    auto key = std::make_pair(var, m.c);
    auto it = memo_.find(key);
    if (it != memo_.end()) return it->second;
    int n = emit_uncached(var, m);
    memo_[key] = n;
    return n;
  }

  int emit_uncached(int var, const Map& m) {
    int pe = producer_[size_t(var)];
    if (pe < 0 || !in_group_.count(size_t(pe))) return load(var, j_.avals[size_t(var)].shape, m);
    const Eqn& e = j_.eqns[size_t(pe)];
    const std::string& name = e.prim->name;
    kir::Kernel& K = *K_;
    UnaryOp u;
    BinaryOp b;
    ReduceOp r;
    if (prims::unary_op_of(*e.prim, &u)) {
      if (u == UnaryOp::kRoundAway && e.params.has("rounding_method") &&
          e.params.get_int("rounding_method") == 1)
        u = UnaryOp::kRoundEven;
      return kir::add_unary(K, u, emit_atom(e.inputs[0], operand_map(e.inputs[0], m)));
    }
    if (prims::binary_op_of(*e.prim, &b)) {
      int x = emit_atom(e.inputs[0], operand_map(e.inputs[0], m));
      int y = emit_atom(e.inputs[1], operand_map(e.inputs[1], m));
      return kir::add_binary(K, b, x, y);
    }
    if (name == "integer_pow") {
      int x = emit_atom(e.inputs[0], m);
      int64_t p = e.params.get_int("y");
      bool inv = p < 0;
      p = inv ? -p : p;
      int acc = -1, sq = x;
      while (p > 0) {
        if (p & 1) acc = acc < 0 ? sq : kir::add_binary(K, BinaryOp::kMul, acc, sq);
        p >>= 1;
        if (p) sq = kir::add_binary(K, BinaryOp::kMul, sq, sq);
      }
      if (acc < 0) acc = kir::add_constant(K, K.nodes[size_t(x)].dtype, 1);
      if (inv)
        acc = kir::add_binary(K, BinaryOp::kDiv, kir::add_constant(K, K.nodes[size_t(x)].dtype, 1),
                              acc);
      return acc;
    }
    if (name == "convert_element_type") {
      DType to = j_.avals[size_t(var)].dtype;
      int x = emit_atom(e.inputs[0], m);
      return K.nodes[size_t(x)].dtype == to ? x : kir::add_convert(K, to, x);
    }
    if (name == "select_n") {
      int p = emit_atom(e.inputs[0], operand_map(e.inputs[0], m));
      int f = emit_atom(e.inputs[1], operand_map(e.inputs[1], m));
      int t = emit_atom(e.inputs[2], operand_map(e.inputs[2], m));
      return kir::add_select(K, p, t, f);
    }
    if (name == "clamp") {  // clamp(lo, x, hi) = min(max(x, lo), hi)
      int lo = emit_atom(e.inputs[0], operand_map(e.inputs[0], m));
      int x = emit_atom(e.inputs[1], m);
      int hi = emit_atom(e.inputs[2], operand_map(e.inputs[2], m));
      return kir::add_binary(K, BinaryOp::kMin, kir::add_binary(K, BinaryOp::kMax, x, lo), hi);
    }
    const Shape& in_shape = j_.aval_of(e.inputs[0]).shape;
    const Shape& out_shape = j_.avals[size_t(var)].shape;
    if (name == "broadcast_in_dim") {
      const auto& bd = e.params.get_ints("broadcast_dimensions");
      Map om{ncols_, {}};
      for (size_t k = 0; k < bd.size(); ++k) {
        if (in_shape[k] == 1 && out_shape[size_t(bd[k])] != 1)
          om.push_row(std::vector<int64_t>(ncols_, 0));
        else
          om.push_row(m.row(size_t(bd[k])));
      }
      return emit_atom(e.inputs[0], om);
    }
    if (name == "transpose") {
      const auto& perm = e.params.get_ints("permutation");
      Map om{ncols_, std::vector<int64_t>(m.c.size(), 0)};
      for (size_t k = 0; k < perm.size(); ++k)
        std::copy_n(m.c.begin() + long(k * ncols_), ncols_,
                    om.c.begin() + long(size_t(perm[k]) * ncols_));
      return emit_atom(e.inputs[0], om);
    }
    if (name == "reshape" || name == "squeeze" || name == "expand_dims") {
      if (e.inputs[0].is_literal()) throw NotFusible{};
      int x = e.inputs[0].var;
      int px = producer_[size_t(x)];
      if (px < 0 || !in_group_.count(size_t(px)))  // a group input: load it in the new shape
        return load(x, out_shape, m);
      // A computed value: only unit dims may come and go.
      std::vector<size_t> in_nz, out_nz;
      for (size_t k = 0; k < in_shape.size(); ++k)
        if (in_shape[k] != 1) in_nz.push_back(k);
      for (size_t k = 0; k < out_shape.size(); ++k)
        if (out_shape[k] != 1) out_nz.push_back(k);
      if (in_nz.size() != out_nz.size()) throw NotFusible{};
      for (size_t k = 0; k < in_nz.size(); ++k)
        if (in_shape[in_nz[k]] != out_shape[out_nz[k]]) throw NotFusible{};
      Map om{ncols_, std::vector<int64_t>(in_shape.size() * ncols_, 0)};
      for (size_t k = 0; k < in_nz.size(); ++k)
        std::copy_n(m.c.begin() + long(out_nz[k] * ncols_), ncols_,
                    om.c.begin() + long(in_nz[k] * ncols_));
      return emit(x, om);
    }
    if (prims::reduce_op_of(*e.prim, &r)) {
      // The reduce's value must be row-level, its reduced axes the inner dims.
      size_t first_inner = ncols_ - size_t(K.num_reduced);
      if (K.num_reduced == 0) throw NotFusible{};
      for (size_t row = 0; row < m.rows(); ++row)
        for (size_t d = first_inner; d < ncols_; ++d)
          if (m.at(row, d) != 0) throw NotFusible{};
      std::vector<int64_t> axes = reduce_axes(j_, e);
      if (axes.size() != size_t(K.num_reduced)) throw NotFusible{};
      Map om{ncols_, {}};
      size_t kept_i = 0, red_i = 0;
      for (size_t k = 0; k < in_shape.size(); ++k) {
        if (std::binary_search(axes.begin(), axes.end(), int64_t(k))) {
          std::vector<int64_t> rowv(ncols_, 0);
          if (K.domain[first_inner + red_i] != in_shape[k]) throw NotFusible{};
          rowv[first_inner + red_i++] = 1;
          om.push_row(rowv);
        } else {
          om.push_row(m.row(kept_i++));
        }
      }
      return kir::add_reduce(K, r, emit_atom(e.inputs[0], om));
    }
    throw NotFusible{};
  }

  const Jaxpr& j_;
  const std::vector<int>& producer_;
  std::set<size_t> in_group_;
  std::vector<size_t> eqns_;
  size_t ncols_ = 0;
  kir::Kernel* K_ = nullptr;
  std::unordered_map<int, int> param_of_;
  std::vector<int> inputs_;
  std::map<std::pair<int, std::vector<int64_t>>, int> memo_;
};

// Merges adjacent domain dims that every access walks contiguously, drops
// unit dims, and splits a long elementwise domain so rows can go to threads.
void normalize_domain(kir::Kernel& k) {
  auto accesses = [&](auto&& f) {
    for (kir::Node& n : k.nodes)
      if (n.kind == kir::NodeKind::Load) f(n.strides);
    for (kir::Store& s : k.stores) f(s.strides);
  };
  auto erase_dim = [&](size_t d) {
    std::vector<int64_t> dom = k.domain.to_vector();
    dom.erase(dom.begin() + long(d));
    k.domain = Shape(dom);
    accesses([&](std::vector<int64_t>& st) { st.erase(st.begin() + long(d)); });
  };
  // Unit dims.
  for (size_t d = k.domain.size(); d-- > 0;) {
    if (k.domain[d] != 1 || k.domain.size() == 1) continue;
    bool inner = int(d) >= int(k.domain.size()) - k.num_reduced;
    if (inner && k.num_reduced == 1) continue;
    erase_dim(d);
    if (inner) --k.num_reduced;
  }
  // Contiguous neighbours on the same side of the row/inner boundary.
  for (size_t d = k.domain.size() - 1; d-- > 0;) {
    size_t boundary = k.domain.size() - size_t(k.num_reduced);
    if (k.num_reduced > 0 && d + 1 == boundary) continue;
    bool ok = true;
    int64_t inner_size = k.domain[d + 1];
    accesses([&](std::vector<int64_t>& st) { ok = ok && st[d] == st[d + 1] * inner_size; });
    if (!ok) continue;
    std::vector<int64_t> dom = k.domain.to_vector();
    dom[d] *= dom[d + 1];
    dom.erase(dom.begin() + long(d) + 1);
    k.domain = Shape(dom);
    accesses([&](std::vector<int64_t>& st) { st.erase(st.begin() + long(d)); });
    if (int(d + 1) >= int(boundary)) --k.num_reduced;
  }
  // Split a long innermost elementwise dim into [n / c, c].
  if (k.num_reduced == 0 && k.domain.back() >= (1 << 15)) {
    int64_t n = k.domain.back();
    int64_t c = 0;
    for (int64_t cand : {8192, 4096, 16384, 2048, 6144, 12288, 3072, 1024})
      if (n % cand == 0) {
        c = cand;
        break;
      }
    if (c) {
      std::vector<int64_t> dom = k.domain.to_vector();
      dom.back() = n / c;
      dom.push_back(c);
      k.domain = Shape(dom);
      accesses([&](std::vector<int64_t>& st) { st.insert(st.end() - 1, st.back() * c); });
    }
  }
}

class Planner {
 public:
  Planner(const Jaxpr& j, const FusionOptions& opts) : j_(j), opts_(opts) {
    size_t n = j.eqns.size();
    producer_.assign(j.avals.size(), -1);
    consumers_.assign(j.avals.size(), {});
    cls_.resize(n);
    group_of_.assign(n, -1);
    for (size_t e = 0; e < n; ++e) {
      cls_[e] = classify(j, j.eqns[e]);
      for (int o : j.eqns[e].outputs) producer_[size_t(o)] = int(e);
      for (const Atom& a : j.eqns[e].inputs)
        if (!a.is_literal()) consumers_[size_t(a.var)].push_back(e);
    }
  }

  FusionPlan plan() {
    FusionPlan p;
    for (size_t e = j_.eqns.size(); e-- > 0;) {
      if (cls_[e] == Cls::None || group_of_[e] >= 0) continue;
      std::vector<size_t> g{e};
      std::optional<FusedKernel> best = try_build(g);
      if (!best) continue;
      bool grew = true;
      while (grew && g.size() < opts_.max_group_eqns) {
        grew = false;
        for (size_t cand : candidates(g)) {
          std::vector<size_t> g2 = g;
          g2.push_back(cand);
          if (!acyclic(g2)) continue;
          auto fk = try_build(g2);
          if (!fk || fk->inputs.size() > opts_.max_group_inputs) continue;
          g = std::move(g2);
          best = std::move(fk);
          grew = true;
          break;
        }
      }
      bool computes = false;
      for (size_t x : g) computes = computes || cls_[x] != Cls::View;
      if (!computes) continue;  // index-only ops alone stay eager (views / copies)
      int id = int(groups_.size());
      for (size_t x : g) group_of_[x] = id;
      groups_.push_back(std::move(*best));
    }
    merge_consumers();
    for (FusedKernel& fk : groups_) {
      normalize_domain(fk.kernel);
      fk.kernel.verify();
    }
    // Topological order over units (eager equations and groups).
    size_t n = j_.eqns.size();
    auto unit_of = [&](size_t e) { return group_of_[e] >= 0 ? n + size_t(group_of_[e]) : e; };
    std::vector<std::set<size_t>> deps(n + groups_.size());
    std::vector<bool> live(n + groups_.size(), false);
    for (size_t e = 0; e < n; ++e) {
      size_t u = unit_of(e);
      live[u] = true;
      for (const Atom& a : j_.eqns[e].inputs) {
        if (a.is_literal() || producer_[size_t(a.var)] < 0) continue;
        size_t pu = unit_of(size_t(producer_[size_t(a.var)]));
        if (pu != u) deps[u].insert(pu);
      }
    }
    std::vector<bool> done(deps.size(), false);
    // Units become ready in order of their first equation: mostly the trace order.
    std::vector<size_t> first(deps.size(), SIZE_MAX);
    for (size_t e = 0; e < n; ++e) first[unit_of(e)] = std::min(first[unit_of(e)], e);
    std::vector<size_t> units;
    for (size_t u = 0; u < deps.size(); ++u)
      if (live[u]) units.push_back(u);
    std::sort(units.begin(), units.end(), [&](size_t a, size_t b) { return first[a] < first[b]; });
    size_t emitted = 0;
    while (emitted < units.size()) {
      bool progress = false;
      for (size_t u : units) {
        if (done[u]) continue;
        bool ready = true;
        for (size_t d : deps[u]) ready = ready && done[d];
        if (!ready) continue;
        done[u] = true;
        ++emitted;
        progress = true;
        p.order.push_back(u >= n ? FusionPlan::Item{true, u - n} : FusionPlan::Item{false, u});
        break;
      }
      if (!progress) throw_error("jit", "internal: fusion produced a cyclic plan");
    }
    p.kernels = std::move(groups_);
    for (size_t i = 0; i < p.kernels.size(); ++i)
      p.kernels[i].kernel.name = "fusion_" + std::to_string(i);
    return p;
  }

 private:
  std::optional<FusedKernel> try_build(const std::vector<size_t>& g) {
    try {
      KernelBuilder b(j_, g, producer_);
      return b.build();
    } catch (const NotFusible&) {
      return std::nullopt;
    }
  }

  // A group whose outputs feed a later group (or an ungrouped fusible
  // equation) with the same domain merges with it, when still acyclic.
  void merge_consumers() {
    std::vector<bool> dead(groups_.size(), false);
    bool changed = true;
    while (changed) {
      changed = false;
      for (size_t gi = 0; gi < groups_.size() && !changed; ++gi) {
        if (dead[gi]) continue;
        std::set<size_t> seen;
        for (int v : groups_[gi].outputs) {
          for (size_t c : consumers_[size_t(v)]) {
            int cg = group_of_[c];
            if (cg == int(gi) || (cg < 0 && cls_[c] == Cls::None)) continue;
            if (!seen.insert(cg < 0 ? c : j_.eqns.size() + size_t(cg)).second) continue;
            std::vector<size_t> merged = groups_[gi].eqns;
            if (cg < 0)
              merged.push_back(c);
            else
              merged.insert(merged.end(), groups_[size_t(cg)].eqns.begin(),
                            groups_[size_t(cg)].eqns.end());
            if (merged.size() > opts_.max_group_eqns || !acyclic(merged)) continue;
            auto fk = try_build(merged);
            if (!fk || fk->inputs.size() > opts_.max_group_inputs) continue;
            if (cg >= 0) {
              dead[size_t(cg)] = true;
              groups_[size_t(cg)].eqns.clear();
            }
            for (size_t e : merged) group_of_[e] = int(gi);
            groups_[gi] = std::move(*fk);
            changed = true;
            break;
          }
          if (changed) break;
        }
      }
    }
    std::vector<FusedKernel> live;
    std::vector<int> renum(groups_.size(), -1);
    for (size_t g = 0; g < groups_.size(); ++g)
      if (!dead[g]) {
        renum[g] = int(live.size());
        live.push_back(std::move(groups_[g]));
      }
    for (int& g : group_of_)
      if (g >= 0) g = renum[size_t(g)];
    groups_ = std::move(live);
  }

  // Ungrouped fusible producers of the group's inputs, latest first.
  std::vector<size_t> candidates(const std::vector<size_t>& g) {
    std::set<size_t> in(g.begin(), g.end()), c;
    for (size_t e : g)
      for (const Atom& a : j_.eqns[e].inputs) {
        if (a.is_literal()) continue;
        int p = producer_[size_t(a.var)];
        if (p >= 0 && !in.count(size_t(p)) && group_of_[size_t(p)] < 0 &&
            cls_[size_t(p)] != Cls::None)
          c.insert(size_t(p));
      }
    return std::vector<size_t>(c.rbegin(), c.rend());
  }

  // No path leaves the group and comes back: no consumer outside the group
  // of a group value is an ancestor of the group (groups count as units).
  bool acyclic(const std::vector<size_t>& g) {
    std::set<size_t> in(g.begin(), g.end());
    std::vector<bool> anc(j_.eqns.size(), false);
    std::vector<size_t> stack;
    auto push_inputs = [&](size_t e) {
      for (const Atom& a : j_.eqns[e].inputs) {
        if (a.is_literal()) continue;
        int p = producer_[size_t(a.var)];
        if (p >= 0 && !in.count(size_t(p)) && !anc[size_t(p)]) {
          anc[size_t(p)] = true;
          stack.push_back(size_t(p));
        }
      }
    };
    for (size_t e : g) push_inputs(e);
    while (!stack.empty()) {
      size_t e = stack.back();
      stack.pop_back();
      push_inputs(e);
      if (group_of_[e] >= 0)  // a fused group runs as a whole: all its inputs precede it
        for (size_t x : groups_[size_t(group_of_[e])].eqns)
          if (!anc[x]) {
            anc[x] = true;
            stack.push_back(x);
          }
    }
    for (size_t e : g)
      for (int o : j_.eqns[e].outputs)
        for (size_t c : consumers_[size_t(o)])
          if (!in.count(c) && anc[c]) return false;
    return true;
  }

  const Jaxpr& j_;
  FusionOptions opts_;
  std::vector<int> producer_;
  std::vector<std::vector<size_t>> consumers_;
  std::vector<Cls> cls_;
  std::vector<int> group_of_;
  std::vector<FusedKernel> groups_;
};

}  // namespace

FusionPlan plan_fusion(const Jaxpr& j, const FusionOptions& opts) {
  return Planner(j, opts).plan();
}

}  // namespace jx::compiler
