// Kernel IR: builders, canonical text, verifier and the reference interpreter.
#include "compiler/kernel_ir.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <sstream>

#include "jx/error.h"

namespace jx::compiler::kir {

int Kernel::num_inputs() const {
  int n = 0;
  for (const Param& p : params) n += p.is_output ? 0 : 1;
  return n;
}

int64_t Kernel::rows() const {
  int64_t r = 1;
  for (int d = 0; d < int(domain.size()) - num_inner(); ++d) r *= domain[size_t(d)];
  return r;
}

int64_t Kernel::row_size() const {
  int64_t r = 1;
  for (int d = std::max(0, int(domain.size()) - num_inner()); d < int(domain.size()); ++d)
    r *= domain[size_t(d)];
  return r;
}

std::vector<bool> Kernel::inner_level() const {
  std::vector<bool> inner(nodes.size(), false);
  int first_inner = int(domain.size()) - num_inner();
  for (size_t i = 0; i < nodes.size(); ++i) {
    const Node& n = nodes[i];
    if (n.kind == NodeKind::Load) {
      for (int d = first_inner; d < int(domain.size()); ++d)
        inner[i] = inner[i] || n.strides[size_t(d)] != 0;
    } else if (n.kind != NodeKind::Reduce) {
      for (int a : n.args) inner[i] = inner[i] || inner[size_t(a)];
    }
  }
  return inner;
}

namespace {

const char* kind_name(NodeKind k) {
  switch (k) {
    case NodeKind::Load:
      return "load";
    case NodeKind::Constant:
      return "const";
    case NodeKind::Unary:
      return "unary";
    case NodeKind::Binary:
      return "binary";
    case NodeKind::Select:
      return "select";
    case NodeKind::Convert:
      return "convert";
    case NodeKind::Reduce:
      return "reduce";
  }
  return "?";
}

void print_ints(std::ostream& os, const std::vector<int64_t>& v) {
  os << "[";
  for (size_t i = 0; i < v.size(); ++i) os << (i ? "," : "") << v[i];
  os << "]";
}

[[noreturn]] void fail(const Kernel& k, const std::string& what) {
  throw_error("kernel_ir", "kernel " + k.name + ": " + what);
}

}  // namespace

std::string Kernel::str() const {
  std::ostringstream os;
  os.precision(17);
  os << "kernel(";
  for (size_t i = 0; i < params.size(); ++i)
    os << (i ? ", " : "") << (params[i].is_output ? "out " : "in ") << params[i].dtype.name() << "["
       << params[i].size << "]";
  os << ") domain " << domain.str() << " reduced " << num_reduced << "\n";
  for (size_t i = 0; i < nodes.size(); ++i) {
    const Node& n = nodes[i];
    os << "  %" << i << ":" << n.dtype.name() << " = " << kind_name(n.kind);
    switch (n.kind) {
      case NodeKind::Load:
        os << " p" << n.param << " +" << n.offset << " ";
        print_ints(os, n.strides);
        break;
      case NodeKind::Constant:
        if (n.dtype.is_floating())
          os << " " << n.fvalue;
        else
          os << " " << n.ivalue;
        break;
      case NodeKind::Unary:
        os << "." << int(n.unary_op);
        break;
      case NodeKind::Binary:
        os << "." << int(n.binary_op);
        break;
      case NodeKind::Reduce:
        os << "." << int(n.reduce_op);
        break;
      default:
        break;
    }
    for (int a : n.args) os << " %" << a;
    os << "\n";
  }
  for (const Store& s : stores) {
    os << "  store p" << s.param << " +" << s.offset << " ";
    print_ints(os, s.strides);
    os << " %" << s.node << "\n";
  }
  return os.str();
}

void Kernel::verify() const {
  if (int(domain.size()) < 1) fail(*this, "the domain must have rank >= 1");
  if (num_reduced < 0 || num_reduced > int(domain.size())) fail(*this, "bad num_reduced");
  for (int64_t d : domain)
    if (d < 1) fail(*this, "empty domain " + domain.str());
  size_t rank = size_t(int(domain.size()));
  bool seen_output = false;
  for (const Param& p : params) {
    if (!p.is_output && seen_output) fail(*this, "inputs must precede outputs");
    seen_output = seen_output || p.is_output;
  }
  auto check_access = [&](int param, int64_t offset, const std::vector<int64_t>& strides,
                          const char* what) {
    if (param < 0 || size_t(param) >= params.size()) fail(*this, std::string(what) + ": bad param");
    if (strides.size() != rank)
      fail(*this, std::string(what) + ": strides need one entry per domain dim");
    int64_t lo = offset, hi = offset;
    for (size_t d = 0; d < rank; ++d) {
      int64_t ext = strides[d] * (domain[d] - 1);
      (ext < 0 ? lo : hi) += ext;
    }
    if (lo < 0 || hi >= params[size_t(param)].size)
      fail(*this, std::string(what) + " of p" + std::to_string(param) + " out of bounds");
  };
  std::vector<bool> inner = inner_level();
  for (size_t i = 0; i < nodes.size(); ++i) {
    const Node& n = nodes[i];
    for (int a : n.args)
      if (a < 0 || size_t(a) >= i) fail(*this, "node %" + std::to_string(i) + " uses a later node");
    size_t want = n.kind == NodeKind::Binary                                   ? 2
                  : n.kind == NodeKind::Select                                 ? 3
                  : (n.kind == NodeKind::Load || n.kind == NodeKind::Constant) ? 0
                                                                               : 1;
    if (n.args.size() != want) fail(*this, "node %" + std::to_string(i) + " has the wrong arity");
    if (n.kind == NodeKind::Load) {
      check_access(n.param, n.offset, n.strides, "load");
      if (params[size_t(n.param)].is_output) fail(*this, "load from an output");
      if (params[size_t(n.param)].dtype != n.dtype)
        fail(*this, "load dtype differs from its param");
    }
    if (n.kind == NodeKind::Reduce && num_reduced == 0)
      fail(*this, "reduce in a kernel without reduced dims");
  }
  for (const Store& s : stores) {
    check_access(s.param, s.offset, s.strides, "store");
    if (!params[size_t(s.param)].is_output) fail(*this, "store to an input");
    if (s.node < 0 || size_t(s.node) >= nodes.size()) fail(*this, "store of a bad node");
    if (nodes[size_t(s.node)].dtype != params[size_t(s.param)].dtype)
      fail(*this, "store dtype differs from its param");
    bool inner_store = false;
    for (size_t d = rank - size_t(num_inner()); d < rank; ++d)
      inner_store = inner_store || s.strides[d] != 0;
    if (!inner_store && inner[size_t(s.node)])
      fail(*this, "a row-level store of an inner-level value (missing reduce?)");
  }
}

int add_load(Kernel& k, int param, DType dt, std::vector<int64_t> strides, int64_t offset) {
  Node n;
  n.kind = NodeKind::Load;
  n.dtype = dt;
  n.param = param;
  n.strides = std::move(strides);
  n.offset = offset;
  k.nodes.push_back(std::move(n));
  return int(k.nodes.size()) - 1;
}

int add_constant(Kernel& k, DType dt, double value) {
  Node n;
  n.kind = NodeKind::Constant;
  n.dtype = dt;
  n.fvalue = value;
  n.ivalue = int64_t(value);
  k.nodes.push_back(std::move(n));
  return int(k.nodes.size()) - 1;
}

int add_unary(Kernel& k, UnaryOp op, int a) {
  Node n;
  n.kind = NodeKind::Unary;
  n.unary_op = op;
  n.dtype = op == UnaryOp::kIsFinite ? bool_ : k.nodes[size_t(a)].dtype;
  n.args = {a};
  k.nodes.push_back(std::move(n));
  return int(k.nodes.size()) - 1;
}

int add_binary(Kernel& k, BinaryOp op, int a, int b) {
  Node n;
  n.kind = NodeKind::Binary;
  n.binary_op = op;
  n.dtype = cpu::is_comparison(op) ? bool_ : k.nodes[size_t(a)].dtype;
  n.args = {a, b};
  k.nodes.push_back(std::move(n));
  return int(k.nodes.size()) - 1;
}

int add_select(Kernel& k, int pred, int on_true, int on_false) {
  Node n;
  n.kind = NodeKind::Select;
  n.dtype = k.nodes[size_t(on_true)].dtype;
  n.args = {pred, on_true, on_false};
  k.nodes.push_back(std::move(n));
  return int(k.nodes.size()) - 1;
}

int add_convert(Kernel& k, DType to, int a) {
  Node n;
  n.kind = NodeKind::Convert;
  n.dtype = to;
  n.args = {a};
  k.nodes.push_back(std::move(n));
  return int(k.nodes.size()) - 1;
}

int add_reduce(Kernel& k, ReduceOp op, int a) {
  Node n;
  n.kind = NodeKind::Reduce;
  n.reduce_op = op;
  n.dtype = k.nodes[size_t(a)].dtype;
  n.args = {a};
  k.nodes.push_back(std::move(n));
  return int(k.nodes.size()) - 1;
}

bool supports_dtype(DType dt) {
  return dt == float32 || dt == float64 || dt == int32 || dt == int64 || dt == uint32 ||
         dt == uint8 || dt == int8 || dt == bool_;
}

bool supports_unary(UnaryOp op, DType dt) {
  if (!supports_dtype(dt)) return false;
  if (dt.is_floating()) {
    // The LLVM renderer reduces float64 sin/cos arguments exactly only for
    // |x| < ~1.6e6 (no float64 Payne-Hanek yet): keep them eager.
    if (dt == float64 && (op == UnaryOp::kSin || op == UnaryOp::kCos)) return false;
    switch (op) {
      case UnaryOp::kNeg:
      case UnaryOp::kSign:
      case UnaryOp::kFloor:
      case UnaryOp::kCeil:
      case UnaryOp::kRoundEven:
      case UnaryOp::kRoundAway:
      case UnaryOp::kIsFinite:
      case UnaryOp::kExp:
      case UnaryOp::kExp2:
      case UnaryOp::kLog:
      case UnaryOp::kLog1p:
      case UnaryOp::kExpm1:
      case UnaryOp::kTanh:
      case UnaryOp::kLogistic:
      case UnaryOp::kSin:
      case UnaryOp::kCos:
      case UnaryOp::kSqrt:
      case UnaryOp::kRsqrt:
      case UnaryOp::kAbs:
      case UnaryOp::kErf:
        return true;
      default:
        return false;
    }
  }
  if (dt == bool_) return op == UnaryOp::kNot;
  return op == UnaryOp::kNeg || op == UnaryOp::kAbs || op == UnaryOp::kSign || op == UnaryOp::kNot;
}

bool supports_binary(BinaryOp op, DType dt) {
  if (!supports_dtype(dt)) return false;
  if (cpu::is_comparison(op)) return true;
  if (dt == bool_) return op == BinaryOp::kAnd || op == BinaryOp::kOr || op == BinaryOp::kXor;
  switch (op) {
    case BinaryOp::kAdd:
    case BinaryOp::kSub:
    case BinaryOp::kMul:
    case BinaryOp::kMax:
    case BinaryOp::kMin:
      return true;
    case BinaryOp::kDiv:
      return dt.is_floating();
    case BinaryOp::kAnd:
    case BinaryOp::kOr:
    case BinaryOp::kXor:
      return !dt.is_floating();
    default:
      return false;
  }
}

bool supports_reduce(ReduceOp op, DType dt) {
  if (!supports_dtype(dt)) return false;
  if (dt == bool_) return op == ReduceOp::kAnd || op == ReduceOp::kOr;
  return op == ReduceOp::kSum || op == ReduceOp::kMax || op == ReduceOp::kMin;
}

// ------------------------------------------------------------ interpreter

namespace {

// One scalar per node, in an 8-byte slot, computed with the eager kernels on
// single elements so the semantics are the eager ones by construction.
struct Slot {
  alignas(8) unsigned char b[8];
};

void constant_bits(const Node& n, Slot& s) {
  std::memset(s.b, 0, 8);
  if (n.dtype == float32) {
    float v = float(n.fvalue);
    std::memcpy(s.b, &v, 4);
  } else if (n.dtype == float64) {
    std::memcpy(s.b, &n.fvalue, 8);
  } else {
    int64_t v = n.ivalue;
    std::memcpy(s.b, &v, size_t(n.dtype.itemsize()));  // little endian
  }
}

void reduce_init(const Node& n, Slot& s) {
  Node c;
  c.dtype = n.dtype;
  switch (n.reduce_op) {
    case ReduceOp::kSum:
    case ReduceOp::kOr:
      c.fvalue = 0;
      c.ivalue = 0;
      break;
    case ReduceOp::kProd:
    case ReduceOp::kAnd:
      c.fvalue = 1;
      c.ivalue = 1;
      break;
    case ReduceOp::kMax:
      c.fvalue = -INFINITY;
      c.ivalue = n.dtype == int32   ? INT32_MIN
                 : n.dtype == int64 ? INT64_MIN
                 : n.dtype == int8  ? INT8_MIN
                                    : 0;
      break;
    case ReduceOp::kMin:
      c.fvalue = INFINITY;
      c.ivalue = n.dtype == int32    ? INT32_MAX
                 : n.dtype == int64  ? INT64_MAX
                 : n.dtype == int8   ? INT8_MAX
                 : n.dtype == uint8  ? 255
                 : n.dtype == uint32 ? int64_t(UINT32_MAX)
                                     : 1;
      break;
  }
  constant_bits(c, s);
}

BinaryOp combine_op(ReduceOp op) {
  switch (op) {
    case ReduceOp::kSum:
      return BinaryOp::kAdd;
    case ReduceOp::kProd:
      return BinaryOp::kMul;
    case ReduceOp::kMax:
      return BinaryOp::kMax;
    case ReduceOp::kMin:
      return BinaryOp::kMin;
    case ReduceOp::kAnd:
      return BinaryOp::kAnd;
    case ReduceOp::kOr:
      return BinaryOp::kOr;
  }
  return BinaryOp::kAdd;
}

class Interp {
 public:
  Interp(const Kernel& k, char* const* bufs) : k_(k), bufs_(bufs), vals_(k.nodes.size()) {
    inner_ = k.inner_level();
    rank_ = int(k.domain.size());
    first_inner_ = rank_ - k.num_inner();
    idx_.assign(size_t(rank_), 0);
  }

  void run_row(int64_t r) {
    // Row index -> row dims (row-major).
    for (int d = first_inner_ - 1; d >= 0; --d) {
      idx_[size_t(d)] = r % k_.domain[size_t(d)];
      r /= k_.domain[size_t(d)];
    }
    for (int d = first_inner_; d < rank_; ++d) idx_[size_t(d)] = 0;
    // Row-level nodes, interleaved with reductions in node order.
    for (size_t i = 0; i < k_.nodes.size(); ++i) {
      if (inner_[i]) continue;
      if (k_.nodes[i].kind == NodeKind::Reduce) {
        reduce_init(k_.nodes[i], vals_[i]);
        for_each_inner([&] {
          eval_inner_upto(i);
          Slot acc = vals_[i];
          cpu::binary(combine_op(k_.nodes[i].reduce_op), k_.nodes[i].dtype, acc.b,
                      vals_[size_t(k_.nodes[i].args[0])].b, vals_[i].b, 1);
        });
      } else {
        eval(i);
      }
    }
    for (const Store& s : k_.stores) {
      if (!is_inner_store(s)) write(s);
    }
    bool any_inner = false;
    for (const Store& s : k_.stores) any_inner = any_inner || is_inner_store(s);
    if (!any_inner) return;
    for_each_inner([&] {
      eval_inner_upto(k_.nodes.size());
      for (const Store& s : k_.stores)
        if (is_inner_store(s)) write(s);
    });
  }

 private:
  bool is_inner_store(const Store& s) const {
    for (int d = first_inner_; d < rank_; ++d)
      if (s.strides[size_t(d)] != 0) return true;
    return false;
  }
  template <class F>
  void for_each_inner(F&& f) {
    int64_t n = k_.row_size();
    for (int64_t p = 0; p < n; ++p) {
      int64_t q = p;
      for (int d = rank_ - 1; d >= first_inner_; --d) {
        idx_[size_t(d)] = q % k_.domain[size_t(d)];
        q /= k_.domain[size_t(d)];
      }
      f();
    }
    for (int d = first_inner_; d < rank_; ++d) idx_[size_t(d)] = 0;
  }
  void eval_inner_upto(size_t end) {
    for (size_t i = 0; i < end; ++i)
      if (inner_[i]) eval(i);
  }
  int64_t address(int64_t offset, const std::vector<int64_t>& strides) const {
    int64_t a = offset;
    for (int d = 0; d < rank_; ++d) a += idx_[size_t(d)] * strides[size_t(d)];
    return a;
  }
  void write(const Store& s) {
    const Param& p = k_.params[size_t(s.param)];
    int64_t es = p.dtype.itemsize();
    std::memcpy(bufs_[s.param] + address(s.offset, s.strides) * es, vals_[size_t(s.node)].b,
                size_t(es));
  }
  void eval(size_t i) {
    const Node& n = k_.nodes[i];
    Slot& out = vals_[i];
    auto arg = [&](int j) { return vals_[size_t(n.args[size_t(j)])].b; };
    auto arg_dt = [&](int j) { return k_.nodes[size_t(n.args[size_t(j)])].dtype; };
    switch (n.kind) {
      case NodeKind::Load: {
        int64_t es = n.dtype.itemsize();
        std::memcpy(out.b, bufs_[n.param] + address(n.offset, n.strides) * es, size_t(es));
        break;
      }
      case NodeKind::Constant:
        constant_bits(n, out);
        break;
      case NodeKind::Unary:
        cpu::unary(n.unary_op, arg_dt(0), arg(0), out.b, 1);
        break;
      case NodeKind::Binary:
        cpu::binary(n.binary_op, arg_dt(0), arg(0), arg(1), out.b, 1);
        break;
      case NodeKind::Select: {
        const void* cases[2] = {arg(2), arg(1)};  // select_n order: false, true
        cpu::select_n(bool_, arg(0), cases, int(n.dtype.itemsize()), out.b, 1);
        break;
      }
      case NodeKind::Convert:
        cpu::convert(arg_dt(0), arg(0), n.dtype, out.b, 1);
        break;
      case NodeKind::Reduce:
        break;  // computed in run_row
    }
  }

  const Kernel& k_;
  char* const* bufs_;
  std::vector<Slot> vals_;
  std::vector<bool> inner_;
  std::vector<int64_t> idx_;
  int rank_ = 0, first_inner_ = 0;
};

}  // namespace

void interpret(const Kernel& k, char* const* buffers, int64_t row_begin, int64_t row_end) {
  Interp in(k, buffers);
  for (int64_t r = row_begin; r < row_end; ++r) in.run_row(r);
}

}  // namespace jx::compiler::kir
