#include <sstream>

#include "jx/primitive.h"

namespace jx {

void Params::set(std::string name, ParamValue value) {
  for (auto& [k, v] : items_)
    if (k == name) {
      v = std::move(value);
      return;
    }
  items_.emplace_back(std::move(name), std::move(value));
}

bool Params::has(std::string_view name) const {
  for (auto& [k, v] : items_)
    if (k == name) return true;
  return false;
}

const ParamValue& Params::at(std::string_view name) const {
  for (auto& [k, v] : items_)
    if (k == name) return v;
  throw_error("params", "missing parameter '" + std::string(name) + "' (have: " + str() + ")");
}

void Params::bad_type(std::string_view name) const {
  throw_error("params", "parameter '" + std::string(name) + "' has another type: " + str());
}

namespace {
inline size_t mix(size_t h, size_t v) { return h ^ (v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2)); }
}  // namespace

size_t Params::hash() const {
  size_t h = items_.size();
  for (auto& [k, v] : items_) {
    h = mix(h, std::hash<std::string>()(k));
    h = mix(h, v.index());
    std::visit(
        [&](const auto& x) {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, std::vector<int64_t>>) {
            for (int64_t e : x) h = mix(h, std::hash<int64_t>()(e));
          } else if constexpr (std::is_same_v<T, DType>) {
            h = mix(h, size_t(x.index()));
          } else if constexpr (std::is_same_v<T, OpaqueParam>) {
            h = mix(h, std::hash<const void*>()(x.object.get()));
          } else {
            h = mix(h, std::hash<T>()(x));
          }
        },
        v);
  }
  return h;
}

std::string param_value_str(const ParamValue& v) {
  return std::visit(
      [](const auto& x) -> std::string {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, bool>) {
          return x ? "True" : "False";
        } else if constexpr (std::is_same_v<T, int64_t>) {
          return std::to_string(x);
        } else if constexpr (std::is_same_v<T, double>) {
          std::ostringstream os;
          os.precision(17);
          os << x;
          std::string s = os.str();
          if (s.find_first_of(".eni") == std::string::npos) s += ".0";
          return s;
        } else if constexpr (std::is_same_v<T, std::string>) {
          return x;
        } else if constexpr (std::is_same_v<T, DType>) {
          return std::string(x.name());
        } else if constexpr (std::is_same_v<T, OpaqueParam>) {
          return x.name;
        } else {
          std::string s = "(";
          for (size_t i = 0; i < x.size(); ++i) s += (i ? ", " : "") + std::to_string(x[i]);
          if (x.size() == 1) s += ",";
          return s + ")";
        }
      },
      v);
}

std::string Params::str() const {
  std::string s;
  for (auto& [k, v] : items_) {
    if (!s.empty()) s += " ";
    s += k + "=" + param_value_str(v);
  }
  return s;
}

}  // namespace jx
