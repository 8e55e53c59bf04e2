// Pytree checkpoints: save/restore of nested trees (safetensors and .npz),
// the one error that lists every mismatch, and atomic writes under injected
// failures (the previous checkpoint survives, no temporary file remains).
#include <gtest/gtest.h>

#include "io/atomic_file.h"
#include "io_test_util.h"

namespace ckpt {
struct Linear {
  jx::Array weight, bias;
};
JX_TREE(Linear, weight, bias);
struct Model {
  std::vector<Linear> layers;
  std::map<std::string, jx::Array> norms;
  std::optional<jx::Array> head;
  int width = 0;  // static: not saved, taken from the target
};
JX_TREE(Model, layers, norms, head, width);
struct State {
  Model params;
  std::tuple<jx::Array, std::map<std::string, jx::Array>> opt_state;
  jx::Array step;
};
JX_TREE(State, params, opt_state, step);
}  // namespace ckpt

namespace {
using namespace jxio;
namespace io = jx::io;

ckpt::State make_state(float scale, int width = 4) {
  // A weak C++ scalar keeps each leaf's dtype.
  auto arr = [&](jx::DType dt, jx::Shape s) { return expected(dt, s) * scale; };
  ckpt::Model m;
  m.layers = {{arr(jx::float32, {3, 4}), arr(jx::float32, {4})},
              {arr(jx::bfloat16, {4, 2}), arr(jx::float16, {2})}};
  m.norms = {{"scale", arr(jx::float64, {2})}};
  m.head = arr(jx::float32, {2, 1});
  m.width = width;
  return {
      m, {arr(jx::float32, {5}), {{"mu", arr(jx::float32, {3, 4})}}}, jx::np::array(int64_t(7))};
}

void expect_same_tree(const ckpt::State& a, const ckpt::State& b) {
  auto la = jx::tree::leaves(a), lb = jx::tree::leaves(b);
  ASSERT_EQ(la.size(), lb.size());
  for (size_t i = 0; i < la.size(); ++i) EXPECT_TRUE(same_array(la[i], lb[i])) << i;
  EXPECT_EQ(jx::tree::structure(a), jx::tree::structure(b));
}

TEST(Checkpoint, SaveRestoreNestedTree) {
  TempDir dir;
  ckpt::State s = make_state(1.f);
  io::save(dir / "ckpt.safetensors", s, {{"epoch", "3"}});
  ckpt::State r = io::restore(dir / "ckpt.safetensors", make_state(0.f));
  expect_same_tree(r, s);
  // The file holds the key-path names and the metadata.
  io::ArrayMap m = io::load_safetensors(dir / "ckpt.safetensors");
  std::vector<std::string> names;
  for (const auto& kv : m) names.push_back(kv.first);
  EXPECT_EQ(names, (std::vector<std::string>{"opt_state[0]", "opt_state[1]['mu']", "params.head",
                                             "params.layers[0].bias", "params.layers[0].weight",
                                             "params.layers[1].bias", "params.layers[1].weight",
                                             "params.norms['scale']", "step"}));
  io::Metadata md = io::load_safetensors_metadata(dir / "ckpt.safetensors");
  EXPECT_EQ(md.at("epoch"), "3");
  EXPECT_EQ(md.at("jx.treedef"), jx::tree::structure(s).str());
}

TEST(Checkpoint, NpzByExtension) {
  TempDir dir;
  ckpt::State s = make_state(2.f);
  s.params.layers[1] = {expected(jx::float32, {4, 2}), expected(jx::float16, {2})};  // no bf16
  io::save(dir / "ckpt.npz", s);
  io::ArrayMap m = io::load_npz(dir / "ckpt.npz");
  EXPECT_TRUE(same_array(m.at("params.layers[0].weight"), s.params.layers[0].weight));
  expect_same_tree(io::restore(dir / "ckpt.npz", s), s);
  std::string msg = error_of([&] { io::save(dir / "x.npz", s, {{"a", "b"}}); });
  EXPECT_NE(msg.find("cannot hold metadata"), std::string::npos) << msg;
}

TEST(Checkpoint, MapsAndSingleArrays) {
  TempDir dir;
  io::ArrayMap m{{"w", expected(jx::float32, {2})}, {"b", expected(jx::int8, {3})}};
  io::save_safetensors(dir / "m.safetensors", m);  // the map overload: names are the keys
  io::ArrayMap r = io::restore(dir / "m.safetensors", m);
  EXPECT_TRUE(same_array(r.at("w"), m.at("w")));
  io::save(dir / "t.safetensors", m);  // the tree path gives the same names
  EXPECT_EQ(io::load_safetensors(dir / "t.safetensors").count("w"), 1u);
  jx::Array x = expected(jx::uint32, {2, 2});
  io::save(dir / "x.safetensors", x);
  EXPECT_TRUE(same_array(io::restore(dir / "x.safetensors", jx::np::zeros({2, 2}, jx::uint32)), x));
}

TEST(Checkpoint, RestoreReportsEveryMismatchAtOnce) {
  TempDir dir;
  io::save(dir / "ckpt.safetensors", make_state(1.f));
  ckpt::State target = make_state(0.f);
  target.params.layers[0].weight = jx::np::zeros({4, 3});  // wrong shape
  target.params.layers[1].bias = jx::np::zeros({2});       // float32, file has float16
  target.params.norms = {
      {"gain", jx::np::zeros({2}, jx::float64)}};  // 'scale' extra, 'gain' missing
  target.params.head = std::nullopt;               // 'params.head' extra
  std::string msg = error_of([&] { io::restore(dir / "ckpt.safetensors", target); });
  EXPECT_NE(msg.find("[io.restore] '" + (dir / "ckpt.safetensors") +
                     "' does not match the target tree (5 problems):"),
            std::string::npos)
      << msg;
  for (const char* line : {
           "\n  shape: 'params.layers[0].weight' is float32[3,4] in the file but float32[4,3] in "
           "the target",
           "\n  dtype: 'params.layers[1].bias' is float16[2] in the file but float32[2] in the "
           "target",
           "\n  missing: 'params.norms['gain']' (float64[2]) is in the target but not in the file",
           "\n  extra: 'params.head' (float32[2,1]) is in the file but not in the target",
           "\n  extra: 'params.norms['scale']' (float64[2]) is in the file but not in the target",
       })
    EXPECT_NE(msg.find(line), std::string::npos) << line << "\n" << msg;
  EXPECT_NE(msg.find("(at checkpoint_test.cpp:"), std::string::npos) << msg;
}

TEST(Checkpoint, RestoreOfCorruptOrMissingFile) {
  TempDir dir;
  io::save(dir / "c.safetensors", make_state(1.f));
  std::string bytes = read_bytes(dir / "c.safetensors");
  write_bytes(dir / "c.safetensors", bytes.substr(0, bytes.size() - 3));
  std::string msg = error_of([&] { io::restore(dir / "c.safetensors", make_state(0.f)); });
  EXPECT_NE(msg.find("[io.restore]"), std::string::npos) << msg;
  EXPECT_NE(msg.find("truncated: tensor"), std::string::npos) << msg;
  msg = error_of([&] { io::restore(dir / "none.safetensors", make_state(0.f)); });
  EXPECT_NE(msg.find("cannot open"), std::string::npos) << msg;
}

TEST(Checkpoint, SavingATracedTreeIsAnError) {
  TempDir dir;
  std::string msg;
  jx::grad([&](const jx::Array& x) {
    msg = error_of([&] { io::save(dir / "t.safetensors", std::vector<jx::Array>{x}); });
    return jx::np::sum(x);
  })(jx::np::ones({2}));
  EXPECT_NE(msg.find("traced array"), std::string::npos) << msg;
  EXPECT_TRUE(dir.entries().empty());
}

// Fails every write after `bytes` bytes for the scope's lifetime.
struct InjectFailure {
  explicit InjectFailure(int64_t bytes) { io::detail::set_write_failure_for_testing(bytes); }
  ~InjectFailure() { io::detail::set_write_failure_for_testing(-1); }
};

TEST(Checkpoint, FailedWriteLeavesPreviousCheckpointIntact) {
  TempDir dir;
  std::string path = dir / "ckpt.safetensors";
  ckpt::State good = make_state(1.f);
  io::save(path, good);
  std::string before = read_bytes(path);
  ckpt::State newer = make_state(3.f);
  // Fail at the start, inside the header, inside the data, and one byte short.
  size_t total = before.size();
  for (int64_t n : {int64_t(0), int64_t(5), int64_t(100), int64_t(total / 2), int64_t(total - 1)}) {
    SCOPED_TRACE(n);
    {
      InjectFailure fail(n);
      std::string msg = error_of([&] { io::save(path, newer); });
      EXPECT_NE(msg.find("[io.save] writing '" + path + "' failed: injected failure after " +
                         std::to_string(n) + " bytes"),
                std::string::npos)
          << msg;
    }
    EXPECT_EQ(read_bytes(path), before);
    EXPECT_EQ(dir.entries(), std::vector<std::string>{"ckpt.safetensors"});  // no temporary
    expect_same_tree(io::restore(path, make_state(0.f)), good);
  }
  // The same for .npz and .npy writers.
  io::ArrayMap m{{"a", expected(jx::float32, {8})}};
  io::save_npz(dir / "a.npz", m);
  io::save_npy(dir / "a.npy", m.at("a"));
  std::string npz = read_bytes(dir / "a.npz"), npy = read_bytes(dir / "a.npy");
  {
    InjectFailure fail(40);
    EXPECT_THROW(io::savez_compressed(dir / "a.npz", {{"b", expected(jx::int8, {3})}}), jx::Error);
    EXPECT_THROW(io::save_npy(dir / "a.npy", expected(jx::int8, {3})), jx::Error);
  }
  EXPECT_EQ(read_bytes(dir / "a.npz"), npz);
  EXPECT_EQ(read_bytes(dir / "a.npy"), npy);
  EXPECT_EQ(dir.entries(), (std::vector<std::string>{"a.npy", "a.npz", "ckpt.safetensors"}));
  // With the hook off, the write goes through and replaces the file.
  io::save(path, newer);
  expect_same_tree(io::restore(path, make_state(0.f)), newer);
  EXPECT_EQ(dir.entries(), (std::vector<std::string>{"a.npy", "a.npz", "ckpt.safetensors"}));
}

TEST(Checkpoint, SaveIntoMissingDirectoryOrDirectoryPath) {
  TempDir dir;
  std::string msg = error_of([&] { io::save(dir / "nope/ckpt.safetensors", make_state(1.f)); });
  EXPECT_NE(msg.find("cannot create a temporary file"), std::string::npos) << msg;
  msg = error_of([&] { io::save(dir.path().string() + "/", make_state(1.f)); });
  EXPECT_NE(msg.find("names a directory"), std::string::npos) << msg;
}

}  // namespace
