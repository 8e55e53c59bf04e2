// Whole training steps, side by side with JAX + optax + equinox
// (bench/jax_train.py builds the same models, optimizers and data shapes;
// bench/run_train_bench.sh runs both interleaved and prints the ratios).
//
//   cnn          the flagship Fashion-MNIST CNN (examples/fashion_mnist.cpp):
//                conv 1->32 3x3/2 SAME, relu, conv 32->64 3x3/2 SAME, relu,
//                dense 3136->128, relu, dense 128->10; x f32[128,1,28,28];
//                adamw with a warmup-cosine schedule
//   mlp_adamw    784-1024-1024-10 relu MLP, batch 256, adamw
//   mlp_sgd      the same MLP, plain sgd (issue 5's step)
//   transformer  2 pre-LN decoder blocks, d_model 256, 4 heads, causal
//                attention, MLP 4x with gelu, tokens int32[16,128] over a
//                256-symbol vocabulary, learned positions, final LN, untied
//                head; adamw
//   per_example  vmap(grad) of the MLP's per-example loss, batch 128 (one
//                [1024,784] ... gradient per example: ~0.95 GB of output)
//
// Every training step is one jit of value_and_grad + opt.update +
// apply_updates with params and optimizer state donated, fed back step to
// step. The loss is mean softmax cross-entropy written as
// -mean(sum(one_hot(y) * log_softmax(z))) on both sides.
//
// Each workload prints
//   RESULT <name> threads=<n> compile_ms=<first call - median cached step>
//          step_ms=<median of --steps cached steps after 3 warmups> loss=<first loss>
// Options: --only a,b  --steps N (default 25)  --check DIR: instead of
// timing, write DIR/<name>.npz with the initial parameter leaves (p000...,
// in tree order), the data (x, y) and the losses of 3 steps (or the
// per-example gradient norms) for jax_train.py --check to compare.
// --print writes each training step's tracing time (make_jaxpr) and
// compiled program (optimized IR and plan) to stderr; JX_PROFILE_STEPS=1 adds each step's time per
// plan entry. Threads: JX_NUM_THREADS (and OMP_NUM_THREADS for oneDNN).
#include <jx/io.h>
#include <jx/jx.h>
#include <jx/nn.h>
#include <jx/optim.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "backend/cpu/thread_pool.h"

#include "fashion_cnn.h"

namespace np = jx::np;
namespace nn = jx::nn;
namespace optim = jx::optim;
using jx::Array;

namespace {

using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

// ---------------------------------------------------------------- models

using jx_bench::Cnn;

struct Block {
  nn::LayerNorm ln1;
  nn::MultiheadAttention attn;
  nn::LayerNorm ln2;
  nn::Linear fc1, fc2;
};
JX_TREE(Block, ln1, attn, ln2, fc1, fc2);

constexpr int64_t kVocab = 256, kSeq = 128, kDModel = 256, kHeads = 4, kLayers = 2;

struct Transformer {
  nn::Embedding tok, pos;
  std::vector<Block> blocks;
  nn::LayerNorm lnf;
  nn::Linear head;
  Transformer() = default;
  explicit Transformer(const Array& key) {
    Array k = jx::random::split(key, 3 + 3 * kLayers);
    tok = nn::Embedding(kVocab, kDModel, k[0]);
    pos = nn::Embedding(kSeq, kDModel, k[1]);
    for (int64_t l = 0; l < kLayers; ++l)
      blocks.push_back({nn::LayerNorm({kDModel}),
                        nn::MultiheadAttention(kHeads, kDModel, k[3 + 3 * l]),
                        nn::LayerNorm({kDModel}), nn::Linear(kDModel, 4 * kDModel, k[4 + 3 * l]),
                        nn::Linear(4 * kDModel, kDModel, k[5 + 3 * l])});
    lnf = nn::LayerNorm({kDModel});
    head = nn::Linear(kDModel, kVocab, k[2]);
  }
  /// tokens int32[N,T] -> logits f32[N,T,vocab].
  Array operator()(const Array& tokens) const {
    Array x = tok(tokens) + pos.weight;
    for (const Block& b : blocks) {
      Array h = b.ln1(x);
      x = x + b.attn(h, h, h, std::nullopt, /*causal=*/true);
      x = x + b.fc2(nn::gelu(b.fc1(b.ln2(x))));
    }
    return head(lnf(x));
  }
};
JX_TREE(Transformer, tok, pos, blocks, lnf, head);

Array xent(const Array& logits, const Array& labels) {
  int64_t c = logits.shape()[logits.ndim() - 1];
  return -np::mean(np::sum(nn::one_hot(labels, c) * nn::log_softmax(logits), -1));
}

template <class M>
Array loss_fn(const M& m, const Array& x, const Array& y) {
  return xent(m(x), y);
}

// One example: x f32[784], y int32[].
Array example_loss(const nn::MLP& m, const Array& x, const Array& y) {
  return -np::sum(nn::one_hot(y, 10) * nn::log_softmax(m(x)));
}

// ---------------------------------------------------------------- data

Array uniform(int seed, jx::Shape s) { return jx::random::uniform(jx::random::key(seed), s); }
Array labels(int seed, jx::Shape s, int64_t n) {
  return jx::random::randint(jx::random::key(seed), s, 0, n);
}

// ---------------------------------------------------------------- harness

struct Options {
  std::set<std::string> only;
  int steps = 25;
  std::string check_dir;
  bool print = false;
  bool wants(const std::string& n) const { return only.empty() || only.count(n); }
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

void report(const std::string& name, double first_ms, double step_ms, double loss) {
  std::printf("RESULT %-12s threads=%d compile_ms=%.1f step_ms=%.3f loss=%.6f\n", name.c_str(),
              jx::cpu::num_threads(), first_ms - step_ms, step_ms, loss);
  std::fflush(stdout);
}

void save_check(const Options& o, const std::string& name, const std::vector<Array>& leaves,
                const Array& x, const Array& y, const Array& result) {
  jx::io::ArrayMap m;
  char key[16];
  for (size_t i = 0; i < leaves.size(); ++i) {
    std::snprintf(key, sizeof key, "p%03zu", i);
    m[key] = leaves[i];
  }
  m["x"] = x;
  m["y"] = y;
  m["result"] = result;
  jx::io::save_npz(o.check_dir + "/" + name + ".npz", m);
  std::ostringstream os;
  os << result;
  std::printf("wrote %s/%s.npz: %zu leaves, result %s\n", o.check_dir.c_str(), name.c_str(),
              leaves.size(), os.str().c_str());
}

// A jitted train step: (params, state, x, y) -> (params, state, loss).
template <class M>
void run_training(const Options& o, const std::string& name, M model,
                  const optim::GradientTransformation& opt, const Array& x, const Array& y) {
  auto fn = [opt](const M& p, const optim::OptState& s, const Array& xb, const Array& yb) {
    auto [l, g] = jx::value_and_grad(loss_fn<M>)(p, xb, yb);
    auto [u, s2] = opt.update(g, s, p);
    return std::make_tuple(optim::apply_updates(p, u), s2, l);
  };
  auto step = jx::jit(fn, {.donate_argnums = {0, 1}, .name = name});
  std::vector<Array> init_leaves = jx::tree::leaves(model);
  // Copies, so donation never touches arrays the caller still holds.
  M params = jx::tree::map([](const Array& a) { return jx::lax::copy(a); }, model);
  optim::OptState state = opt.init(params);
  Array loss;
  if (!o.check_dir.empty()) {
    std::vector<Array> losses;
    for (int i = 0; i < 3; ++i) {
      std::tie(params, state, loss) = step(params, state, x, y);
      losses.push_back(loss);
    }
    save_check(o, name, init_leaves, x, y, np::stack(losses));
    return;
  }
  auto t0 = Clock::now();
  if (o.print) {  // tracing alone (make_jaxpr), before jit traces it again
    size_t n = jx::make_jaxpr(fn)(params, state, x, y).jaxpr.eqns.size();
    std::fprintf(stderr, "%s: tracing %.1f ms, %zu equations\n", name.c_str(), ms_since(t0), n);
    t0 = Clock::now();
  }
  std::tie(params, state, loss) = step(params, state, x, y);
  double first = ms_since(t0);
  if (o.print)
    std::fprintf(stderr, "%s\n", step.lower(params, state, x, y).compile().as_text().c_str());
  double first_loss = loss.item<double>();
  for (int i = 0; i < 3; ++i) std::tie(params, state, loss) = step(params, state, x, y);
  std::vector<double> times;
  for (int i = 0; i < o.steps; ++i) {
    t0 = Clock::now();
    std::tie(params, state, loss) = step(params, state, x, y);
    loss.block_until_ready();
    times.push_back(ms_since(t0));
  }
  if (!std::isfinite(loss.item<double>()))
    std::printf("warning: %s loss is not finite\n", name.c_str());
  report(name, first, median(times), first_loss);
}

// The global norm of each example's gradient: f32[batch].
Array per_example_norms(const nn::MLP& g) {
  Array total;
  for (const Array& leaf : jx::tree::leaves(g)) {
    Array sq = np::sum(np::reshape(np::square(leaf), {leaf.shape()[0], -1}), 1);
    total = total.defined() ? total + sq : sq;
  }
  return np::sqrt(total);
}

void run_per_example(const Options& o, const nn::MLP& model, const Array& x, const Array& y) {
  auto pe = jx::jit([](const nn::MLP& m, const Array& xb, const Array& yb) {
    return jx::vmap(jx::grad(example_loss), {std::nullopt, 0, 0})(m, xb, yb);
  });
  if (!o.check_dir.empty()) {
    save_check(o, "per_example", jx::tree::leaves(model), x, y, per_example_norms(pe(model, x, y)));
    return;
  }
  auto t0 = Clock::now();
  nn::MLP g0 = pe(model, x, y);
  g0.layers[0].weight.block_until_ready();
  double first = ms_since(t0);
  double norm0 = per_example_norms(g0)[0].item<double>();
  g0 = nn::MLP();
  for (int i = 0; i < 3; ++i) pe(model, x, y);
  std::vector<double> times;
  for (int i = 0; i < o.steps; ++i) {
    t0 = Clock::now();
    nn::MLP g = pe(model, x, y);
    g.layers[0].weight.block_until_ready();
    times.push_back(ms_since(t0));
  }
  report("per_example", first, median(times), norm0);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--only" && i + 1 < argc) {
      std::stringstream ss(argv[++i]);
      for (std::string w; std::getline(ss, w, ',');) o.only.insert(w);
    } else if (a == "--steps" && i + 1 < argc) {
      o.steps = std::max(1, std::atoi(argv[++i]));
    } else if (a == "--print") {
      o.print = true;
    } else if (a == "--check" && i + 1 < argc) {
      o.check_dir = argv[++i];
    } else {
      std::fprintf(stderr, "usage: bench_train [--only a,b] [--steps N] [--check DIR] [--print]\n");
      std::exit(2);
    }
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) try {
  Options o = parse(argc, argv);
  // Start the backend (thread pool, code generator) outside any measurement,
  // as jax_train.py does for XLA.
  jx::jit([](const Array& a) { return np::sin(a) * 2.0f + 1.0f; })(np::ones({64}))
      .block_until_ready();

  if (o.wants("cnn")) {
    auto opt = optim::adamw(optim::warmup_cosine_decay_schedule(0.0, 3e-3, 100, 1400),
                            {.weight_decay = 1e-4});
    run_training(o, "cnn", Cnn(jx::random::key(0)), opt, uniform(1, {128, 1, 28, 28}),
                 labels(2, {128}, 10));
  }
  nn::MLP mlp(784, 10, 1024, 2, jx::random::key(3));
  Array xm = uniform(4, {256, 784}), ym = labels(5, {256}, 10);
  if (o.wants("mlp_adamw")) run_training(o, "mlp_adamw", mlp, optim::adamw(1e-3), xm, ym);
  if (o.wants("mlp_sgd")) run_training(o, "mlp_sgd", mlp, optim::sgd(1e-2), xm, ym);
  if (o.wants("transformer")) {
    Array tokens = labels(6, {16, kSeq + 1}, kVocab);
    Array xt = jx::lax::slice(tokens, {0, 0}, {16, kSeq}),
          yt = jx::lax::slice(tokens, {0, 1}, {16, kSeq + 1});
    run_training(o, "transformer", Transformer(jx::random::key(7)), optim::adamw(1e-3), xt, yt);
  }
  if (o.wants("per_example"))
    run_per_example(o, mlp, jx::lax::slice(xm, {0, 0}, {128, 784}), jx::lax::slice(ym, {0}, {128}));
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "bench_train: %s\n", e.what());
  return 1;
}
