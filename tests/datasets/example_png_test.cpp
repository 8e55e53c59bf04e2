// The examples' PNG writer, font, plots and progress bar (examples/common):
// PNG files are parsed back chunk by chunk, CRCs checked with a bitwise
// CRC-32 written here (independent of zlib's table-driven one), and the
// pixels inflated and compared.
#include <zlib.h>

#include <cstdint>
#include <string>
#include <vector>

#include "../../examples/common/plot.h"
#include "../../examples/common/progress.h"
#include "test_util.h"

namespace {

uint32_t bitwise_crc32(const uint8_t* p, size_t n) {
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = 0; i < n; ++i) {
    c ^= p[i];
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
  }
  return ~c;
}

uint32_t be32(const uint8_t* p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3];
}

struct Chunk {
  std::string type;
  std::vector<uint8_t> data;
};

std::vector<Chunk> parse_png(const std::vector<uint8_t>& f) {
  const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  EXPECT_GE(f.size(), 8u);
  EXPECT_TRUE(std::equal(sig, sig + 8, f.begin()));
  std::vector<Chunk> out;
  size_t pos = 8;
  while (pos + 12 <= f.size()) {
    uint32_t len = be32(&f[pos]);
    EXPECT_LE(pos + 12 + len, f.size());
    Chunk c{std::string(f.begin() + pos + 4, f.begin() + pos + 8),
            std::vector<uint8_t>(f.begin() + pos + 8, f.begin() + pos + 8 + len)};
    EXPECT_EQ(be32(&f[pos + 8 + len]), bitwise_crc32(&f[pos + 4], len + 4)) << c.type;
    out.push_back(std::move(c));
    pos += 12 + len;
  }
  EXPECT_EQ(pos, f.size());
  return out;
}

TEST(ExamplePng, RoundTripsPixelsWithValidChunks) {
  examples::Image img(7, 3);
  for (int y = 0; y < 3; ++y)
    for (int x = 0; x < 7; ++x) {
      uint8_t* p = img.at(x, y);
      p[0] = uint8_t(x * 30), p[1] = uint8_t(y * 100), p[2] = uint8_t(x * y);
    }
  auto chunks = parse_png(examples::encode_png(img));
  ASSERT_EQ(chunks.size(), 3u);
  EXPECT_EQ(chunks[0].type, "IHDR");
  EXPECT_EQ(chunks[1].type, "IDAT");
  EXPECT_EQ(chunks[2].type, "IEND");
  EXPECT_TRUE(chunks[2].data.empty());
  const auto& h = chunks[0].data;
  ASSERT_EQ(h.size(), 13u);
  EXPECT_EQ(be32(&h[0]), 7u);
  EXPECT_EQ(be32(&h[4]), 3u);
  EXPECT_EQ(std::vector<uint8_t>(h.begin() + 8, h.end()), (std::vector<uint8_t>{8, 2, 0, 0, 0}));
  std::vector<uint8_t> raw(3 * (7 * 3 + 1));
  uLongf n = raw.size();
  ASSERT_EQ(uncompress(raw.data(), &n, chunks[1].data.data(), uLong(chunks[1].data.size())), Z_OK);
  ASSERT_EQ(n, raw.size());
  for (int y = 0; y < 3; ++y) {
    EXPECT_EQ(raw[y * 22], 0) << "filter type of row " << y;
    for (int x = 0; x < 7; ++x) {
      EXPECT_EQ(raw[y * 22 + 1 + 3 * x], x * 30);
      EXPECT_EQ(raw[y * 22 + 2 + 3 * x], y * 100);
      EXPECT_EQ(raw[y * 22 + 3 + 3 * x], x * y);
    }
  }
  examples::Image bad(2, 2);
  bad.rgb.pop_back();
  EXPECT_THROW(examples::encode_png(bad), std::runtime_error);
  EXPECT_THROW(examples::encode_png(examples::Image()), std::runtime_error);
}

TEST(ExampleFont, GlyphsAreFiveBitsWideAndDrawWhereAsked) {
  for (char c = 32; c < 127; ++c)
    for (uint8_t row : examples::glyph(c)) EXPECT_LT(row, 32) << "glyph " << c;
  for (char c = 33; c < 127; ++c) {
    int ink = 0;
    for (uint8_t row : examples::glyph(c)) ink += std::popcount(row);
    EXPECT_GT(ink, 0) << "glyph " << c << " is blank";
  }
  EXPECT_EQ(examples::glyph('\x01'), examples::glyph('?'));
  // 'L' at scale 2 from (1, 1): a vertical bar in column 0 and a full bottom row.
  examples::Image img(14, 16);
  examples::draw_text(img, 1, 1, "L", examples::kBlack, 2);
  auto dark = [&](int x, int y) { return img.at(x, y)[0] == 0; };
  for (int y = 1; y < 15; ++y) EXPECT_TRUE(dark(1, y) && dark(2, y)) << y;
  for (int x = 1; x < 11; ++x) EXPECT_TRUE(dark(x, 13) && dark(x, 14)) << x;
  EXPECT_FALSE(dark(3, 1));
  EXPECT_FALSE(dark(0, 0));
  EXPECT_FALSE(dark(11, 14));
  EXPECT_EQ(examples::text_width("ab", 2), 22);
  examples::draw_text(img, -100, -100, "clipped", examples::kBlack);  // no write outside
}

TEST(ExamplePlot, NiceTicksAndGridLayout) {
  auto unit = examples::nice_ticks(0, 1);
  ASSERT_EQ(unit.size(), 6u);
  for (int i = 0; i < 6; ++i) EXPECT_NEAR(unit[i], 0.2 * i, 1e-12);
  auto t = examples::nice_ticks(0.13, 2.9);
  EXPECT_EQ(t.size(), 5u);
  EXPECT_DOUBLE_EQ(t.front(), 0.5);
  EXPECT_DOUBLE_EQ(t.back(), 2.5);
  EXPECT_EQ(examples::tick_label(0.25), "0.25");
  // Two 2x2 images, one per column: pixel values land at the scaled places.
  std::vector<uint8_t> px = {0, 50, 100, 150, 200, 250, 10, 20};
  auto img = examples::image_grid(px.data(), 2, 2, 2, 2, {"a", "b"}, {}, {}, {}, 3);
  int cell_w = 6 * 11 + 12;
  EXPECT_EQ(img.width, 2 * cell_w);
  int ox = (cell_w - 6) / 2, oy = 4;
  EXPECT_EQ(img.at(ox, oy)[0], 0);
  EXPECT_EQ(img.at(ox + 5, oy + 2)[1], 50);
  EXPECT_EQ(img.at(ox + 3, oy + 3)[2], 150);
  EXPECT_EQ(img.at(cell_w + ox + 4, oy + 4)[0], 20);
  examples::Axes ax{"title", "x", "y", {{"s", {0, 1, 2}, {1, 3, 2}, examples::kRed}}};
  auto plot = examples::line_plots({ax, ax}, 300, 200);
  EXPECT_EQ(plot.width, 600);
  int red = 0;
  for (int i = 0; i < plot.width * plot.height; ++i)
    red += plot.rgb[3 * i] == 214 && plot.rgb[3 * i + 1] == 39;
  EXPECT_GT(red, 200);  // both curves were drawn
}

TEST(ExampleProgress, TextAndClock) {
  EXPECT_EQ(examples::ProgressBar::clock_text(0), "0:00");
  EXPECT_EQ(examples::ProgressBar::clock_text(61.4), "1:01");
  EXPECT_EQ(examples::ProgressBar::clock_text(3725), "1:02:05");
  FILE* sink = std::tmpfile();
  examples::ProgressBar bar("epoch 1/3", 10, 128, sink);
  bar.update(5, 0.5);
  std::string s = bar.text(false);
  EXPECT_NE(s.find("epoch 1/3 [============>           ] 5/10  loss 0.5000"), std::string::npos)
      << s;
  EXPECT_NE(s.find("img/s  ETA "), std::string::npos) << s;
  bar.update(10, 0.25);
  EXPECT_NE(bar.text(true).find("10/10  loss 0.2500"), std::string::npos);
  std::fclose(sink);
}

}  // namespace
