// libFuzzer target: the safetensors parser. Any input must either parse or
// throw ParseError; what parses must survive write -> parse unchanged.
#include <cstdlib>
#include <cstring>

#include "io/safetensors_format.h"

using namespace jx::io::format;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> in(data, size);
  SafetensorsFile f;
  try {
    f = parse_safetensors(in);
  } catch (const ParseError&) {
    return 0;
  }
  std::vector<TensorRef> refs;
  for (const auto& t : f.tensors) refs.push_back({t.name, t.elem, t.shape, data + t.offset});
  std::string out;
  write_safetensors(refs, f.metadata,
                    [&](const void* p, size_t n) { out.append(static_cast<const char*>(p), n); });
  SafetensorsFile g = parse_safetensors({reinterpret_cast<const uint8_t*>(out.data()), out.size()});
  if (g.metadata != f.metadata || g.tensors.size() != f.tensors.size()) abort();
  for (const auto& t : g.tensors) {
    const SafetensorsTensor* s = nullptr;
    for (const auto& u : f.tensors)
      if (u.name == t.name) s = &u;
    if (!s || s->elem != t.elem || s->shape != t.shape || s->nbytes != t.nbytes) abort();
    if (t.nbytes && std::memcmp(data + s->offset, out.data() + t.offset, t.nbytes) != 0) abort();
  }
  return 0;
}
