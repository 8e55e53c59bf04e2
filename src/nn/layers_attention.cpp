// MultiheadAttention: batched over heads (and the optional batch dim) with
// dot_general batch dimensions instead of equinox's vmap over heads.
#include "jx/nn/layers_attention.h"

#include <cmath>
#include <limits>

#include "jx/lax.h"
#include "jx/lax_contract.h"
#include "jx/numpy.h"
#include "jx/random.h"
#include "jx/transforms_flat.h"

namespace jx::nn {

MultiheadAttention::MultiheadAttention(int64_t heads, int64_t qsize, const Array& key,
                                       const AttentionOptions& o, Loc loc)
    : dropout(o.dropout_p, o.inference, loc), num_heads(heads), query_size(qsize) {
  CallSite site(loc);
  if (heads < 1 || qsize < 1)
    throw_error("nn.MultiheadAttention", "num_heads and query_size must be >= 1, got " +
                                             std::to_string(heads) + " and " +
                                             std::to_string(qsize));
  key_size = o.key_size ? o.key_size : qsize;
  value_size = o.value_size ? o.value_size : qsize;
  output_size = o.output_size ? o.output_size : qsize;
  qk_size = o.qk_size ? o.qk_size : qsize / heads;
  vo_size = o.vo_size ? o.vo_size : qsize / heads;
  if (qk_size < 1 || vo_size < 1)
    throw_error("nn.MultiheadAttention", "query_size " + std::to_string(qsize) +
                                             " is smaller than num_heads " + std::to_string(heads) +
                                             "; give qk_size and vo_size");
  Array keys = random::split(key, 4);
  query_proj = Linear(qsize, heads * qk_size, keys[0], o.use_query_bias, o.dtype);
  key_proj = Linear(key_size, heads * qk_size, keys[1], o.use_key_bias, o.dtype);
  value_proj = Linear(value_size, heads * vo_size, keys[2], o.use_value_bias, o.dtype);
  output_proj = Linear(heads * vo_size, output_size, keys[3], o.use_output_bias, o.dtype);
}

Array MultiheadAttention::operator()(const Array& query, const Array& key_, const Array& value,
                                     const std::optional<Array>& mask, bool causal,
                                     const std::optional<Array>& key, std::optional<bool> inference,
                                     Loc loc) const {
  CallSite site(loc);
  const char* op = "nn.MultiheadAttention";
  int r = query.ndim();
  if ((r != 2 && r != 3) || key_.ndim() != r || value.ndim() != r)
    throw_error(op, "query, key and value must all be (seq, features) or (N, seq, features), got " +
                        query.shape().str() + ", " + key_.shape().str() + ", " +
                        value.shape().str());
  bool batched = r == 3;
  Array q = batched ? query : lax::expand_dims(query, {0});
  Array k = batched ? key_ : lax::expand_dims(key_, {0});
  Array v = batched ? value : lax::expand_dims(value, {0});
  int64_t n = q.shape()[0], sq = q.shape()[1], sk = k.shape()[1];
  if (k.shape()[0] != n || v.shape()[0] != n || v.shape()[1] != sk)
    throw_error(op, "key and value must have the same sequence length (and batch as query), got " +
                        query.shape().str() + ", " + key_.shape().str() + ", " +
                        value.shape().str());

  // [N, S, H * d] -> [N, H, S, d]
  auto heads = [&](const Linear& proj, const Array& x, int64_t d) {
    Array p = proj(x);
    return lax::transpose(np::reshape(p, {n, x.shape()[1], num_heads, d}), {0, 2, 1, 3});
  };
  Array qh = heads(query_proj, q, qk_size);
  Array kh = heads(key_proj, k, qk_size);
  Array vh = heads(value_proj, v, vo_size);
  qh = qh / std::sqrt(double(qk_size));
  Array logits = lax::dot_general(qh, kh, {{3}, {3}, {0, 1}, {0, 1}});  // [N, H, Sq, Sk]

  std::optional<Array> m;
  if (mask) {
    const Array& mk = *mask;
    Shape want{sq, sk};
    bool ok = mk.dtype() == bool_ && mk.ndim() >= 2 && mk.shape()[mk.ndim() - 2] == sq &&
              mk.shape()[mk.ndim() - 1] == sk;
    if (ok && mk.ndim() == 3) ok = mk.shape()[0] == num_heads;
    if (ok && mk.ndim() == 4) ok = batched && mk.shape()[0] == n && mk.shape()[1] == num_heads;
    if (!ok || mk.ndim() > 4)
      throw_error(op, "mask must be bool of shape (" + std::to_string(sq) + ", " +
                          std::to_string(sk) + "), (num_heads, Sq, Sk) or, batched, (N, " +
                          "num_heads, Sq, Sk); got " + mk.aval().str());
    m = mk;
  }
  if (causal) {
    Array tri = np::tril(np::ones({sq, sk}, bool_));
    m = m ? np::logical_and(*m, tri) : tri;
  }
  if (m) {
    double lowest = logits.dtype() == float64   ? std::numeric_limits<double>::lowest()
                    : logits.dtype() == float32 ? double(std::numeric_limits<float>::lowest())
                    : logits.dtype() == float16 ? -65504.0
                                                : -3.3895313892515355e38;
    logits = np::where(*m, logits, lowest);
  }
  DType dt = logits.dtype() == float64 ? float64 : float32;
  Array lf = logits.dtype() == dt ? logits : np::astype(logits, dt);
  Array shifted = lf - jx::stop_gradient(np::max(lf, -1, true));
  Array e = np::exp(shifted);
  Array w = e / np::sum(e, -1, true);
  if (w.dtype() != logits.dtype()) w = np::astype(w, logits.dtype());
  w = dropout(w, key, inference);
  Array attn = lax::dot_general(w, vh, {{3}, {2}, {0, 1}, {0, 1}});  // [N, H, Sq, dv]
  attn = np::reshape(lax::transpose(attn, {0, 2, 1, 3}), {n, sq, num_heads * vo_size});
  Array out = output_proj(attn);
  return batched ? out : lax::squeeze(out, {0});
}

}  // namespace jx::nn
