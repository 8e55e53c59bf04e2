// jx::io's array layer: safetensors, .npy and .npz files to and from jx
// arrays, on top of the pure format code (*_format.cpp) and atomic_file.cpp.
#include "jx/io.h"

#include <cstring>
#include <new>

#include "io/atomic_file.h"
#include "io/io_common.h"
#include "io/npy_format.h"
#include "io/safetensors_format.h"
#include "io/zip_format.h"

namespace jx::io {
namespace detail {
namespace {

static_assert(int(format::Elem::Bool) == int(DTypeId::kBool) &&
                  int(format::Elem::U64) == int(DTypeId::kUInt64) &&
                  int(format::Elem::BF16) == int(DTypeId::kBFloat16) &&
                  int(format::Elem::F64) == int(DTypeId::kFloat64) &&
                  format::kNumElems == kNumDTypes,
              "format::Elem follows DTypeId");

std::string q(const std::string& s) { return "'" + s + "'"; }

std::vector<int64_t> dims(const Array& x) { return {x.shape().begin(), x.shape().end()}; }

format::TensorRef tensor_ref(std::string_view op, const std::string& name, const Array& x) {
  return {name, elem_of(x.dtype()), dims(x), x.data(op)};
}

}  // namespace

format::Elem elem_of(DType dt) { return format::Elem(int(dt.id)); }
DType dtype_of(format::Elem e) { return kAllDTypes[int(e)]; }

std::string aval_text(DType dt, std::span<const int64_t> shape) {
  std::string s(dt.name());
  s += "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? "," : "") + std::to_string(shape[i]);
  return s + "]";
}

bool ends_with(const std::string& path, std::string_view suffix) {
  return path.size() >= suffix.size() &&
         path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0;
}

void rethrow_for(std::string_view op, const std::string& path) {
  try {
    throw;
  } catch (const Error&) {
    throw;
  } catch (const format::ParseError& e) {
    throw_error(op,
                q(path) + ": " + e.what() + " (byte offset " + std::to_string(e.offset()) + ")");
  } catch (const std::bad_alloc&) {
    throw_error(op, q(path) + ": out of memory");
  } catch (const std::exception& e) {
    throw_error(op, q(path) + ": " + e.what());
  }
}

FileTensors read_tensors(std::string_view op, const std::string& path, bool npz) {
  FileTensors out;
  out.bytes = read_file(op, path);
  std::span<const uint8_t> bytes = out.bytes;
  try {
    if (!npz) {
      format::SafetensorsFile f = format::parse_safetensors(bytes);
      out.metadata = std::move(f.metadata);
      for (format::SafetensorsTensor& t : f.tensors) {
        FileTensor ft{std::move(t.name), t.elem, std::move(t.shape), {}, bytes.data() + t.offset};
        if (t.elem == format::Elem::Bool) {  // any nonzero byte is True; jx stores 1
          ft.owned.assign(ft.data, ft.data + t.nbytes);
          for (uint8_t& b : ft.owned) b = b != 0;
          ft.data = ft.owned.data();
        }
        out.tensors.push_back(std::move(ft));
      }
      return out;
    }
    for (const format::ZipEntry& e : format::parse_zip(bytes)) {
      if (!ends_with(e.name, ".npy"))
        format::fail(e.data_offset, "member " + q(e.name) + " is not an .npy array");
      std::vector<uint8_t> member = format::zip_extract(bytes, e);
      format::NpyHeader h;
      try {
        h = format::parse_npy_header(member);
      } catch (const format::ParseError& pe) {
        throw_error(op, q(path) + ": member " + q(e.name) + ": " + pe.what() + " (byte offset " +
                            std::to_string(pe.offset()) + " of the member, whose data starts at " +
                            std::to_string(e.data_offset) + " in the file)");
      }
      FileTensor ft{e.name.substr(0, e.name.size() - 4), h.elem, h.shape, {}, nullptr};
      ft.owned = format::npy_data(member, h);
      ft.data = ft.owned.data();
      out.tensors.push_back(std::move(ft));
    }
  } catch (...) {
    rethrow_for(op, path);
  }
  return out;
}

Array to_array(const FileTensor& t, Device device) {
  return make_from_host(t.data, Aval{dtype_of(t.elem), Shape(t.shape), false}, device);
}

void write_safetensors_file(std::string_view op, const std::string& path,
                            const std::vector<std::string>& names, const std::vector<Array>& arrays,
                            const Metadata& metadata) {
  std::vector<format::TensorRef> refs;
  for (size_t i = 0; i < arrays.size(); ++i) refs.push_back(tensor_ref(op, names[i], arrays[i]));
  try {
    // A dry run validates names and UTF-8 before the file system is touched.
    format::write_safetensors(refs, metadata, [](const void*, size_t) {});
    write_atomic(op, path, [&](const format::Sink& sink) {
      format::write_safetensors(refs, metadata, sink);
    });
  } catch (...) {
    rethrow_for(op, path);
  }
}

void write_npz_file(std::string_view op, const std::string& path,
                    const std::vector<std::string>& names, const std::vector<Array>& arrays,
                    bool compress) {
  std::vector<std::string> headers;
  std::vector<format::ZipMember> members;
  try {
    for (size_t i = 0; i < arrays.size(); ++i)
      headers.push_back(format::npy_header(elem_of(arrays[i].dtype()), dims(arrays[i])));
  } catch (const std::invalid_argument& e) {
    throw_error(op, q(path) + ": array " + q(names[headers.size()]) + ": " + e.what());
  }
  for (size_t i = 0; i < arrays.size(); ++i) {
    const auto* data = static_cast<const uint8_t*>(arrays[i].data(op));
    members.push_back({names[i] + ".npy",
                       {std::span<const uint8_t>(
                            reinterpret_cast<const uint8_t*>(headers[i].data()), headers[i].size()),
                        std::span<const uint8_t>(data, size_t(arrays[i].nbytes()))}});
  }
  try {
    write_atomic(op, path,
                 [&](const format::Sink& sink) { format::write_zip(members, compress, sink); });
  } catch (...) {
    rethrow_for(op, path);
  }
}

}  // namespace detail

void save_safetensors(const std::string& path, const ArrayMap& arrays, const Metadata& metadata,
                      std::source_location loc) {
  CallSite site(loc);
  std::vector<std::string> names;
  std::vector<Array> xs;
  for (const auto& [k, v] : arrays) names.push_back(k), xs.push_back(v);
  detail::write_safetensors_file("io.save_safetensors", path, names, xs, metadata);
}

ArrayMap load_safetensors(const std::string& path, std::source_location loc) {
  CallSite site(loc);
  detail::FileTensors f = detail::read_tensors("io.load_safetensors", path, false);
  ArrayMap out;
  for (const auto& t : f.tensors) out.emplace(t.name, detail::to_array(t, default_device()));
  return out;
}

Metadata load_safetensors_metadata(const std::string& path, std::source_location loc) {
  CallSite site(loc);
  return detail::read_tensors("io.load_safetensors_metadata", path, false).metadata;
}

Array load_npy(const std::string& path, std::source_location loc) {
  CallSite site(loc);
  const char* op = "io.load_npy";
  std::vector<uint8_t> bytes = detail::read_file(op, path);
  try {
    format::NpyHeader h = format::parse_npy_header(bytes);
    std::vector<uint8_t> data = format::npy_data(bytes, h);
    return make_from_host(data.data(), Aval{detail::dtype_of(h.elem), Shape(h.shape), false},
                          default_device());
  } catch (...) {
    detail::rethrow_for(op, path);
  }
}

void save_npy(const std::string& path, const Array& x, std::source_location loc) {
  CallSite site(loc);
  const char* op = "io.save_npy";
  const void* data = x.data(op);
  std::vector<int64_t> shape(x.shape().begin(), x.shape().end());
  format::Elem elem = detail::elem_of(x.dtype());
  try {
    format::npy_header(elem, shape);  // rejects bfloat16 before any file is created
    detail::write_atomic(
        op, path, [&](const format::Sink& sink) { format::write_npy(elem, shape, data, sink); });
  } catch (...) {
    detail::rethrow_for(op, path);
  }
}

ArrayMap load_npz(const std::string& path, std::source_location loc) {
  CallSite site(loc);
  detail::FileTensors f = detail::read_tensors("io.load_npz", path, true);
  ArrayMap out;
  for (const auto& t : f.tensors) out.emplace(t.name, detail::to_array(t, default_device()));
  return out;
}

namespace {
void save_npz_impl(const char* op, const std::string& path, const ArrayMap& arrays, bool compress) {
  std::vector<std::string> names;
  std::vector<Array> xs;
  for (const auto& [k, v] : arrays) names.push_back(k), xs.push_back(v);
  detail::write_npz_file(op, path, names, xs, compress);
}
}  // namespace

void save_npz(const std::string& path, const ArrayMap& arrays, std::source_location loc) {
  CallSite site(loc);
  save_npz_impl("io.save_npz", path, arrays, false);
}

void savez_compressed(const std::string& path, const ArrayMap& arrays, std::source_location loc) {
  CallSite site(loc);
  save_npz_impl("io.savez_compressed", path, arrays, true);
}

}  // namespace jx::io
