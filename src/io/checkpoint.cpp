// Pytree checkpoints: save_named writes leaves under their key-path names;
// restore_named checks a file against the target's names, shapes and dtypes,
// reporting every mismatch at once, before building any array.
#include <map>
#include <set>

#include "io/io_common.h"
#include "jx/io.h"

namespace jx::io::detail {
namespace {

std::string q(const std::string& s) { return "'" + s + "'"; }

void check_unique(const char* op, const std::vector<std::string>& names) {
  std::set<std::string> seen;
  for (const std::string& n : names)
    if (!seen.insert(n).second)
      throw_error(op, "two leaves of the tree are both named " + q(n) +
                          " (a dict key that looks like a key path?)");
}

}  // namespace

void save_named(const char* op, Format format, const std::string& path,
                const std::vector<std::string>& names, const std::vector<Array>& arrays,
                const Metadata& metadata, const std::string& treedef) {
  check_unique(op, names);
  if (format == Format::ByExtension)
    format = ends_with(path, ".npz") ? Format::Npz : Format::Safetensors;
  if (format == Format::Npz) {
    if (!metadata.empty())
      throw_error(op, q(path) + ": an .npz archive cannot hold metadata; save safetensors");
    write_npz_file(op, path, names, arrays, false);
    return;
  }
  Metadata md = metadata;
  md.emplace("jx.treedef", treedef);  // informational; a user's own value wins
  write_safetensors_file(op, path, names, arrays, md);
}

std::vector<Array> restore_named(const char* op, const std::string& path,
                                 const std::vector<std::string>& names,
                                 const std::vector<Array>& targets) {
  check_unique(op, names);
  FileTensors file = read_tensors(op, path, ends_with(path, ".npz"));
  std::map<std::string, const FileTensor*> by_name;
  for (const FileTensor& t : file.tensors) by_name.emplace(t.name, &t);

  std::vector<std::string> problems;
  std::vector<const FileTensor*> found(targets.size(), nullptr);
  std::set<std::string> wanted(names.begin(), names.end());
  for (size_t i = 0; i < targets.size(); ++i) {
    const Array& want = targets[i];
    std::vector<int64_t> shape(want.shape().begin(), want.shape().end());
    auto it = by_name.find(names[i]);
    if (it == by_name.end()) {
      problems.push_back("missing: " + q(names[i]) + " (" + aval_text(want.dtype(), shape) +
                         ") is in the target but not in the file");
      continue;
    }
    const FileTensor& t = *it->second;
    found[i] = &t;
    if (t.shape != shape)
      problems.push_back("shape: " + q(names[i]) + " is " + aval_text(dtype_of(t.elem), t.shape) +
                         " in the file but " + aval_text(want.dtype(), shape) + " in the target");
    else if (dtype_of(t.elem) != want.dtype())
      problems.push_back("dtype: " + q(names[i]) + " is " + aval_text(dtype_of(t.elem), t.shape) +
                         " in the file but " + aval_text(want.dtype(), shape) + " in the target");
  }
  for (const auto& [name, t] : by_name)
    if (!wanted.count(name))
      problems.push_back("extra: " + q(name) + " (" + aval_text(dtype_of(t->elem), t->shape) +
                         ") is in the file but not in the target");
  if (!problems.empty()) {
    std::string msg = q(path) + " does not match the target tree (" +
                      std::to_string(problems.size()) +
                      (problems.size() == 1 ? " problem):" : " problems):");
    for (const std::string& p : problems) msg += "\n  " + p;
    throw_error(op, msg);
  }
  std::vector<Array> out;
  out.reserve(targets.size());
  for (size_t i = 0; i < targets.size(); ++i)
    out.push_back(to_array(*found[i], targets[i].device()));
  return out;
}

}  // namespace jx::io::detail
