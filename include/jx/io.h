// jx::io: checkpoints (safetensors) and NumPy data files (.npy, .npz).
//
// save(path, tree) writes any pytree; each leaf is a tensor named by its key
// path (jx::tree::keystr: `layers[0].weight`, `opt_state.mu['w']`; a
// std::map<std::string, Array> is named by its keys). restore(path, target)
// reads it back into the structure of `target`, after checking that the file
// holds exactly the target's names with the target's shapes and dtypes; it
// reports every mismatch (missing names, extra names, wrong shape, wrong
// dtype) in one jx::Error. The format follows the extension: `.npz` is a NumPy
// zip archive, anything else safetensors.
//
// All 13 jx dtypes map to safetensors (BOOL, I8..I64, U8..U64, F16, BF16,
// F32, F64). NumPy files hold every dtype but bfloat16, which NumPy lacks.
// .npy files are read in versions 1.0, 2.0 and 3.0, either byte order, C or
// Fortran order; .npz archives stored or deflated (np.savez_compressed),
// ZIP64 included. Writes are little-endian, C order, as NumPy writes them.
//
// Writes are atomic: the data goes to a temporary file beside the target
// (`.<name>.tmp.<pid>.<n>`), which is fsynced, renamed over the target, and
// the directory fsynced. A failure at any point removes the temporary file and
// leaves the previous file untouched; a crash can at worst leave a stray
// temporary file, never a partial checkpoint under the target's name.
//
// Reading never trusts the file: every length, offset, shape product and
// dtype is checked, and a truncated or corrupt file is a jx::Error naming the
// operation, the path, what is wrong and the byte offset, e.g.
//   [io.load_safetensors] 'ckpt.safetensors': truncated: tensor 'w' needs
//   48 bytes at offset 96, the file has 20 left (byte offset 96) (at main.cpp:9)
// See docs/checkpoints.md.
#pragma once

#include <map>
#include <source_location>
#include <string>
#include <vector>

#include "jx/array.h"
#include "jx/tree.h"

namespace jx::io {

/// Free-form string pairs stored in a safetensors header ("__metadata__").
using Metadata = std::map<std::string, std::string>;
/// Named arrays, as safetensors files and .npz archives hold them.
using ArrayMap = std::map<std::string, Array>;

// ------------------------------------------------------------ safetensors

/// Writes `arrays` to a safetensors file (atomically), with `metadata`.
/// Errors: a tracer or donated array, a name "__metadata__" or invalid UTF-8,
/// an I/O failure.
void save_safetensors(const std::string& path, const ArrayMap& arrays,
                      const Metadata& metadata = {},
                      std::source_location loc = std::source_location::current());

/// Reads every tensor of a safetensors file, on the default device.
ArrayMap load_safetensors(const std::string& path,
                          std::source_location loc = std::source_location::current());

/// Reads only the "__metadata__" of a safetensors file (the header is
/// validated in full; the data is not read into arrays).
Metadata load_safetensors_metadata(const std::string& path,
                                   std::source_location loc = std::source_location::current());

// ------------------------------------------------------------ NumPy

/// Reads an .npy file (np.save).
Array load_npy(const std::string& path, std::source_location loc = std::source_location::current());

/// Writes an .npy file (version 1.0, little-endian, C order). Errors for
/// bfloat16, which NumPy cannot represent.
void save_npy(const std::string& path, const Array& x,
              std::source_location loc = std::source_location::current());

/// Reads an .npz archive (np.savez / np.savez_compressed): member "a.npy" is
/// the entry "a". Errors for a member that is not an .npy file.
ArrayMap load_npz(const std::string& path,
                  std::source_location loc = std::source_location::current());

/// Writes an .npz archive of uncompressed members (np.savez).
void save_npz(const std::string& path, const ArrayMap& arrays,
              std::source_location loc = std::source_location::current());

/// Writes an .npz archive of deflated members (np.savez_compressed).
void savez_compressed(const std::string& path, const ArrayMap& arrays,
                      std::source_location loc = std::source_location::current());

// ------------------------------------------------------------ pytrees

namespace detail {
enum class Format { Safetensors, Npz, ByExtension };
void save_named(const char* op, Format format, const std::string& path,
                const std::vector<std::string>& names, const std::vector<Array>& arrays,
                const Metadata& metadata, const std::string& treedef);
std::vector<Array> restore_named(const char* op, const std::string& path,
                                 const std::vector<std::string>& names,
                                 const std::vector<Array>& targets);
inline std::vector<std::string> names_of(const tree::TreeDef& def) {
  std::vector<std::string> names;
  for (const tree::KeyPath& p : tree::key_paths(def)) names.push_back(tree::keystr(p));
  return names;
}
}  // namespace detail

/// Saves the pytree `tree`: safetensors, or an .npz archive when `path` ends
/// in ".npz" (which cannot hold metadata). Leaves are named by their key
/// paths; the safetensors metadata gets "jx.treedef", the tree's structure
/// text, for information. Errors: two leaves with one name, the save errors.
template <class T>
void save(const std::string& path, const T& tree, const Metadata& metadata = {},
          std::source_location loc = std::source_location::current()) {
  CallSite site(loc);
  auto [leaves, def] = tree::flatten(tree);
  detail::save_named("io.save", detail::Format::ByExtension, path, detail::names_of(def), leaves,
                     metadata, def.str());
}

/// Saves the pytree `tree` to a safetensors file whatever the extension.
template <class T>
void save_safetensors(const std::string& path, const T& tree, const Metadata& metadata = {},
                      std::source_location loc = std::source_location::current()) {
  CallSite site(loc);
  auto [leaves, def] = tree::flatten(tree);
  detail::save_named("io.save_safetensors", detail::Format::Safetensors, path,
                     detail::names_of(def), leaves, metadata, def.str());
}

/// Reads the file `save` wrote into a tree shaped like `target` (its
/// structure and static values; its leaves give the expected names, shapes
/// and dtypes and may be tracers). Arrays land on the target leaves' devices.
/// Errors: one jx::Error listing every missing name, extra name, shape
/// mismatch and dtype mismatch; a corrupt or unreadable file.
template <class T>
T restore(const std::string& path, const T& target,
          std::source_location loc = std::source_location::current()) {
  CallSite site(loc);
  auto [leaves, def] = tree::flatten(target);
  std::vector<Array> got = detail::restore_named("io.restore", path, detail::names_of(def), leaves);
  return tree::unflatten_like(target, got);
}

}  // namespace jx::io
