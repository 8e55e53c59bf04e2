// 16-bit floating-point storage types: IEEE binary16 (float16) and bfloat16.
//
// They are storage formats: arithmetic converts to float, computes, and rounds
// back (round to nearest even), which is what XLA:CPU does for these types.
#pragma once

#include <bit>
#include <cstdint>

namespace jx {

/// bfloat16: the top 16 bits of an IEEE float32.
struct bfloat16_t {
  uint16_t bits;  // no initializer: keeps the type trivial (memcpy-able, like float)
  bfloat16_t() = default;
  explicit bfloat16_t(float f) : bits(from_float(f)) {}
  operator float() const { return std::bit_cast<float>(uint32_t(bits) << 16); }
  static bfloat16_t from_bits(uint16_t b) {
    bfloat16_t h;
    h.bits = b;
    return h;
  }
  static uint16_t from_float(float f) {
    uint32_t u = std::bit_cast<uint32_t>(f);
    if ((u & 0x7fffffffu) > 0x7f800000u) return uint16_t((u >> 16) | 0x40);  // quiet NaN
    u += 0x7fffu + ((u >> 16) & 1u);  // round to nearest even
    return uint16_t(u >> 16);
  }
};

/// float16: IEEE 754 binary16.
struct float16_t {
  uint16_t bits;  // no initializer: keeps the type trivial (memcpy-able, like float)
  float16_t() = default;
  explicit float16_t(float f) : bits(from_float(f)) {}
  operator float() const { return to_float(bits); }
  static float16_t from_bits(uint16_t b) {
    float16_t h;
    h.bits = b;
    return h;
  }
  static float to_float(uint16_t h) {
    uint32_t sign = uint32_t(h & 0x8000u) << 16;
    uint32_t exp = (h >> 10) & 0x1f;
    uint32_t man = h & 0x3ffu;
    uint32_t u;
    if (exp == 0) {
      if (man == 0) {
        u = sign;
      } else {  // subnormal: value = man * 2^-24
        float f = float(man) * 5.9604644775390625e-08f;
        return sign ? -f : f;
      }
    } else if (exp == 31) {
      u = sign | 0x7f800000u | (man << 13);
    } else {
      u = sign | ((exp + 112) << 23) | (man << 13);
    }
    return std::bit_cast<float>(u);
  }
  static uint16_t from_float(float f) {
    uint32_t u = std::bit_cast<uint32_t>(f);
    uint16_t sign = uint16_t((u >> 16) & 0x8000u);
    uint32_t a = u & 0x7fffffffu;
    if (a > 0x7f800000u) return uint16_t(sign | 0x7e00u);   // NaN
    if (a >= 0x477ff000u) return uint16_t(sign | 0x7c00u);  // overflow -> inf (incl. rounding)
    if (a < 0x38800000u) {                                  // result is subnormal or zero in half
      // value * 2^24 rounded to nearest even integer gives the mantissa.
      float v = std::bit_cast<float>(a) * 16777216.0f;
      // rint with ties to even (default rounding mode).
      float r = v + 8388608.0f - 8388608.0f;
      return uint16_t(sign | uint16_t(r));
    }
    uint32_t man = a & 0x7fffffu;
    uint32_t exp = (a >> 23) - 112;
    uint32_t h = (exp << 10) | (man >> 13);
    uint32_t rem = man & 0x1fffu;
    if (rem > 0x1000u || (rem == 0x1000u && (h & 1u))) ++h;
    return uint16_t(sign | h);
  }
};

}  // namespace jx
