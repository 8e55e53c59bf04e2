// libFuzzer target: the ZIP reader (with inflate) and the .npy members of an
// .npz. What extracts must survive write -> parse -> extract unchanged, both
// stored and deflated.
#include <cstdlib>

#include "io/npy_format.h"
#include "io/zip_format.h"

using namespace jx::io::format;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> in(data, size);
  std::vector<ZipEntry> entries;
  std::vector<std::vector<uint8_t>> contents;
  try {
    entries = parse_zip(in);
    for (const ZipEntry& e : entries) {
      contents.push_back(zip_extract(in, e));
      if (contents.back().size() != e.size) abort();
    }
  } catch (const ParseError&) {
    return 0;
  }
  for (const auto& c : contents) {  // members as .npy files, as load_npz reads them
    try {
      NpyHeader h = parse_npy_header(c);
      npy_data(c, h);
    } catch (const ParseError&) {
    }
  }
  std::vector<ZipMember> members;
  for (size_t i = 0; i < entries.size(); ++i)
    members.push_back({entries[i].name, {std::span<const uint8_t>(contents[i])}});
  for (bool deflate : {false, true}) {
    std::string out;
    write_zip(
        members, deflate,
        [&](const void* p, size_t n) { out.append(static_cast<const char*>(p), n); },
        /*force_zip64=*/size % 2 == 1);
    std::span<const uint8_t> again(reinterpret_cast<const uint8_t*>(out.data()), out.size());
    std::vector<ZipEntry> e2 = parse_zip(again);
    if (e2.size() != entries.size()) abort();
    for (size_t i = 0; i < e2.size(); ++i)
      if (e2[i].name != entries[i].name || zip_extract(again, e2[i]) != contents[i]) abort();
  }
  return 0;
}
