// A character-level language model: a small decoder-only transformer
// (pre-LayerNorm, causal multi-head self-attention, GELU MLP, tied
// embeddings) trained on the English text of Debian's `fortunes` package,
// printing the loss as it trains and text sampled from the model.
//
//   ./build/char_lm [--steps 300] [--seconds 100] [--sample 400]
//
// Training stops after --steps steps or --seconds seconds, whichever comes
// first, so the default run stays under two minutes on a 2-core machine.
#include <jx/jx.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace np = jx::np;
using jx::Array;

namespace {

constexpr int kVocab = 96;  // '\n' and the printable ASCII characters 32..126
int encode(char c) { return c == '\n' ? 0 : c - 31; }
char decode(int t) { return t == 0 ? '\n' : char(t + 31); }

// The text of every fortune file (plain text files without an extension,
// not the art collections), `%` separator lines dropped, non-ASCII dropped.
std::vector<int> load_fortunes(const std::string& dir) {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(dir)) {
    std::string name = e.path().filename().string();
    if (e.is_regular_file() && e.path().extension().empty() && name != "art" && name != "ascii-art")
      files.push_back(e.path().string());
  }
  if (files.empty())
    throw std::runtime_error("no fortune files in " + dir + " (install `fortunes`)");
  std::sort(files.begin(), files.end());
  std::vector<int> tokens;
  for (const std::string& f : files) {
    std::ifstream in(f);
    std::string line;
    while (std::getline(in, line)) {
      if (line == "%") continue;
      for (char c : line)
        if (c >= 32 && c <= 126) tokens.push_back(encode(c));
      tokens.push_back(encode('\n'));
    }
  }
  return tokens;
}

// ----------------------------------------------------------------- the model

struct Config {
  int64_t d_model = 128, heads = 4, layers = 2, context = 64;
};

Array layer_norm(const Array& x, const Array& gain, const Array& bias) {
  Array mean = np::mean(x, -1, true);
  Array var = np::mean(np::square(x - mean), -1, true);
  return (x - mean) / np::sqrt(var + 1e-5f) * gain + bias;
}

Array gelu(const Array& x) {  // the tanh approximation (jax.nn.gelu's default)
  return 0.5f * x * (1.0f + np::tanh(0.7978845608f * (x + 0.044715f * x * x * x)));
}

struct Block {
  Array ln1_g, ln1_b, qkv_w, qkv_b, out_w, out_b, ln2_g, ln2_b, fc_w, fc_b, proj_w, proj_b;
};
JX_TREE(Block, ln1_g, ln1_b, qkv_w, qkv_b, out_w, out_b, ln2_g, ln2_b, fc_w, fc_b, proj_w, proj_b);

struct Transformer {
  Array tok_emb, pos_emb;  // [vocab, d], [context, d]
  std::vector<Block> blocks;
  Array lnf_g, lnf_b;
  int64_t heads = 0;

  Transformer() = default;
  Transformer(const Config& c, const Array& key) : heads(c.heads) {
    Array keys = jx::random::split(key, 2 + 4 * c.layers);
    int64_t d = c.d_model;
    auto normal = [](const Array& k, jx::Shape s, double std) {
      return jx::random::normal(k, s) * float(std);
    };
    tok_emb = normal(keys[0], {kVocab, d}, 0.02);
    pos_emb = normal(keys[1], {c.context, d}, 0.02);
    double resid = 0.02 / std::sqrt(2.0 * c.layers);  // GPT-2's scaled residual init
    for (int64_t l = 0; l < c.layers; ++l) {
      Array k0 = keys[2 + 4 * l], k1 = keys[3 + 4 * l], k2 = keys[4 + 4 * l], k3 = keys[5 + 4 * l];
      blocks.push_back({np::ones({d}), np::zeros({d}), normal(k0, {d, 3 * d}, 0.02),
                        np::zeros({3 * d}), normal(k1, {d, d}, resid), np::zeros({d}),
                        np::ones({d}), np::zeros({d}), normal(k2, {d, 4 * d}, 0.02),
                        np::zeros({4 * d}), normal(k3, {4 * d, d}, resid), np::zeros({d})});
    }
    lnf_g = np::ones({d});
    lnf_b = np::zeros({d});
  }

  // Causal self-attention of x [B, T, d].
  Array attention(const Block& b, const Array& x) const {
    int64_t B = x.shape()[0], T = x.shape()[1], d = x.shape()[2], dh = d / heads;
    Array qkv = np::matmul(x, b.qkv_w) + b.qkv_b;  // [B, T, 3d]
    qkv =
        np::transpose(np::reshape(qkv, {B, T, 3, heads, dh}), {2, 0, 3, 1, 4});  // [3, B, H, T, dh]
    Array q = qkv[0], k = qkv[1], v = qkv[2];
    Array scores = np::matmul(q, np::swapaxes(k, -1, -2)) / float(std::sqrt(double(dh)));
    Array causal = np::greater_equal(np::reshape(np::arange(T), {T, 1}), np::arange(T));
    scores = np::where(causal, scores, -1e9f);
    Array m = jx::stop_gradient(np::max(scores, -1, true));
    Array p = np::exp(scores - m);
    p = p / np::sum(p, -1, true);
    Array out = np::reshape(np::transpose(np::matmul(p, v), {0, 2, 1, 3}), {B, T, d});
    return np::matmul(out, b.out_w) + b.out_b;
  }

  /// tokens int32[B, T] (T <= context) -> logits float32[B, T, vocab].
  Array operator()(const Array& tokens) const {
    int64_t T = tokens.shape()[1];
    Array x =
        np::take(tok_emb, tokens, 0) + jx::lax::slice(pos_emb, {0, 0}, {T, pos_emb.shape()[1]});
    for (const Block& b : blocks) {
      x = x + attention(b, layer_norm(x, b.ln1_g, b.ln1_b));
      Array h = gelu(np::matmul(layer_norm(x, b.ln2_g, b.ln2_b), b.fc_w) + b.fc_b);
      x = x + np::matmul(h, b.proj_w) + b.proj_b;
    }
    return np::matmul(layer_norm(x, lnf_g, lnf_b), np::transpose(tok_emb));  // tied head
  }
};
JX_TREE(Transformer, tok_emb, pos_emb, blocks, lnf_g, lnf_b, heads);

// Mean next-character cross-entropy: inputs [B, T], targets [B, T].
Array loss_fn(const Transformer& m, const Array& inputs, const Array& targets) {
  Array z = m(inputs);
  Array mx = jx::stop_gradient(np::max(z, -1, true));
  Array logp = z - mx - np::log(np::sum(np::exp(z - mx), -1, true));
  Array onehot =
      np::astype(np::equal(np::expand_dims(targets, -1), np::arange(kVocab)), jx::float32);
  return -np::mean(np::sum(onehot * logp, -1));
}

// ------------------------------------------------------------- the optimizer

// Adam with a linear warmup and a cosine decay.
struct Adam {
  Transformer mu, nu;
  Array count;
};
JX_TREE(Adam, mu, nu, count);

Adam adam_init(const Transformer& p) {
  auto zeros = [&] { return jx::tree::map([](const Array& a) { return np::zeros_like(a); }, p); };
  return {zeros(), zeros(), np::array(0)};
}

std::pair<Transformer, Adam> adam_step(const Transformer& p, const Transformer& g, const Adam& s,
                                       double peak_lr, int64_t warmup, int64_t total) {
  Array count = s.count + 1;
  Array t = np::astype(count, jx::float32);
  Array frac =
      np::clip((t - float(warmup)) / float(std::max<int64_t>(total - warmup, 1)), 0.0f, 1.0f);
  Array lr = np::where(t <= float(warmup), t / float(warmup),
                       0.1f + 0.45f * (1.0f + np::cos(float(M_PI) * frac))) *
             float(peak_lr);
  Transformer mu =
      jx::tree::map([](const Array& m, const Array& g) { return 0.9f * m + 0.1f * g; }, s.mu, g);
  Transformer nu = jx::tree::map(
      [](const Array& v, const Array& g) { return 0.99f * v + 0.01f * g * g; }, s.nu, g);
  Array c1 = 1.0f - np::power(0.9f, t), c2 = 1.0f - np::power(0.99f, t);
  Transformer out =
      jx::tree::map([&](const Array& p, const Array& m,
                        const Array& v) { return p - lr * (m / c1) / (np::sqrt(v / c2) + 1e-8f); },
                    p, mu, nu);
  return {out, {mu, nu, count}};
}

// Samples `n` characters after `prompt` (temperature-scaled), one jitted
// forward pass per character over the last `context` characters.
template <class Fwd>
std::string sample(const Fwd& last_logits, const Transformer& m, const std::string& prompt, int n,
                   int64_t context, Array key, float temperature) {
  std::vector<int> toks;
  for (char c : prompt) toks.push_back(encode(c));
  std::string out = prompt;
  for (int i = 0; i < n; ++i) {
    // A fixed-size window (left-padded with newlines) keeps one compiled shape.
    std::vector<int> window(size_t(context), 0);
    int64_t have = std::min<int64_t>(int64_t(toks.size()), context);
    std::copy(toks.end() - have, toks.end(), window.end() - have);
    Array ctx = np::reshape(np::array(window), {1, context});
    auto [k1, k2] = jx::random::split2(key);
    key = k1;
    Array logits = last_logits(m, ctx);
    int t = jx::random::categorical(k2, logits / temperature).item<int>();
    toks.push_back(t);
    out += decode(t);
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) try {
  int64_t steps = 300, batch = 32;
  double max_seconds = 100, lr = 3e-3;
  int sample_len = 400;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--steps")
      steps = std::stoll(v);
    else if (k == "--seconds")
      max_seconds = std::stod(v);
    else if (k == "--sample")
      sample_len = std::stoi(v);
    else if (k == "--batch")
      batch = std::stoll(v);
    else if (k == "--lr")
      lr = std::stod(v);
    else
      throw std::runtime_error("unknown option " + k);
  }
  auto t0 = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };

  std::vector<int> text = load_fortunes("/usr/share/games/fortunes");
  int64_t n_val = int64_t(text.size()) / 20;  // the last 5% for validation
  Array data = np::array(text);
  int64_t n_train = int64_t(text.size()) - n_val;
  Config cfg;
  Transformer model(cfg, jx::random::key(0));
  int64_t n_params =
      jx::tree::reduce([](int64_t n, const Array& a) { return n + a.size(); }, model, int64_t(0));
  std::printf(
      "fortunes: %lld characters (%lld for validation); transformer: %lld layers, d_model "
      "%lld, %lld heads, context %lld, %lld parameters\n",
      (long long)text.size(), (long long)n_val, (long long)cfg.layers, (long long)cfg.d_model,
      (long long)cfg.heads, (long long)cfg.context, (long long)n_params);

  // A batch: `batch` windows of context + 1 characters at random offsets in
  // [lo, hi), gathered with one take of an index matrix.
  int64_t T = cfg.context;
  auto windows = [&](const Array& key, int64_t lo, int64_t hi) {
    Array start = jx::random::randint(key, {batch, 1}, lo, hi - T - 1);
    Array idx = start + np::arange(T + 1);
    Array w = np::take(data, idx, 0);
    return std::pair{jx::lax::slice(w, {0, 0}, {batch, T}),
                     jx::lax::slice(w, {0, 1}, {batch, T + 1})};
  };

  Adam opt = adam_init(model);
  const int64_t warmup = std::max<int64_t>(steps / 10, 1);
  auto train_step =
      jx::jit([&](const Transformer& m, const Adam& s, const Array& x, const Array& y) {
        auto [loss, grads] = jx::value_and_grad(loss_fn)(m, x, y);
        auto [m2, s2] = adam_step(m, grads, s, lr, warmup, steps);
        return std::tuple{m2, s2, loss};
      });
  auto eval_loss = jx::jit(loss_fn);
  auto last_logits = jx::jit([](const Transformer& m, const Array& ctx) {
    Array z = m(ctx);
    return z[0][z.shape()[1] - 1];
  });

  Array key = jx::random::key(1);
  double running = 0;
  int64_t step = 0;
  for (; step < steps && elapsed() < max_seconds; ++step) {
    Array k = jx::random::fold_in(key, step);
    auto [x, y] = windows(k, 0, n_train);
    auto [m2, s2, loss] = train_step(model, opt, x, y);
    model = std::move(m2);
    opt = std::move(s2);
    running += loss.item<double>();
    if ((step + 1) % 25 == 0) {
      auto [vx, vy] =
          windows(jx::random::fold_in(key, 1000000 + step), n_train, int64_t(text.size()));
      std::printf("step %4lld  train loss %.3f  val loss %.3f  (%.0f chars/s, %.0fs)\n",
                  (long long)step + 1, running / 25, eval_loss(model, vx, vy).item<double>(),
                  double((step + 1) * batch * T) / elapsed(), elapsed());
      std::fflush(stdout);
      running = 0;
    }
  }
  std::printf("\ntrained %lld steps in %.1fs. Samples (temperature 0.8):\n", (long long)step,
              elapsed());
  int seed = 7;
  for (const char* prompt : {"The ", "Q: "})
    std::printf("---\n%s\n",
                sample(last_logits, model, prompt, sample_len / 2, T, jx::random::key(seed++), 0.8f)
                    .c_str());
  std::printf("---\ntotal %.1fs\n", elapsed());
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "char_lm: %s\n", e.what());
  return 1;
}
