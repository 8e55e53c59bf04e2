// safetensors parser and writer (see safetensors_format.h).
#include "io/safetensors_format.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

namespace jx::io::format {
namespace {

using json = nlohmann::json;

constexpr uint64_t kMaxHeader = 100'000'000;  // the reference implementation's limit
constexpr int kMaxDepth = 64;                 // nesting the JSON may use

const char* const kDtypeNames[kNumElems] = {"BOOL", "I8",  "I16", "I32",  "I64", "U8", "U16",
                                            "U32",  "U64", "F16", "BF16", "F32", "F64"};

// Rejects nesting deeper than kMaxDepth before nlohmann-json sees the text, so a
// header of a million '[' costs a linear scan, not deep recursion.
void check_depth(std::string_view text, uint64_t base) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > kMaxDepth)
        fail(base + i, "header JSON nests deeper than " + std::to_string(kMaxDepth) + " levels");
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
}

std::string q(const std::string& name) { return "'" + name + "'"; }

uint64_t get_uint(const json& v, uint64_t base, const std::string& what) {
  if (!v.is_number_unsigned()) fail(base, what + " is not a non-negative integer: " + v.dump());
  return v.get<uint64_t>();
}

SafetensorsTensor parse_entry(const std::string& name, const json& e, uint64_t base) {
  std::string where = "tensor " + q(name);
  if (!e.is_object()) fail(base, where + ": entry is not an object");
  for (const char* key : {"dtype", "shape", "data_offsets"})
    if (!e.contains(key)) fail(base, where + ": entry has no \"" + key + "\"");
  SafetensorsTensor t;
  t.name = name;
  const json& dt = e["dtype"];
  if (!dt.is_string()) fail(base, where + ": \"dtype\" is not a string");
  const std::string& dts = dt.get_ref<const std::string&>();
  auto it = std::find(std::begin(kDtypeNames), std::end(kDtypeNames), dts);
  if (it == std::end(kDtypeNames))
    fail(base, where + ": unsupported dtype \"" + dts +
                   "\" (jx reads BOOL, I8-I64, U8-U64, F16, BF16, F32, F64)");
  t.elem = Elem(it - std::begin(kDtypeNames));
  const json& shape = e["shape"];
  if (!shape.is_array()) fail(base, where + ": \"shape\" is not an array");
  if (shape.size() > kMaxDims)
    fail(base, where + ": shape has " + std::to_string(shape.size()) + " dimensions (at most " +
                   std::to_string(kMaxDims) + ")");
  for (const json& d : shape) {
    uint64_t v = get_uint(d, base, where + ": a dimension");
    if (v > uint64_t(INT64_MAX)) fail(base, where + ": dimension " + d.dump() + " is too large");
    t.shape.push_back(int64_t(v));
  }
  const json& off = e["data_offsets"];
  if (!off.is_array() || off.size() != 2)
    fail(base, where + ": \"data_offsets\" is not an array of two integers");
  uint64_t begin = get_uint(off[0], base, where + ": data_offsets[0]");
  uint64_t end = get_uint(off[1], base, where + ": data_offsets[1]");
  if (end < begin)
    fail(base, where + ": data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) +
                   "] end before they begin");
  uint64_t nbytes = 0;
  if (!checked_nbytes(t.shape, elem_size(t.elem), &nbytes))
    fail(base, where + ": shape " + shape_str(t.shape) + " has too many elements");
  if (end - begin != nbytes)
    fail(base, where + ": " + elem_name(t.elem) + shape_str(t.shape) + " needs " +
                   std::to_string(nbytes) + " bytes but data_offsets [" + std::to_string(begin) +
                   ", " + std::to_string(end) + "] span " + std::to_string(end - begin));
  t.offset = begin;  // made absolute once the header length is known
  t.nbytes = nbytes;
  return t;
}

}  // namespace

const char* safetensors_dtype(Elem e) { return kDtypeNames[int(e)]; }

SafetensorsFile parse_safetensors(std::span<const uint8_t> bytes) {
  if (bytes.size() < 8)
    fail(0, "truncated: the file has " + std::to_string(bytes.size()) +
                " bytes, fewer than the 8-byte header length");
  uint64_t n = read_le(bytes, 0, 8, "header length");
  if (n > kMaxHeader) fail(0, "header length " + std::to_string(n) + " exceeds the 100 MB limit");
  if (n > bytes.size() - 8)
    fail(0, "truncated: header length " + std::to_string(n) + " runs past the end of the file (" +
                std::to_string(bytes.size()) + " bytes)");
  std::string_view text(reinterpret_cast<const char*>(bytes.data()) + 8, size_t(n));
  if (text.empty() || text[0] != '{') fail(8, "header does not start with '{'");
  check_depth(text, 8);

  // Duplicate keys are an error (the JSON would silently keep one of them).
  std::vector<std::set<std::string>> open_objects;
  std::string duplicate;
  json::parser_callback_t on_event = [&](int, json::parse_event_t ev, json& v) {
    if (ev == json::parse_event_t::object_start) open_objects.emplace_back();
    if (ev == json::parse_event_t::object_end && !open_objects.empty()) open_objects.pop_back();
    if (ev == json::parse_event_t::key && !open_objects.empty() && duplicate.empty() &&
        !open_objects.back().insert(v.get<std::string>()).second)
      duplicate = v.get<std::string>();
    return true;
  };
  json header;
  try {
    header = json::parse(text.begin(), text.end(), on_event);
  } catch (const json::parse_error& e) {
    fail(8 + (e.byte ? e.byte - 1 : 0), std::string("header is not valid JSON: ") + e.what());
  } catch (const json::exception& e) {  // e.g. out_of_range: a number overflows a double
    fail(8, std::string("header is not valid JSON: ") + e.what());
  }
  if (!duplicate.empty()) fail(8, "header has the key " + q(duplicate) + " twice");
  if (!header.is_object()) fail(8, "header is not a JSON object");

  SafetensorsFile out;
  for (auto it = header.begin(); it != header.end(); ++it) {
    if (it.key() == "__metadata__") {
      if (!it->is_object()) fail(8, "\"__metadata__\" is not an object");
      for (auto m = it->begin(); m != it->end(); ++m) {
        if (!m->is_string())
          fail(8, "\"__metadata__\" value of " + q(m.key()) + " is not a string");
        out.metadata[m.key()] = m->get<std::string>();
      }
      continue;
    }
    out.tensors.push_back(parse_entry(it.key(), *it, 8));
  }

  // The tensors must tile the buffer: sorted by offset, each begins where the
  // previous ended, and the last ends at the end of the file.
  std::sort(out.tensors.begin(), out.tensors.end(), [](const auto& a, const auto& b) {
    return a.offset < b.offset || (a.offset == b.offset && a.nbytes < b.nbytes);
  });
  uint64_t data_start = 8 + n, buffer = bytes.size() - data_start, expect = 0;
  for (SafetensorsTensor& t : out.tensors) {
    if (t.offset != expect)
      fail(data_start + std::min(t.offset, expect),
           "tensor " + q(t.name) + " data begins at buffer offset " + std::to_string(t.offset) +
               " but the previous tensor ends at " + std::to_string(expect) +
               (t.offset < expect ? " (overlap)" : " (a hole)"));
    if (t.nbytes > buffer - expect)
      fail(data_start + expect, "truncated: tensor " + q(t.name) + " needs " +
                                    std::to_string(t.nbytes) + " bytes at offset " +
                                    std::to_string(data_start + expect) + ", the file has " +
                                    std::to_string(buffer - expect) + " left");
    expect += t.nbytes;
    t.offset += data_start;
  }
  if (expect != buffer)
    fail(data_start + expect, std::to_string(buffer - expect) +
                                  " bytes after the last tensor are not covered by any tensor");
  return out;
}

void write_safetensors(std::span<const TensorRef> tensors,
                       const std::map<std::string, std::string>& metadata, const Sink& sink) {
  std::vector<const TensorRef*> order;
  for (const TensorRef& t : tensors) order.push_back(&t);
  std::sort(order.begin(), order.end(), [](const TensorRef* a, const TensorRef* b) {
    size_t ea = elem_size(a->elem), eb = elem_size(b->elem);
    return ea != eb ? ea > eb : a->name < b->name;
  });
  json header = json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  uint64_t offset = 0;
  std::vector<uint64_t> sizes;
  for (const TensorRef* t : order) {
    if (t->name == "__metadata__")
      throw std::invalid_argument("the name \"__metadata__\" is reserved by safetensors");
    if (header.contains(t->name))
      throw std::invalid_argument("two tensors are named '" + t->name + "'");
    uint64_t nbytes = 0;
    if (t->shape.size() > kMaxDims || !checked_nbytes(t->shape, elem_size(t->elem), &nbytes))
      throw std::invalid_argument("tensor '" + t->name + "' has an invalid shape " +
                                  shape_str(t->shape));
    header[t->name] = {{"dtype", safetensors_dtype(t->elem)},
                       {"shape", t->shape},
                       {"data_offsets", {offset, offset + nbytes}}};
    offset += nbytes;
    sizes.push_back(nbytes);
  }
  std::string text;
  try {
    text = header.dump();
  } catch (const json::exception& e) {
    throw std::invalid_argument(std::string("a name or metadata string is not valid UTF-8 (") +
                                e.what() + ")");
  }
  text.append((8 - text.size() % 8) % 8, ' ');
  std::string prefix;
  put_le(prefix, text.size(), 8);
  sink(prefix.data(), prefix.size());
  sink(text.data(), text.size());
  for (size_t i = 0; i < order.size(); ++i)
    if (sizes[i]) sink(order[i]->data, size_t(sizes[i]));
}

}  // namespace jx::io::format
