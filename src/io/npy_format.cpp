// .npy parser and writer (see npy_format.h). The header is a Python literal;
// a small tokenizer reads exactly the subset NumPy writes: a dict of string
// keys whose values are strings, True/False and tuples of integers.
#include "io/npy_format.h"

#include <cstring>
#include <string_view>

namespace jx::io::format {
namespace {

constexpr char kMagic[] = "\x93NUMPY";

// Reads the header dict; offsets in errors are absolute file offsets.
class HeaderParser {
 public:
  HeaderParser(std::string_view text, uint64_t base) : s_(text), base_(base) {}

  void parse(NpyHeader& h) {
    bool seen_descr = false, seen_fortran = false, seen_shape = false;
    expect('{');
    while (true) {
      skip_space();
      if (peek() == '}') break;
      size_t key_at = pos_;
      std::string key = string_literal();
      expect(':');
      if (key == "descr") {
        if (seen_descr) error(key_at, "the key 'descr' appears twice");
        seen_descr = true;
        skip_space();
        if (peek() == '[') error(pos_, "structured dtypes (a list descr) are not supported");
        size_t at = pos_;
        descr(string_literal(), at, h);
      } else if (key == "fortran_order") {
        if (seen_fortran) error(key_at, "the key 'fortran_order' appears twice");
        seen_fortran = true;
        h.fortran_order = boolean();
      } else if (key == "shape") {
        if (seen_shape) error(key_at, "the key 'shape' appears twice");
        seen_shape = true;
        shape(h.shape);
      } else {
        error(key_at, "unexpected key '" + key + "' (expected descr, fortran_order, shape)");
      }
      skip_space();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      skip_space();
      if (peek() != '}') error(pos_, "expected ',' or '}' in the header dict");
    }
    ++pos_;
    skip_space();
    if (pos_ != s_.size()) error(pos_, "unexpected text after the header dict");
    if (!seen_descr || !seen_fortran || !seen_shape)
      error(0, std::string("the header dict lacks '") +
                   (!seen_descr     ? "descr"
                    : !seen_fortran ? "fortran_order"
                                    : "shape") +
                   "'");
  }

 private:
  [[noreturn]] void error(size_t at, const std::string& what) {
    fail(base_ + at, "npy header: " + what);
  }
  char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  void skip_space() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r'))
      ++pos_;
  }
  void expect(char c) {
    skip_space();
    if (peek() != c) error(pos_, std::string("expected '") + c + "'");
    ++pos_;
  }
  std::string string_literal() {
    skip_space();
    char q = peek();
    if (q != '\'' && q != '"') error(pos_, "expected a quoted string");
    size_t start = ++pos_;
    while (pos_ < s_.size() && s_[pos_] != q) {
      if (s_[pos_] == '\\') error(pos_, "escapes in strings are not supported");
      ++pos_;
    }
    if (pos_ >= s_.size()) error(start - 1, "unterminated string");
    return std::string(s_.substr(start, pos_++ - start));
  }
  bool boolean() {
    skip_space();
    if (s_.substr(pos_, 4) == "True") return pos_ += 4, true;
    if (s_.substr(pos_, 5) == "False") return pos_ += 5, false;
    error(pos_, "expected True or False");
  }
  int64_t integer() {
    skip_space();
    size_t start = pos_;
    int64_t v = 0;
    while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') {
      if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, s_[pos_] - '0', &v))
        error(start, "dimension does not fit in int64");
      ++pos_;
    }
    if (pos_ == start) error(start, "expected a non-negative integer");
    if (peek() == 'L') ++pos_;  // Python 2 long literals, as old NumPy wrote them
    return v;
  }
  void shape(std::vector<int64_t>& out) {
    expect('(');
    while (true) {
      skip_space();
      if (peek() == ')') break;
      if (out.size() == kMaxDims)
        error(pos_, "more than " + std::to_string(kMaxDims) + " dimensions");
      out.push_back(integer());
      skip_space();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() != ')') error(pos_, "expected ',' or ')' in the shape");
    }
    ++pos_;
  }
  void descr(const std::string& d, size_t at, NpyHeader& h) {
    auto bad = [&](const std::string& why) { error(at, "descr '" + d + "': " + why); };
    if (d.size() < 2) bad("not a dtype");
    char order = d[0];
    std::string_view rest(d);
    if (order == '<' || order == '>' || order == '|' || order == '=')
      rest.remove_prefix(1);
    else
      order = '=';
    if (rest == "V2")
      bad("a 2-byte void type (ml_dtypes' bfloat16?) is not supported; save float32");
    static const std::pair<const char*, Elem> table[] = {
        {"b1", Elem::Bool}, {"?", Elem::Bool}, {"i1", Elem::I8},  {"i2", Elem::I16},
        {"i4", Elem::I32},  {"i8", Elem::I64}, {"u1", Elem::U8},  {"u2", Elem::U16},
        {"u4", Elem::U32},  {"u8", Elem::U64}, {"f2", Elem::F16}, {"f4", Elem::F32},
        {"f8", Elem::F64}};
    for (const auto& [name, elem] : table)
      if (rest == name) {
        h.elem = elem;
        h.big_endian = order == '>' && elem_size(elem) > 1;
        return;
      }
    bad("unsupported dtype (jx reads bool, int8-64, uint8-64, float16/32/64)");
  }

  std::string_view s_;
  uint64_t base_;
  size_t pos_ = 0;
};

}  // namespace

NpyHeader parse_npy_header(std::span<const uint8_t> bytes) {
  if (bytes.size() < 8 || std::memcmp(bytes.data(), kMagic, 6) != 0)
    fail(0, bytes.size() < 6 ? "truncated: too short for the .npy magic string"
                             : "not an .npy file (no \\x93NUMPY magic string)");
  NpyHeader h;
  h.major = bytes[6];
  h.minor = bytes[7];
  if (h.major < 1 || h.major > 3 || h.minor != 0)
    fail(6, "unsupported .npy version " + std::to_string(h.major) + "." + std::to_string(h.minor) +
                " (jx reads 1.0, 2.0 and 3.0)");
  int len_bytes = h.major == 1 ? 2 : 4;
  uint64_t len = read_le(bytes, 8, len_bytes, "header length");
  uint64_t start = 8 + uint64_t(len_bytes);
  if (len > bytes.size() - start)
    fail(8, "truncated: header length " + std::to_string(len) + " runs past the end of the file (" +
                std::to_string(bytes.size()) + " bytes)");
  std::string_view text(reinterpret_cast<const char*>(bytes.data()) + start, size_t(len));
  HeaderParser(text, start).parse(h);
  h.data_offset = start + len;
  if (!checked_nbytes(h.shape, elem_size(h.elem), &h.nbytes))
    fail(start, "shape " + shape_str(h.shape) + " has too many elements");
  uint64_t have = bytes.size() - h.data_offset;
  if (have < h.nbytes)
    fail(h.data_offset, std::string("truncated: ") + elem_name(h.elem) + shape_str(h.shape) +
                            " needs " + std::to_string(h.nbytes) + " bytes of data at offset " +
                            std::to_string(h.data_offset) + ", the file has " +
                            std::to_string(have));
  if (have > h.nbytes)
    fail(h.data_offset + h.nbytes,
         std::to_string(have - h.nbytes) + " unexpected bytes after the array data");
  return h;
}

std::vector<uint8_t> npy_data(std::span<const uint8_t> bytes, const NpyHeader& h) {
  const uint8_t* src = bytes.data() + h.data_offset;
  std::vector<uint8_t> out(src, src + h.nbytes);
  size_t item = elem_size(h.elem);
  if (h.big_endian)
    for (size_t i = 0; i + item <= out.size(); i += item)
      for (size_t a = i, b = i + item - 1; a < b; ++a, --b) std::swap(out[a], out[b]);
  if (h.fortran_order && h.shape.size() > 1 && !out.empty()) {
    // Walk the output in C order while tracking the Fortran-order source offset.
    size_t nd = h.shape.size();
    std::vector<uint64_t> fstride(nd), idx(nd, 0);
    uint64_t s = 1;
    for (size_t k = 0; k < nd; ++k) fstride[k] = s, s *= uint64_t(h.shape[k]);
    std::vector<uint8_t> c(out.size());
    uint64_t src_elem = 0, n = out.size() / item;
    for (uint64_t i = 0; i < n; ++i) {
      std::memcpy(&c[i * item], &out[src_elem * item], item);
      for (size_t k = nd; k-- > 0;) {
        if (++idx[k] < uint64_t(h.shape[k])) {
          src_elem += fstride[k];
          break;
        }
        src_elem -= fstride[k] * (idx[k] - 1);
        idx[k] = 0;
      }
    }
    out.swap(c);
  }
  if (h.elem == Elem::Bool)  // any nonzero byte is True; store it as 1
    for (uint8_t& b : out) b = b != 0;
  return out;
}

std::string npy_descr(Elem e) {
  switch (e) {
    case Elem::Bool:
      return "|b1";
    case Elem::I8:
      return "|i1";
    case Elem::I16:
      return "<i2";
    case Elem::I32:
      return "<i4";
    case Elem::I64:
      return "<i8";
    case Elem::U8:
      return "|u1";
    case Elem::U16:
      return "<u2";
    case Elem::U32:
      return "<u4";
    case Elem::U64:
      return "<u8";
    case Elem::F16:
      return "<f2";
    case Elem::F32:
      return "<f4";
    case Elem::F64:
      return "<f8";
    case Elem::BF16:
      break;
  }
  throw std::invalid_argument(
      "NumPy's .npy format has no bfloat16; cast to float32 or use safetensors");
}

std::string npy_header(Elem elem, std::span<const int64_t> shape) {
  uint64_t nbytes = 0;
  if (shape.size() > kMaxDims || !checked_nbytes(shape, elem_size(elem), &nbytes))
    throw std::invalid_argument("invalid shape " + shape_str(shape));
  std::string dict = "{'descr': '" + npy_descr(elem) +
                     "', 'fortran_order': False, 'shape': " + shape_str(shape) + ", }";
  // As NumPy: spaces and '\n' pad magic + version + length + dict to the next
  // multiple of 64 (a full 64 when already aligned), so files match byte for byte.
  auto padding = [&](size_t prefix) { return 64 - (prefix + dict.size() + 1) % 64; };
  size_t pad = padding(10);
  bool v2 = dict.size() + 1 + pad > 0xffff;
  if (v2) pad = padding(12);
  dict.append(pad, ' ');
  dict += '\n';
  std::string out = kMagic;
  out += char(v2 ? 2 : 1);
  out += char(0);
  put_le(out, dict.size(), v2 ? 4 : 2);
  return out + dict;
}

void write_npy(Elem elem, std::span<const int64_t> shape, const void* data, const Sink& sink) {
  std::string header = npy_header(elem, shape);
  uint64_t nbytes = 0;
  checked_nbytes(shape, elem_size(elem), &nbytes);
  sink(header.data(), header.size());
  if (nbytes) sink(data, size_t(nbytes));
}

std::string npy_bytes(Elem elem, std::span<const int64_t> shape, const void* data) {
  std::string out;
  write_npy(elem, shape, data,
            [&](const void* p, size_t n) { out.append(static_cast<const char*>(p), n); });
  return out;
}

}  // namespace jx::io::format
