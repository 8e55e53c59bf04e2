// jx::np products and convolutions (jax/_src/numpy/linalg-free parts of
// lax_numpy.py and einsum.py): every product is one lax.dot_general, with
// broadcast batch dims turned into free dims instead of materialised, and
// einsum contracts its operands pairwise in a greedy order.
#include "jx/numpy_contract.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <numeric>

#include "jx/lax_contract.h"
#include "numpy/np_internal.h"

namespace jx::np {

using namespace detail;
using Ints = std::vector<int64_t>;

namespace {

// The operands promoted to their common dtype (without broadcasting).
std::pair<Array, Array> promote_pair(std::string_view op, const ArrayLike& a, const ArrayLike& b,
                                     Promote how = Promote::kAny) {
  const ArrayLike* args[] = {&a, &b};
  auto v = promote_args(op, args, how, /*broadcast=*/false);
  return {v[0], v[1]};
}

Array finish(const Array& r, std::optional<DType> preferred) {
  return preferred && r.dtype() != *preferred ? lax::convert_element_type(r, *preferred) : r;
}

Array dot_general(const Array& a, const Array& b, Ints lc, Ints rc, Ints lb, Ints rb,
                  std::optional<DType> preferred) {
  return lax::dot_general(a, b, {std::move(lc), std::move(rc), std::move(lb), std::move(rb)}, preferred);
}

bool is_identity(const Ints& perm) {
  for (size_t i = 0; i < perm.size(); ++i)
    if (perm[i] != int64_t(i)) return false;
  return true;
}

Array transpose_if(const Array& x, const Ints& perm) { return is_identity(perm) ? x : lax::transpose(x, perm); }

}  // namespace

// ---------------------------------------------------------------- matmul & co
Array matmul(const Array& a0, const Array& b0, std::optional<DType> preferred, Loc loc) {
  CallSite site(loc);
  for (int k = 0; k < 2; ++k) {
    const Array& x = k ? b0 : a0;
    if (x.ndim() == 0)
      throw_error("matmul", "input operand " + std::to_string(k) +
                                " does not have enough dimensions (has 0, requires 1), shapes " +
                                a0.shape().str() + " and " + b0.shape().str());
  }
  auto [a, b] = promote_pair("matmul", a0, b0);
  const bool a_vec = a.ndim() == 1, b_vec = b.ndim() == 1;
  if (a_vec) a = lax::expand_dims(a, {0});
  if (b_vec) b = lax::expand_dims(b, {1});
  const int64_t an = a.ndim(), bn = b.ndim();
  if (a.shape()[size_t(an - 1)] != b.shape()[size_t(bn - 2)])
    throw_error("matmul", "contracting dimensions differ: shapes " + a0.shape().str() + " and " + b0.shape().str() +
                              " (" + std::to_string(a.shape()[size_t(an - 1)]) + " != " +
                              std::to_string(b.shape()[size_t(bn - 2)]) + ")");
  Shape ba(std::span<const int64_t>(a.shape().begin(), size_t(an - 2)));
  Shape bb(std::span<const int64_t>(b.shape().begin(), size_t(bn - 2)));
  const Shape batch = broadcast_shapes("matmul", std::vector<Shape>{ba, bb});
  const int64_t nbatch = int64_t(batch.size());
  // Each broadcast batch position is a dot batch dim (both sides have it with
  // one size) or a free dim of the side that has it with size > 1 (the other
  // side's size-1 dim, if any, is squeezed away).
  enum Kind { kBatch, kFreeA, kFreeB };
  std::vector<Kind> kind(static_cast<size_t>(nbatch));
  Ints a_sq, b_sq, lb, rb, a_free, b_free;  // dims before squeezing
  for (int64_t p = 0; p < nbatch; ++p) {
    int64_t da = p - (nbatch - int64_t(ba.size())), db = p - (nbatch - int64_t(bb.size()));
    int64_t sa = da >= 0 ? ba[size_t(da)] : -1, sb = db >= 0 ? bb[size_t(db)] : -1;
    if (sa >= 0 && sb >= 0 && sa == sb) {
      kind[size_t(p)] = kBatch;
      lb.push_back(da);
      rb.push_back(db);
    } else if (sb >= 0 && (sa < 0 || sa == 1) && sb != 1) {
      kind[size_t(p)] = kFreeB;
      if (sa >= 0) a_sq.push_back(da);
      b_free.push_back(db);
    } else {
      kind[size_t(p)] = kFreeA;
      if (sb >= 0) b_sq.push_back(db);
      a_free.push_back(da);
    }
  }
  // Renumber after squeezing.
  auto renum = [](Ints& dims, const Ints& sq) {
    for (int64_t& d : dims) d -= std::count_if(sq.begin(), sq.end(), [&](int64_t s) { return s < d; });
  };
  if (!a_sq.empty()) a = lax::squeeze(a, a_sq);
  if (!b_sq.empty()) b = lax::squeeze(b, b_sq);
  renum(lb, a_sq);
  renum(a_free, a_sq);
  renum(rb, b_sq);
  renum(b_free, b_sq);
  Array r = dot_general(a, b, {a.ndim() - 1}, {b.ndim() - 2}, lb, rb, preferred);
  // dot_general's output: [batch pairs, a free (increasing, then m), b free (then n)].
  // a's free batch dims come in increasing order = in broadcast order, as do b's.
  const int64_t nb = int64_t(lb.size()), nfa = int64_t(a_free.size()), nfb = int64_t(b_free.size());
  Ints perm;
  int64_t ib = 0, ia = 0, ibb = 0;
  for (int64_t p = 0; p < nbatch; ++p) {
    switch (kind[size_t(p)]) {
      case kBatch: perm.push_back(ib++); break;
      case kFreeA: perm.push_back(nb + ia++); break;
      case kFreeB: perm.push_back(nb + nfa + 1 + ibb++); break;
    }
  }
  perm.push_back(nb + nfa);            // m
  perm.push_back(nb + nfa + 1 + nfb);  // n
  r = transpose_if(r, perm);
  Ints drop;
  if (a_vec) drop.push_back(nbatch);
  if (b_vec) drop.push_back(nbatch + 1);
  if (!drop.empty()) r = lax::squeeze(r, drop);
  return finish(r, preferred);
}

Array dot(const ArrayLike& a0, const ArrayLike& b0, std::optional<DType> preferred, Loc loc) {
  CallSite site(loc);
  auto [a, b] = promote_pair("dot", a0, b0);
  if (a.ndim() == 0 || b.ndim() == 0) return finish(multiply(a, b), preferred);
  int64_t ka = a.ndim() - 1, kb = b.ndim() == 1 ? 0 : b.ndim() - 2;
  if (a.shape()[size_t(ka)] != b.shape()[size_t(kb)])
    throw_error("dot", "shapes " + a.shape().str() + " and " + b.shape().str() + " not aligned: " +
                           std::to_string(a.shape()[size_t(ka)]) + " (dim " + std::to_string(ka) + ") != " +
                           std::to_string(b.shape()[size_t(kb)]) + " (dim " + std::to_string(kb) + ")");
  return finish(dot_general(a, b, {ka}, {kb}, {}, {}, preferred), preferred);
}

Array vdot(const ArrayLike& a0, const ArrayLike& b0, std::optional<DType> preferred, Loc loc) {
  CallSite site(loc);
  auto [a, b] = promote_pair("vdot", a0, b0);
  if (a.size() != b.size())
    throw_error("vdot", "operands must have the same size, got shapes " + a.shape().str() + " and " + b.shape().str());
  a = lax::reshape(a, Shape{a.size()});
  b = lax::reshape(b, Shape{b.size()});
  return finish(dot_general(a, b, {0}, {0}, {}, {}, preferred), preferred);
}

Array inner(const ArrayLike& a0, const ArrayLike& b0, std::optional<DType> preferred, Loc loc) {
  CallSite site(loc);
  auto [a, b] = promote_pair("inner", a0, b0);
  if (a.ndim() == 0 || b.ndim() == 0) return dot(a, b, preferred, loc);
  int64_t ka = a.ndim() - 1, kb = b.ndim() - 1;
  if (a.shape()[size_t(ka)] != b.shape()[size_t(kb)])
    throw_error("inner", "last dimensions must match, got shapes " + a.shape().str() + " and " + b.shape().str());
  return finish(dot_general(a, b, {ka}, {kb}, {}, {}, preferred), preferred);
}

Array outer(const ArrayLike& a0, const ArrayLike& b0, Loc loc) {
  CallSite site(loc);
  auto [a, b] = promote_pair("outer", a0, b0);
  return multiply(lax::reshape(a, Shape{a.size(), 1}), lax::reshape(b, Shape{1, b.size()}));
}

Array tensordot(const Array& a0, const Array& b0, const TensordotAxes& axes, std::optional<DType> preferred,
                Loc loc) {
  CallSite site(loc);
  auto [a, b] = promote_pair("tensordot", a0, b0);
  Ints ac, bc;
  if (axes.is_count()) {
    int n = axes.count();
    if (n < 0 || n > a.ndim() || n > b.ndim())
      throw_error("tensordot", "number of axes " + std::to_string(n) + " exceeds the rank of an operand (shapes " +
                                   a.shape().str() + " and " + b.shape().str() + ")");
    for (int i = 0; i < n; ++i) {
      ac.push_back(a.ndim() - n + i);
      bc.push_back(i);
    }
  } else {
    if (axes.a_axes().size() != axes.b_axes().size())
      throw_error("tensordot", "axes lists must have equal lengths, got " + std::to_string(axes.a_axes().size()) +
                                   " and " + std::to_string(axes.b_axes().size()));
    for (int x : axes.a_axes()) ac.push_back(canonical_axis("tensordot", x, a.ndim()));
    for (int x : axes.b_axes()) bc.push_back(canonical_axis("tensordot", x, b.ndim()));
  }
  for (size_t i = 0; i < ac.size(); ++i)
    if (a.shape()[size_t(ac[i])] != b.shape()[size_t(bc[i])])
      throw_error("tensordot", "shape mismatch for sum: a axis " + std::to_string(ac[i]) + " has size " +
                                   std::to_string(a.shape()[size_t(ac[i])]) + ", b axis " + std::to_string(bc[i]) +
                                   " has size " + std::to_string(b.shape()[size_t(bc[i])]) + " (shapes " +
                                   a.shape().str() + " and " + b.shape().str() + ")");
  return finish(dot_general(a, b, ac, bc, {}, {}, preferred), preferred);
}

// ---------------------------------------------------------------- diagonal, trace
namespace {
// The diagonal as the last axis: move the two axes to the end, flatten them,
// and take every (m + 1)-th element from the first on the diagonal.
Array diagonal_impl(const Array& x, int64_t offset, int64_t a1, int64_t a2) {
  Ints perm;
  for (int64_t i = 0; i < x.ndim(); ++i)
    if (i != a1 && i != a2) perm.push_back(i);
  perm.push_back(a1);
  perm.push_back(a2);
  Array y = transpose_if(x, perm);
  const int64_t n = x.shape()[size_t(a1)], m = x.shape()[size_t(a2)];
  int64_t len = offset >= 0 ? std::min(n, m - offset) : std::min(n + offset, m);
  len = std::max<int64_t>(len, 0);
  Ints shape(y.shape().begin(), y.shape().end() - 2);
  shape.push_back(n * m);
  y = lax::reshape(y, Shape(shape));
  Ints start(shape.size(), 0), limit = shape, strides(shape.size(), 1);
  int64_t s0 = len == 0 ? 0 : (offset >= 0 ? offset : -offset * m);
  start.back() = s0;
  limit.back() = len == 0 ? 0 : s0 + (len - 1) * (m + 1) + 1;
  strides.back() = m + 1;
  return lax::slice(y, start, limit, strides);
}
}  // namespace

Array diagonal(const Array& x, int64_t offset, int axis1, int axis2, Loc loc) {
  CallSite site(loc);
  if (x.ndim() < 2)
    throw_error("diagonal", "requires an array of at least two dimensions, got shape " + x.shape().str());
  int a1 = canonical_axis("diagonal", axis1, x.ndim()), a2 = canonical_axis("diagonal", axis2, x.ndim());
  if (a1 == a2)
    throw_error("diagonal", "axis1 and axis2 cannot be the same, got " + std::to_string(axis1) + " and " +
                                std::to_string(axis2));
  return diagonal_impl(x, offset, a1, a2);
}

Array trace(const Array& x, int64_t offset, int axis1, int axis2, std::optional<DType> dtype, Loc loc) {
  CallSite site(loc);
  if (x.ndim() < 2)
    throw_error("trace", "requires an array of at least two dimensions, got shape " + x.shape().str());
  int a1 = canonical_axis("trace", axis1, x.ndim()), a2 = canonical_axis("trace", axis2, x.ndim());
  if (a1 == a2)
    throw_error("trace", "axis1 and axis2 cannot be the same, got " + std::to_string(axis1) + " and " +
                             std::to_string(axis2));
  return sum(diagonal_impl(x, offset, a1, a2), -1, false, dtype, loc);
}

// ---------------------------------------------------------------- einsum
namespace {

// An operand during contraction: its value and the label of each dim.
struct Term {
  Array x;
  std::vector<int> labels;
};

constexpr int kEllipsisBase = 1000;  // ellipsis dim j gets label 1000 + j

std::string label_str(int l) {
  return l >= kEllipsisBase ? "..." + std::to_string(l - kEllipsisBase) : std::string(1, char(l));
}

// Parses one term into labels; ellipsis dims are left as a -1 marker.
std::vector<int> parse_term(std::string_view t, std::string_view all) {
  std::vector<int> out;
  bool ell = false;
  for (size_t i = 0; i < t.size(); ++i) {
    char ch = t[i];
    if (ch == '.') {
      if (ell || t.substr(i, 3) != "...")
        throw_error("einsum", "invalid ellipsis in subscripts \"" + std::string(all) + "\"");
      ell = true;
      out.push_back(-1);
      i += 2;
    } else if (std::isalpha(static_cast<unsigned char>(ch))) {
      out.push_back(int(ch));
    } else {
      throw_error("einsum", std::string("invalid character '") + ch + "' in subscripts \"" + std::string(all) + "\"");
    }
  }
  return out;
}

// Labels used by any term other than `skip` (indices into terms) or by the output.
bool needed_elsewhere(int label, const std::vector<Term>& terms, std::initializer_list<size_t> skip,
                      const std::vector<int>& out) {
  if (std::find(out.begin(), out.end(), label) != out.end()) return true;
  for (size_t k = 0; k < terms.size(); ++k) {
    if (std::find(skip.begin(), skip.end(), k) != skip.end()) continue;
    const auto& ls = terms[k].labels;
    if (std::find(ls.begin(), ls.end(), label) != ls.end()) return true;
  }
  return false;
}

// Sums out the labels of terms[i] that no other term and not the output uses.
void sum_private(std::vector<Term>& terms, size_t i, const std::vector<int>& out) {
  Term& t = terms[i];
  Ints axes;
  std::vector<int> kept;
  for (size_t d = 0; d < t.labels.size(); ++d) {
    if (needed_elsewhere(t.labels[d], terms, {i}, out)) kept.push_back(t.labels[d]);
    else axes.push_back(int64_t(d));
  }
  if (axes.empty()) return;
  t.x = t.x.dtype().is_bool() ? lax::reduce_or(t.x, axes) : lax::reduce_sum(t.x, axes);
  t.labels = kept;
}

// Replaces each label repeated within a term by its diagonal.
void take_diagonals(Term& t) {
  for (;;) {
    size_t p1 = 0, p2 = 0;
    bool found = false;
    for (size_t i = 0; i < t.labels.size() && !found; ++i)
      for (size_t j = i + 1; j < t.labels.size() && !found; ++j)
        if (t.labels[i] == t.labels[j]) {
          p1 = i;
          p2 = j;
          found = true;
        }
    if (!found) return;
    int l = t.labels[p1];
    t.x = diagonal_impl(t.x, 0, int64_t(p1), int64_t(p2));
    t.labels.erase(t.labels.begin() + int64_t(p2));
    t.labels.erase(t.labels.begin() + int64_t(p1));
    t.labels.push_back(l);
  }
}

}  // namespace

Array einsum(std::string_view subscripts, const std::vector<Array>& operands, std::optional<DType> preferred,
             Loc loc) {
  CallSite site(loc);
  std::string spec;
  for (char ch : subscripts)
    if (!std::isspace(static_cast<unsigned char>(ch))) spec += ch;
  std::string lhs = spec, rhs;
  const bool explicit_out = spec.find("->") != std::string::npos;
  if (explicit_out) {
    lhs = spec.substr(0, spec.find("->"));
    rhs = spec.substr(spec.find("->") + 2);
  }
  std::vector<std::string> in_terms;
  for (size_t s = 0;;) {
    size_t c = lhs.find(',', s);
    in_terms.push_back(lhs.substr(s, c == std::string::npos ? std::string::npos : c - s));
    if (c == std::string::npos) break;
    s = c + 1;
  }
  if (in_terms.size() != operands.size())
    throw_error("einsum", "subscripts \"" + std::string(subscripts) + "\" name " + std::to_string(in_terms.size()) +
                              " operands, got " + std::to_string(operands.size()));
  // Promote to the common dtype.
  std::vector<ArrayLike> likes(operands.begin(), operands.end());
  std::vector<const ArrayLike*> ptrs;
  for (const ArrayLike& l : likes) ptrs.push_back(&l);
  std::vector<Array> xs = promote_args("einsum", ptrs, Promote::kAny, false);

  // Labels per operand; ellipsis dims are aligned from the right.
  std::vector<std::vector<int>> raw(operands.size());
  int64_t ell_rank = 0;
  std::vector<int64_t> ell_of(operands.size(), 0);
  for (size_t k = 0; k < operands.size(); ++k) {
    raw[k] = parse_term(in_terms[k], subscripts);
    int64_t named = int64_t(std::count_if(raw[k].begin(), raw[k].end(), [](int l) { return l >= 0; }));
    bool has_ell = named != int64_t(raw[k].size());
    int64_t nd = xs[k].ndim();
    if (has_ell ? named > nd : named != nd)
      throw_error("einsum", "operand " + std::to_string(k) + " has shape " + xs[k].shape().str() + " but subscripts \"" +
                                in_terms[k] + "\" name " + std::to_string(named) + " dimensions");
    ell_of[k] = has_ell ? nd - named : 0;
    ell_rank = std::max(ell_rank, ell_of[k]);
  }
  std::vector<Term> terms;
  std::map<int, int64_t> size_of;
  for (size_t k = 0; k < operands.size(); ++k) {
    Term t{xs[k], {}};
    for (int l : raw[k]) {
      if (l >= 0) {
        t.labels.push_back(l);
        continue;
      }
      for (int64_t j = 0; j < ell_of[k]; ++j) t.labels.push_back(kEllipsisBase + int(ell_rank - ell_of[k] + j));
    }
    for (size_t d = 0; d < t.labels.size(); ++d) {
      int l = t.labels[d];
      int64_t s = t.x.shape()[d];
      auto it = size_of.find(l);
      if (it == size_of.end()) {
        size_of[l] = s;
      } else if (it->second != s) {
        if (l >= kEllipsisBase && (s == 1 || it->second == 1)) {
          it->second = std::max(s, it->second);
        } else if (l >= kEllipsisBase) {
          throw_error("einsum", "operand " + std::to_string(k) + " has shape " + t.x.shape().str() +
                                    ", whose ellipsis dimensions do not broadcast with the previous operands' (subscripts \"" +
                                    std::string(subscripts) + "\")");
        } else {
          throw_error("einsum", "size of label '" + label_str(l) + "' for operand " + std::to_string(k) + " (" +
                                    std::to_string(s) + ") does not match previous terms (" +
                                    std::to_string(it->second) + ")");
        }
      }
    }
    terms.push_back(std::move(t));
  }
  // Output labels.
  std::vector<int> out;
  if (explicit_out) {
    std::vector<int> parsed = parse_term(rhs, subscripts);
    for (int l : parsed) {
      if (l < 0) {
        for (int64_t j = 0; j < ell_rank; ++j) out.push_back(kEllipsisBase + int(j));
        continue;
      }
      if (std::find(out.begin(), out.end(), l) != out.end())
        throw_error("einsum", "output subscript '" + label_str(l) + "' appears more than once in \"" +
                                  std::string(subscripts) + "\"");
      if (!size_of.count(l))
        throw_error("einsum", "output subscript '" + label_str(l) + "' does not appear in the inputs of \"" +
                                  std::string(subscripts) + "\"");
      out.push_back(l);
    }
  } else {
    for (int64_t j = 0; j < ell_rank; ++j) out.push_back(kEllipsisBase + int(j));
    std::map<int, int> count;
    for (const Term& t : terms)
      for (int l : t.labels)
        if (l < kEllipsisBase) ++count[l];
    for (auto [l, c] : count)
      if (c == 1) out.push_back(l);
  }

  // Per operand: diagonals for repeated labels, squeeze broadcast size-1
  // ellipsis dims (a size-1 broadcast dim is the same as no dim), sum out
  // labels used nowhere else.
  for (Term& t : terms) {
    take_diagonals(t);
    Ints sq;
    std::vector<int> kept;
    for (size_t d = 0; d < t.labels.size(); ++d) {
      if (t.x.shape()[d] == 1 && size_of[t.labels[d]] != 1) sq.push_back(int64_t(d));
      else kept.push_back(t.labels[d]);
    }
    if (!sq.empty()) {
      t.x = lax::squeeze(t.x, sq);
      t.labels = kept;
    }
  }
  for (size_t i = 0; i < terms.size(); ++i) sum_private(terms, i, out);

  // Pairwise contraction, greedily by the smallest intermediate.
  while (terms.size() > 1) {
    size_t bi = 0, bj = 1;
    double best = -1;
    for (size_t i = 0; i < terms.size(); ++i)
      for (size_t j = i + 1; j < terms.size(); ++j) {
        double size = 1;
        std::vector<int> seen;
        for (const auto* ls : {&terms[i].labels, &terms[j].labels})
          for (int l : *ls) {
            if (std::find(seen.begin(), seen.end(), l) != seen.end()) continue;
            seen.push_back(l);
            if (needed_elsewhere(l, terms, {i, j}, out)) size *= double(size_of[l]);
          }
        if (best < 0 || size < best) {
          best = size;
          bi = i;
          bj = j;
        }
      }
    sum_private(terms, bi, out);  // (labels private to the pair's other member
    sum_private(terms, bj, out);  //  were summed already; these are no-ops then)
    Term a = terms[bi], b = terms[bj];
    // The last product: take the operands in the order that lays the result
    // out as the output wants it, when one does (no final transpose).
    if (terms.size() == 2) {
      auto lays_out = [&](const Term& x, const Term& y) {
        std::vector<int> labels;
        for (int l : x.labels)
          if (std::find(y.labels.begin(), y.labels.end(), l) != y.labels.end() &&
              std::find(out.begin(), out.end(), l) != out.end())
            labels.push_back(l);
        for (const Term* t : {&x, &y})
          for (int l : t->labels)
            if (std::find((t == &x ? y : x).labels.begin(), (t == &x ? y : x).labels.end(), l) ==
                (t == &x ? y : x).labels.end())
              labels.push_back(l);
        return labels == out;
      };
      if (!lays_out(a, b) && lays_out(b, a)) std::swap(a, b);
    }
    Ints lc, rc, lb, rb;
    std::vector<int> batch_labels, a_free, b_free;
    for (size_t d = 0; d < a.labels.size(); ++d) {
      int l = a.labels[d];
      auto it = std::find(b.labels.begin(), b.labels.end(), l);
      if (it == b.labels.end()) {
        a_free.push_back(l);
        continue;
      }
      int64_t e = int64_t(it - b.labels.begin());
      if (needed_elsewhere(l, terms, {bi, bj}, out)) {
        lb.push_back(int64_t(d));
        rb.push_back(e);
        batch_labels.push_back(l);
      } else {
        lc.push_back(int64_t(d));
        rc.push_back(e);
      }
    }
    for (int l : b.labels)
      if (std::find(a.labels.begin(), a.labels.end(), l) == a.labels.end()) b_free.push_back(l);
    if (a.x.dtype() != b.x.dtype()) {  // an intermediate in preferred_element_type
      DType dt = promote_types(a.x.dtype(), b.x.dtype());
      a.x = convert(a.x, dt);
      b.x = convert(b.x, dt);
    }
    Term r{dot_general(a.x, b.x, lc, rc, lb, rb, preferred), batch_labels};
    r.labels.insert(r.labels.end(), a_free.begin(), a_free.end());
    r.labels.insert(r.labels.end(), b_free.begin(), b_free.end());
    terms.erase(terms.begin() + int64_t(bj));
    terms.erase(terms.begin() + int64_t(bi));
    terms.push_back(std::move(r));
  }
  sum_private(terms, 0, out);
  Term& t = terms[0];
  // Into the output order; an output label no operand kept (broadcast size-1
  // ellipsis dims) is broadcast in.
  Ints out_shape, bdims, perm;
  bool all_present = true;
  for (int l : out) {
    out_shape.push_back(size_of[l]);
    if (std::find(t.labels.begin(), t.labels.end(), l) == t.labels.end()) all_present = false;
  }
  Array r;
  if (all_present) {
    for (int l : out) perm.push_back(int64_t(std::find(t.labels.begin(), t.labels.end(), l) - t.labels.begin()));
    r = transpose_if(t.x, perm);
  } else {
    std::vector<int> order;  // t's labels sorted by output position
    for (int l : out)
      if (std::find(t.labels.begin(), t.labels.end(), l) != t.labels.end()) order.push_back(l);
    for (int l : order) {
      perm.push_back(int64_t(std::find(t.labels.begin(), t.labels.end(), l) - t.labels.begin()));
      bdims.push_back(int64_t(std::find(out.begin(), out.end(), l) - out.begin()));
    }
    r = lax::broadcast_in_dim(transpose_if(t.x, perm), Shape(out_shape), bdims);
  }
  return finish(r, preferred);
}

// ---------------------------------------------------------------- convolve, correlate
namespace {
Array conv1d(std::string_view op, const ArrayLike& a0, const ArrayLike& v0, std::string_view mode,
             std::optional<DType> preferred) {
  auto [x, y] = promote_pair(op, a0, v0, preferred ? Promote::kAny : Promote::kInexact);
  if (x.ndim() != 1 || y.ndim() != 1)
    throw_error(op, "only supports 1-dimensional inputs, got shapes " + x.shape().str() + " and " + y.shape().str());
  if (x.size() == 0 || y.size() == 0)
    throw_error(op, "inputs cannot be empty, got shapes " + x.shape().str() + " and " + y.shape().str());
  bool reverse = false;
  if (x.size() < y.size()) {
    std::swap(x, y);
    reverse = op == "correlate";
  }
  if (op == "convolve") y = lax::rev(y, {0});
  const int64_t m = y.size();
  std::pair<int64_t, int64_t> pad;
  if (mode == "valid") pad = {0, 0};
  else if (mode == "same") pad = {m / 2, m - m / 2 - 1};
  else if (mode == "full") pad = {m - 1, m - 1};
  else throw_error(op, "mode must be one of \"full\", \"same\" or \"valid\", got \"" + std::string(mode) + "\"");
  Array r = lax::conv_general_dilated(lax::reshape(x, Shape{1, 1, x.size()}), lax::reshape(y, Shape{1, 1, m}), {1},
                                      lax::PaddingSpec(std::vector<std::pair<int64_t, int64_t>>{pad}), {}, {}, {}, 1, 1, preferred);
  r = lax::reshape(r, Shape{r.size()});
  return reverse ? lax::rev(r, {0}) : r;
}
}  // namespace

Array convolve(const ArrayLike& a, const ArrayLike& v, std::string_view mode, std::optional<DType> preferred,
               Loc loc) {
  CallSite site(loc);
  return conv1d("convolve", a, v, mode, preferred);
}

Array correlate(const ArrayLike& a, const ArrayLike& v, std::string_view mode, std::optional<DType> preferred,
                Loc loc) {
  CallSite site(loc);
  return conv1d("correlate", a, v, mode, preferred);
}

}  // namespace jx::np
