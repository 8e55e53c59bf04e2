// Linear-algebra primitives: cholesky, triangular_solve, lu, qr, eigh, svd,
// batched over leading dimensions, float32/float64, with their jvp,
// transpose and batching rules (jax/_src/lax/linalg.py). Every rule is a
// composition of lax ops, triangular solves and batch_matmul, so derivatives
// of any order and vmap of derivatives follow. The decompositions batch by
// moving the batch axis to the front (their kernels loop over leading dims).
#include <algorithm>
#include <numeric>

#include "backend/cpu/kernels.h"
#include "jx/lax.h"
#include "jx/lax_contract.h"
#include "jx/lax_linalg.h"
#include "prims/rules.h"

namespace jx::cpu {  // backend/cpu/lapack.cpp
void cholesky(DType dt, const void* a, void* l, int64_t batch, int64_t n);
void triangular_solve(DType dt, const void* a, const void* b, void* x, int64_t batch, int64_t m,
                      int64_t n, bool left_side, bool lower, bool transpose_a, bool unit_diagonal);
void lu(DType dt, const void* a, void* lu_out, int32_t* pivots, int32_t* perm, int64_t batch,
        int64_t m, int64_t n);
void qr(DType dt, const void* a, void* q_out, void* r_out, int64_t batch, int64_t m, int64_t n,
        bool full_matrices);
void eigh(DType dt, const void* a, void* v_out, void* w_out, int64_t batch, int64_t n, bool lower);
void svd(DType dt, const void* a, void* s_out, void* u_out, void* vt_out, int64_t batch, int64_t m,
         int64_t n, bool full_matrices, bool compute_uv);
}  // namespace jx::cpu

namespace jx::prims {
namespace {

using Ints = std::vector<int64_t>;
using JvpOut = std::pair<std::vector<Array>, std::vector<Array>>;
using BatchOut = std::pair<std::vector<Array>, std::vector<int>>;

// ---------------------------------------------------------------- shape helpers

void check_float(std::string_view op, const Aval& a) {
  if (!(a.dtype == float32 || a.dtype == float64))
    throw_error(op, "expected a float32 or float64 operand, got " + a.str());
}
// A batch of matrices [..., m, n] (square if asked).
void check_matrix(std::string_view op, const Aval& a, bool square) {
  check_float(op, a);
  if (a.ndim() < 2)
    throw_error(op, std::string("operand must be a batch of ") + (square ? "square " : "") +
                        "matrices [..., " + (square ? "n, n" : "m, n") + "], got " + a.str());
  if (square && a.shape[size_t(a.ndim() - 1)] != a.shape[size_t(a.ndim() - 2)])
    throw_error(op, "operand must be a batch of square matrices [..., n, n], got " + a.str());
}
Shape batch_dims(const Shape& s) {
  Shape b = s;
  b.erase(b.size() - 1);
  b.erase(b.size() - 1);
  return b;
}
Shape with_tail(Shape s, std::initializer_list<int64_t> tail) {
  for (int64_t t : tail) s.push_back(t);
  return s;
}
int64_t dim(const Shape& s, int from_end) { return s[s.size() - size_t(from_end)]; }
int64_t batch_count(const Shape& s) { return batch_dims(s).numel(); }

// ---------------------------------------------------------------- rule helpers

Array mT(const Array& x) {
  Ints perm(size_t(x.ndim()));
  std::iota(perm.begin(), perm.end(), 0);
  std::swap(perm[perm.size() - 1], perm[perm.size() - 2]);
  return lax::transpose(x, perm);
}
Array mm(const Array& a, const Array& b) { return lax::linalg::batch_matmul(a, b); }

// Row and column indices of x's last two dims, broadcast to x's shape.
Array row_iota(const Array& x) { return lax::iota(int32, x.shape(), x.ndim() - 2); }
Array col_iota(const Array& x) { return lax::iota(int32, x.shape(), x.ndim() - 1); }

// x where keep, else 0.
Array keep_where(const Array& keep, const Array& x) {
  return lax::select_n(keep, {zeros_like(x), x});
}
// The elements on and below (tril) / on and above (triu) diagonal k.
Array tril(const Array& x, int64_t k = 0) {
  Array r = row_iota(x);
  return keep_where(lax::le(col_iota(x), lax::add(r, full_like(r, double(k)))), x);
}
Array triu(const Array& x, int64_t k = 0) {
  Array r = row_iota(x);
  return keep_where(lax::ge(col_iota(x), lax::add(r, full_like(r, double(k)))), x);
}
// The identity matrices in x's shape and dtype.
Array eye_like(const Array& x) {
  return lax::convert_element_type(lax::eq(row_iota(x), col_iota(x)), x.dtype());
}
// [..., n, n] -> [..., n]
Array diagonal(const Array& x) { return lax::reduce_sum(lax::mul(x, eye_like(x)), {x.ndim() - 1}); }
// v [..., k] broadcast to [..., r, k] (along rows: element [i, j] = v[j]) or
// to [..., k, c] (along columns: element [i, j] = v[i]).
Array as_rows(const Array& v, int64_t r) {
  Shape s = v.shape();
  s.insert(s.size() - 1, r);
  Ints bd(size_t(v.ndim()));
  std::iota(bd.begin(), bd.end(), 0);
  bd.back() = v.ndim();
  return lax::broadcast_in_dim(v, s, bd);
}
Array as_cols(const Array& v, int64_t c) {
  Shape s = v.shape();
  s.push_back(c);
  Ints bd(size_t(v.ndim()));
  std::iota(bd.begin(), bd.end(), 0);
  return lax::broadcast_in_dim(v, s, bd);
}
Array symmetrize(const Array& x) { return lax::mul(lax::add(x, mT(x)), full_like(x, 0.5)); }
// Zero padding of the last (or second-to-last) dim by `hi` at the end.
Array pad_tail(const Array& x, int from_end, int64_t hi) {
  std::vector<lax::PadConfig> cfg(size_t(x.ndim()));
  cfg[cfg.size() - size_t(from_end)].high = hi;
  Array zero = make_uninit(Aval{x.dtype(), {}, false}, default_device());
  double z = 0;
  cpu::convert(float64, &z, x.dtype(), out_data(zero), 1);
  return lax::pad(x, zero, cfg);
}
Array slice_tail(const Array& x, int64_t rows, int64_t cols) {
  Ints start(size_t(x.ndim()), 0), limit = x.shape().to_vector();
  limit[limit.size() - 2] = rows;
  limit[limit.size() - 1] = cols;
  return lax::slice(x, start, limit);
}

// The decompositions' vmap: the batch axis goes to the front.
BatchRule front_batch(const Primitive& p) {
  return [&p](std::span<const Array> vals, std::span<const int> dims, const Params& params) {
    Array x = move_axis(vals[0], dims[0], 0);
    std::vector<Array> outs = jx::bind(p, {&x, 1}, params);
    return BatchOut{outs, std::vector<int>(outs.size(), 0)};
  };
}

Primitive define(const char* name, ShapeRule rule, EagerKernel impl) {
  Primitive p;
  p.name = name;
  p.abstract_eval = std::move(rule);
  p.impl = std::move(impl);
  return p;
}

// ---------------------------------------------------------------- cholesky

Primitive cholesky_p = define(
    "cholesky",
    [](std::span<const Aval> in, const Params&) {
      check_matrix("cholesky", in[0], true);
      return std::vector<Aval>{in[0]};
    },
    [](std::span<const Array> in, std::span<Array> out, const Params&) {
      const Shape& s = in[0].shape();
      cpu::cholesky(in[0].dtype(), in_data(in[0]), out_data(out[0]), batch_count(s), dim(s, 1));
    });

// ---------------------------------------------------------------- triangular_solve

Primitive triangular_solve_p = define(
    "triangular_solve",
    [](std::span<const Aval> in, const Params& params) {
      const char* op = "triangular_solve";
      const Aval &a = in[0], &b = in[1];
      check_matrix(op, a, true);
      check_float(op, b);
      if (!(a.dtype == b.dtype))
        throw_error(op, "a and b must have equal dtypes, got " + a.str() + " and " + b.str());
      if (b.ndim() != a.ndim() || !(batch_dims(a.shape) == batch_dims(b.shape)))
        throw_error(
            op, "a and b must have the same batch dimensions, got " + a.str() + " and " + b.str());
      bool left = params.get<bool>("left_side");
      if (dim(b.shape, left ? 2 : 1) != dim(a.shape, 1))
        throw_error(op, std::string("incompatible shapes ") + a.str() + " and " + b.str() + ": " +
                            (left ? "b's rows" : "b's columns") + " must match a's size " +
                            std::to_string(dim(a.shape, 1)) +
                            " (left_side=" + (left ? "true" : "false") + ")");
      return std::vector<Aval>{b};
    },
    [](std::span<const Array> in, std::span<Array> out, const Params& params) {
      const Shape& s = in[1].shape();
      cpu::triangular_solve(in[0].dtype(), in_data(in[0]), in_data(in[1]), out_data(out[0]),
                            batch_count(s), dim(s, 2), dim(s, 1), params.get<bool>("left_side"),
                            params.get<bool>("lower"), params.get<bool>("transpose_a"),
                            params.get<bool>("unit_diagonal"));
    });

Params solve_params(bool left, bool lower, bool trans, bool unit) {
  return Params{
      {"left_side", left}, {"lower", lower}, {"transpose_a", trans}, {"unit_diagonal", unit}};
}
Array tsolve(const Array& a, const Array& b, const Params& params) {
  return bind1(triangular_solve_p, {a, b}, params);
}
Array tsolve(const Array& a, const Array& b, bool left, bool lower, bool trans, bool unit) {
  return tsolve(a, b, solve_params(left, lower, trans, unit));
}

// ---------------------------------------------------------------- lu, qr, eigh, svd

Primitive lu_p = define(
    "lu",
    [](std::span<const Aval> in, const Params&) {
      check_matrix("lu", in[0], false);
      const Shape& s = in[0].shape;
      Shape b = batch_dims(s);
      int64_t m = dim(s, 2), n = dim(s, 1);
      return std::vector<Aval>{in[0], Aval{int32, with_tail(b, {std::min(m, n)}), false},
                               Aval{int32, with_tail(b, {m}), false}};
    },
    [](std::span<const Array> in, std::span<Array> out, const Params&) {
      const Shape& s = in[0].shape();
      cpu::lu(in[0].dtype(), in_data(in[0]), out_data(out[0]),
              static_cast<int32_t*>(out_data(out[1])), static_cast<int32_t*>(out_data(out[2])),
              batch_count(s), dim(s, 2), dim(s, 1));
    });

Primitive qr_p = define(
    "qr",
    [](std::span<const Aval> in, const Params& params) {
      check_matrix("qr", in[0], false);
      const Shape& s = in[0].shape;
      int64_t m = dim(s, 2), n = dim(s, 1);
      int64_t k = params.get<bool>("full_matrices") ? m : std::min(m, n);
      Shape b = batch_dims(s);
      return std::vector<Aval>{Aval{in[0].dtype, with_tail(b, {m, k}), in[0].weak_type},
                               Aval{in[0].dtype, with_tail(b, {k, n}), in[0].weak_type}};
    },
    [](std::span<const Array> in, std::span<Array> out, const Params& params) {
      const Shape& s = in[0].shape();
      cpu::qr(in[0].dtype(), in_data(in[0]), out_data(out[0]), out_data(out[1]), batch_count(s),
              dim(s, 2), dim(s, 1), params.get<bool>("full_matrices"));
    });

Primitive eigh_p = define(
    "eigh",
    [](std::span<const Aval> in, const Params&) {
      check_matrix("eigh", in[0], true);
      const Shape& s = in[0].shape;
      return std::vector<Aval>{
          in[0], Aval{in[0].dtype, with_tail(batch_dims(s), {dim(s, 1)}), in[0].weak_type}};
    },
    [](std::span<const Array> in, std::span<Array> out, const Params& params) {
      const Shape& s = in[0].shape();
      cpu::eigh(in[0].dtype(), in_data(in[0]), out_data(out[0]), out_data(out[1]), batch_count(s),
                dim(s, 1), params.get<bool>("lower"));
    });

Primitive svd_p = define(
    "svd",
    [](std::span<const Aval> in, const Params& params) {
      check_matrix("svd", in[0], false);
      const Shape& s = in[0].shape;
      Shape b = batch_dims(s);
      int64_t m = dim(s, 2), n = dim(s, 1), k = std::min(m, n);
      DType dt = in[0].dtype;
      std::vector<Aval> out{Aval{dt, with_tail(b, {k}), in[0].weak_type}};
      if (params.get<bool>("compute_uv")) {
        bool full = params.get<bool>("full_matrices");
        out.push_back(Aval{dt, with_tail(b, {m, full ? m : k}), in[0].weak_type});
        out.push_back(Aval{dt, with_tail(b, {full ? n : k, n}), in[0].weak_type});
      }
      return out;
    },
    [](std::span<const Array> in, std::span<Array> out, const Params& params) {
      const Shape& s = in[0].shape();
      bool uv = params.get<bool>("compute_uv");
      cpu::svd(in[0].dtype(), in_data(in[0]), out_data(out[0]), uv ? out_data(out[1]) : nullptr,
               uv ? out_data(out[2]) : nullptr, batch_count(s), dim(s, 2), dim(s, 1),
               params.get<bool>("full_matrices"), uv);
    });

// ---------------------------------------------------------------- rules

const bool linalg_rules = [] {
  // cholesky (arXiv:1602.07527): L' = L phi(L^-1 A' L^-T), phi taking the
  // lower triangle with the diagonal halved.
  cholesky_p.jvp = [](std::span<const Array> primals, std::span<const Array> tangents,
                      const Params& params) {
    Array L = bind1(cholesky_p, primals, params);
    if (!tangents[0].defined()) return JvpOut{{L}, {Array()}};
    Array tmp = tsolve(L, tangents[0], false, true, true, false);  // A' L^-T
    Array inner = tsolve(L, tmp, true, true, false, false);        // L^-1 A' L^-T
    Array phi = lax::div(tril(inner), lax::add(full_like(inner, 1.0), eye_like(inner)));
    return JvpOut{{L}, {mm(L, phi)}};
  };
  cholesky_p.batch = front_batch(cholesky_p);

  // triangular_solve is linear in b and, like division, not in a.
  triangular_solve_p.jvp = [](std::span<const Array> primals, std::span<const Array> tangents,
                              const Params& params) {
    const Array &a = primals[0], &b = primals[1];
    Array ans = tsolve(a, b, params);
    Array t;
    if (tangents[1].defined()) t = tsolve(a, tangents[1], params);
    if (tangents[0].defined()) {
      bool left = params.get<bool>("left_side"), lower = params.get<bool>("lower");
      int64_t k = params.get<bool>("unit_diagonal") ? 1 : 0;
      Array g = lower ? tril(tangents[0], -k) : triu(tangents[0], k);
      g = lax::neg(g);
      if (params.get<bool>("transpose_a")) g = mT(g);
      int64_t m = dim(b.shape(), 2), n = dim(b.shape(), 1);
      // Solving costs about a product: order the two by size, as JAX does.
      Array ta = left ? (m > n ? tsolve(a, mm(g, ans), params) : mm(tsolve(a, g, params), ans))
                      : (m < n ? tsolve(a, mm(ans, g), params) : mm(ans, tsolve(a, g, params)));
      t = t.defined() ? lax::add(t, ta) : ta;
    }
    return JvpOut{{ans}, {t}};
  };
  triangular_solve_p.transpose = [](std::span<const Array> cts, std::span<const Array> in,
                                    const Params& params) {
    if (is_undefined_primal(in[0]))
      throw_error("triangular_solve", "cannot transpose with respect to a (it is not linear in a)");
    if (!cts[0].defined()) return std::vector<Array>{Array(), Array()};
    Params tp = params;
    tp.set("transpose_a", !params.get<bool>("transpose_a"));
    return std::vector<Array>{Array(), tsolve(in[0], cts[0], tp)};
  };
  // An unbatched a solves all of b's batch at once (the batch folds into b's
  // free dimension); otherwise both batch axes go to the front.
  triangular_solve_p.batch = [](std::span<const Array> vals, std::span<const int> dims,
                                const Params& params) {
    Array a = vals[0], b = vals[1];
    int ba = dims[0], bb = dims[1];
    bool left = params.get<bool>("left_side");
    if (ba < 0) {
      int nd = b.ndim();
      b = move_axis(b, bb, left ? nd - 1 : nd - 2);
      Shape s = b.shape();
      Shape flat = s;
      if (left) {
        flat.erase(flat.size() - 1);
        flat[flat.size() - 1] = s[s.size() - 2] * s[s.size() - 1];
      } else {
        flat.erase(flat.size() - 2);
        flat[flat.size() - 2] = s[s.size() - 3] * s[s.size() - 2];
      }
      Array x = lax::reshape(tsolve(a, lax::reshape(b, flat), params), s);
      return BatchOut{{x}, {left ? nd - 1 : nd - 2}};
    }
    int64_t n = batch_size(vals, dims);
    a = ba < 0 ? add_batch_axis(a, n, 0) : move_axis(a, ba, 0);
    b = bb < 0 ? add_batch_axis(b, n, 0) : move_axis(b, bb, 0);
    return BatchOut{{tsolve(a, b, params)}, {0}};
  };

  // lu (De Hoog, Anderssen, Lukas): with P A = L U and X = L^-1 P A' U^-1,
  // L' = L tril(X, -1) and U' = triu(X) U.
  lu_p.jvp = [](std::span<const Array> primals, std::span<const Array> tangents,
                const Params& params) {
    std::vector<Array> outs = jx::bind(lu_p, primals, params);
    if (!tangents[0].defined()) return JvpOut{outs, {Array(), Array(), Array()}};
    const Array& a = primals[0];
    const Array &lu = outs[0], &perm = outs[2];
    int64_t m = dim(a.shape(), 2), n = dim(a.shape(), 1), k = std::min(m, n);
    // Rows of the tangent in pivot order: a one-hot permutation matrix times it.
    Array pm = as_cols(perm, m);
    Array pmat = lax::convert_element_type(lax::eq(pm, col_iota(pm)), a.dtype());
    Array x = mm(pmat, tangents[0]);
    Array l = pad_tail(tril(slice_tail(lu, m, k), -1), 1, m - k);
    l = lax::add(l, eye_like(l));
    Array u = pad_tail(triu(slice_tail(lu, k, n)), 2, n - k);
    Array ri = row_iota(u);
    Array tail_eye = lax::convert_element_type(
        lax::bitwise_and(lax::eq(ri, col_iota(u)), lax::ge(ri, full_like(ri, double(k)))),
        a.dtype());
    u = lax::add(u, tail_eye);
    Array la = tsolve(l, x, true, true, false, true);
    Array lau = tsolve(u, la, false, false, false, false);
    Array lu_dot = lax::add(mm(l, tril(lau, -1)), mm(triu(lau), u));
    return JvpOut{outs, {lu_dot, Array(), Array()}};
  };
  lu_p.batch = front_batch(lu_p);

  // qr (j-towns.github.io/papers/qr-derivative.pdf), for m >= n.
  qr_p.jvp = [](std::span<const Array> primals, std::span<const Array> tangents,
                const Params& params) {
    const Array& x = primals[0];
    int64_t m = dim(x.shape(), 2), n = dim(x.shape(), 1);
    bool full = params.get<bool>("full_matrices");
    if (m < n || (full && m != n))
      throw_error("qr",
                  "differentiation is implemented only for m >= n with reduced matrices "
                  "(or m == n), as in JAX; got operand " +
                      x.aval().str() + " with full_matrices=" + (full ? "true" : "false"));
    std::vector<Array> outs = jx::bind(qr_p, primals, Params{{"full_matrices", false}});
    if (!tangents[0].defined()) return JvpOut{outs, {Array(), Array()}};
    const Array &q = outs[0], &r = outs[1];
    Array dx_rinv = tsolve(r, tangents[0], false, false, false, false);
    Array qt_dx_rinv = mm(mT(q), dx_rinv);
    Array lower = tril(qt_dx_rinv, -1);
    Array dO = lax::sub(lower, mT(lower));  // skew-symmetric
    Array dq = lax::add(mm(q, lax::sub(dO, qt_dx_rinv)), dx_rinv);
    Array dr = mm(lax::sub(qt_dx_rinv, dO), r);
    return JvpOut{outs, {dq, dr}};
  };
  qr_p.batch = front_batch(qr_p);

  // eigh, distinct eigenvalues (nondegenerate perturbation theory):
  // w' = diag(V^T A' V), V' = V (F o V^T A' V), F_ij = 1 / (w_j - w_i) off the diagonal.
  eigh_p.jvp = [](std::span<const Array> primals, std::span<const Array> tangents,
                  const Params& params) {
    std::vector<Array> outs = jx::bind(eigh_p, primals, params);
    if (!tangents[0].defined()) return JvpOut{outs, {Array(), Array()}};
    const Array &v = outs[0], &w = outs[1];
    int64_t n = dim(v.shape(), 1);
    Array eye = eye_like(v);
    Array f = lax::sub(
        lax::div(full_like(eye, 1.0), lax::add(eye, lax::sub(as_rows(w, n), as_cols(w, n)))), eye);
    Array vt_a_v = mm(mm(mT(v), tangents[0]), v);
    return JvpOut{outs, {mm(v, lax::mul(f, vt_a_v)), diagonal(vt_a_v)}};
  };
  eigh_p.batch = front_batch(eigh_p);

  // svd (Giles, NA-08-01 / JAX's svd_jvp_rule), distinct nonzero singular values.
  svd_p.jvp = [](std::span<const Array> primals, std::span<const Array> tangents,
                 const Params& params) {
    const Array& a = primals[0];
    bool uv = params.get<bool>("compute_uv"), full = params.get<bool>("full_matrices");
    int64_t m = dim(a.shape(), 2), n = dim(a.shape(), 1), k = std::min(m, n);
    if (uv && full && m != n)
      throw_error("svd",
                  "differentiation with full_matrices=true is implemented only for square "
                  "matrices, as in JAX; got operand " +
                      a.aval().str());
    std::vector<Array> outs =
        jx::bind(svd_p, primals, Params{{"full_matrices", false}, {"compute_uv", true}});
    const Array &s = outs[0], &u = outs[1], &vt = outs[2];
    std::vector<Array> primal_out = uv ? outs : std::vector<Array>{s};
    if (!tangents[0].defined()) return JvpOut{primal_out, std::vector<Array>(primal_out.size())};
    const Array& da = tangents[0];
    Array ut = mT(u), v = mT(vt);
    Array ds_mat = mm(mm(ut, da), v);
    Array ds = diagonal(ds_mat);
    if (!uv) return JvpOut{primal_out, {ds}};
    Array s_row = as_rows(s, k);  // [i, j] = s_j
    Array s_col = mT(s_row);      // [i, j] = s_i
    Array eye = eye_like(s_row);
    Array diffs = lax::sub(lax::mul(s_row, s_row), lax::mul(s_col, s_col));
    Array f = lax::sub(lax::div(full_like(eye, 1.0), lax::add(diffs, eye)), eye);
    Array dss = lax::mul(s_row, ds_mat), sds = lax::mul(s_col, ds_mat);
    Array du = mm(u, lax::mul(f, lax::add(dss, mT(dss))));
    Array dv = mm(v, lax::mul(f, lax::add(sds, mT(sds))));
    if (m > n) {
      Array proj = lax::sub(eye_like(mm(u, ut)), mm(u, ut));
      du = lax::add(du, lax::div(mm(proj, mm(da, v)), as_rows(s, m)));
    }
    if (n > m) {
      Array proj = lax::sub(eye_like(mm(v, vt)), mm(v, vt));
      dv = lax::add(dv, lax::div(mm(proj, mm(mT(da), u)), as_rows(s, n)));
    }
    return JvpOut{primal_out, {ds, du, mT(dv)}};
  };
  svd_p.batch = front_batch(svd_p);

  for (Primitive* p : {&cholesky_p, &triangular_solve_p, &lu_p, &qr_p, &eigh_p, &svd_p})
    register_primitive(*p);
  return true;
}();

bool is_square(const Array& a) {
  return a.ndim() >= 2 && a.shape()[size_t(a.ndim() - 1)] == a.shape()[size_t(a.ndim() - 2)];
}

}  // namespace
}  // namespace jx::prims

namespace jx::lax::linalg {

Array cholesky(const Array& a, bool symmetrize_input, Loc loc) {
  CallSite site(loc);
  // A non-square operand goes straight to the shape rule, which reports it.
  Array x =
      symmetrize_input && prims::is_square(a) && a.dtype().is_floating() ? prims::symmetrize(a) : a;
  return bind1(prims::cholesky_p, {x});
}

Array triangular_solve(const Array& a, const Array& b, bool left_side, bool lower, bool transpose_a,
                       bool unit_diagonal, Loc loc) {
  CallSite site(loc);
  Params params = prims::solve_params(left_side, lower, transpose_a, unit_diagonal);
  if (b.ndim() == a.ndim() - 1 && b.ndim() >= 1) {  // one vector per batch
    int64_t at = left_side ? b.ndim() : b.ndim() - 1;
    Array x = prims::tsolve(a, lax::expand_dims(b, {at}), params);
    return lax::squeeze(x, {at});
  }
  return prims::tsolve(a, b, params);
}

std::tuple<Array, Array, Array> lu(const Array& a, Loc loc) {
  CallSite site(loc);
  auto r = jx::bind(prims::lu_p, {&a, 1});
  return {r[0], r[1], r[2]};
}

std::pair<Array, Array> qr(const Array& a, bool full_matrices, Loc loc) {
  CallSite site(loc);
  auto r = jx::bind(prims::qr_p, {&a, 1}, Params{{"full_matrices", full_matrices}});
  return {r[0], r[1]};
}

std::pair<Array, Array> eigh(const Array& a, bool lower, bool symmetrize_input, Loc loc) {
  CallSite site(loc);
  Array x =
      symmetrize_input && prims::is_square(a) && a.dtype().is_floating() ? prims::symmetrize(a) : a;
  auto r = jx::bind(prims::eigh_p, {&x, 1}, Params{{"lower", lower}});
  return {r[0], r[1]};
}

std::tuple<Array, Array, Array> svd(const Array& a, bool full_matrices, bool compute_uv, Loc loc) {
  CallSite site(loc);
  auto r = jx::bind(prims::svd_p, {&a, 1},
                    Params{{"full_matrices", full_matrices}, {"compute_uv", compute_uv}});
  if (!compute_uv) return {Array(), r[0], Array()};
  return {r[1], r[0], r[2]};
}

Array batch_matmul(const Array& a, const Array& b, Loc loc) {
  CallSite site(loc);
  int nd = a.ndim();
  if (nd < 2 || b.ndim() != nd)
    throw_error("batch_matmul", "operands must be batches of matrices of equal rank, got " +
                                    a.aval().str() + " and " + b.aval().str());
  std::vector<int64_t> batch(static_cast<size_t>(nd - 2));
  std::iota(batch.begin(), batch.end(), 0);
  // dot_general reports mismatched batch or contracting sizes.
  return lax::dot_general(a, b, {{nd - 1}, {nd - 2}, batch, batch});
}

}  // namespace jx::lax::linalg
