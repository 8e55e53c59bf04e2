// A character-level language model: a small decoder-only transformer
// (pre-LayerNorm, causal multi-head self-attention, GELU MLP, tied
// embeddings) built from jx::nn layers (Embedding, LayerNorm,
// MultiheadAttention, Linear), trained with a jitted optim::adam step on the
// English text of Debian's `fortunes` package, printing the loss as it trains
// and text sampled from the model.
//
//   ./build/char_lm [--steps 800] [--seconds 100] [--sample 400] [--batch 32] [--lr 3e-3]
//
// Training stops after --steps steps or --seconds seconds, whichever comes
// first, so the default run stays under two minutes on a 2-core machine.
#include <jx/jx.h>
#include <jx/nn.h>
#include <jx/optim.h>

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
namespace nn = jx::nn;
namespace optim = jx::optim;
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

// A pre-LayerNorm transformer block: x + attention(ln(x)), then x + mlp(ln(x)).
struct Block {
  nn::LayerNorm ln1, ln2;
  nn::MultiheadAttention attn;
  nn::Linear fc, proj;
  Block() = default;
  Block(const Config& c, const Array& key) {
    Array k = jx::random::split(key, 3);
    int64_t d = c.d_model;
    ln1 = nn::LayerNorm({d});
    ln2 = nn::LayerNorm({d});
    attn = nn::MultiheadAttention(c.heads, d, k[0],
                                  {.use_query_bias = true,
                                   .use_key_bias = true,
                                   .use_value_bias = true,
                                   .use_output_bias = true});
    fc = nn::Linear(d, 4 * d, k[1]);
    proj = nn::Linear(4 * d, d, k[2]);
  }
  /// x: [B, T, d] -> [B, T, d]; position t attends to positions <= t.
  Array operator()(const Array& x) const {
    Array h = ln1(x);
    Array y = x + attn(h, h, h, std::nullopt, /*causal=*/true);
    return y + proj(nn::gelu(fc(ln2(y))));
  }
};
JX_TREE(Block, ln1, ln2, attn, fc, proj);

struct Transformer {
  nn::Embedding tok_emb, pos_emb;  // [vocab, d], [context, d]
  std::vector<Block> blocks;
  nn::LayerNorm ln_f;

  Transformer() = default;
  Transformer(const Config& c, const Array& key) {
    Array keys = jx::random::split(key, 2 + c.layers);
    // Small embeddings (GPT-2's N(0, 0.02)) rather than equinox's N(0, 1):
    // the token table is also the output layer (tied embeddings).
    tok_emb = nn::Embedding(jx::random::normal(keys[0], {kVocab, c.d_model}) * 0.02f);
    pos_emb = nn::Embedding(jx::random::normal(keys[1], {c.context, c.d_model}) * 0.02f);
    for (int64_t l = 0; l < c.layers; ++l) blocks.emplace_back(c, keys[2 + l]);
    ln_f = nn::LayerNorm({c.d_model});
  }

  /// tokens int32[B, T] (T <= context) -> logits float32[B, T, vocab].
  Array operator()(const Array& tokens) const {
    int64_t T = tokens.shape()[1];
    Array x = tok_emb(tokens) + pos_emb(np::arange(T));
    for (const Block& b : blocks) x = b(x);
    return np::matmul(ln_f(x), np::transpose(tok_emb.weight));  // tied output layer
  }
};
JX_TREE(Transformer, tok_emb, pos_emb, blocks, ln_f);

// Mean next-character cross-entropy: inputs [B, T], targets [B, T].
Array loss_fn(const Transformer& m, const Array& inputs, const Array& targets) {
  return np::mean(nn::softmax_cross_entropy_with_integer_labels(m(inputs), targets));
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
  int64_t steps = 800, batch = 32;
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

  // Adam (b2 = 0.99) over a linear warmup and a cosine decay to a tenth of the peak.
  const int64_t warmup = std::max<int64_t>(steps / 10, 1);
  auto schedule = optim::warmup_cosine_decay_schedule(0.0, lr, warmup, steps, 0.1 * lr);
  optim::GradientTransformation opt = optim::adam(schedule, {.b2 = 0.99});
  optim::OptState opt_state = opt.init(model);
  auto train_step = jx::jit(
      [&](const Transformer& m, const optim::OptState& s, const Array& x, const Array& y) {
        auto [loss, grads] = jx::value_and_grad(loss_fn)(m, x, y);
        auto [updates, s2] = opt.update(grads, s, m);
        return std::tuple{optim::apply_updates(m, updates), s2, loss};
      },
      {.donate_argnums = {0, 1}, .name = "train_step"});
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
    auto [m2, s2, loss] = train_step(model, opt_state, x, y);
    model = std::move(m2);
    opt_state = std::move(s2);
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
