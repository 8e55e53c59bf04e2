// Kernel IR -> LLVM IR. The emitted code is plain canonical loops that
// LLVM's loop vectorizer understands: per row, the row-level values once,
// then one loop nest per Reduce (the accumulating op marked `reassoc`, and
// nothing else, so only the reduction is reordered), then the store nest.
// Innermost loops run over the last (merged) inner dim with addresses
// base + i * stride. Adjacent dims that every access walks contiguously are
// merged first, so e.g. a [B, H, W] layernorm over (H, W) is one loop and an
// elementwise kernel over [N, 4] is one flat loop.
#include "backend/cpu/llvm/render.h"

#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Intrinsics.h>
#include <llvm/IR/MDBuilder.h>

#include <cmath>
#include <functional>
#include <limits>

#include "backend/cpu/llvm/vmath.h"
#include "jx/error.h"

namespace jx::cpu::llvm_backend {
namespace kir = compiler::kir;
using kir::NodeKind;
using llvm::Value;

namespace {

bool is_unsigned(DType dt) { return dt == uint8 || dt == uint32 || dt == bool_; }

llvm::Type* reg_type(llvm::LLVMContext& c, DType dt) {
  if (dt == float32) return llvm::Type::getFloatTy(c);
  if (dt == float64) return llvm::Type::getDoubleTy(c);
  if (dt == bool_) return llvm::Type::getInt1Ty(c);
  return llvm::Type::getIntNTy(c, unsigned(dt.itemsize() * 8));
}
llvm::Type* mem_type(llvm::LLVMContext& c, DType dt) {
  return dt == bool_ ? llvm::Type::getInt8Ty(c) : reg_type(c, dt);
}

// One memory access (load or store) over the normalized dims.
struct Access {
  int param = -1;
  int64_t offset = 0;
  std::vector<int64_t> strides;  // one per normalized dim
};

// Merges adjacent dims that every access walks as one (stride[d] ==
// stride[d+1] * ext[d+1], or an extent-1 dim). With reduced dims, row and
// inner dims never merge with each other.
void normalize(std::vector<int64_t>& ext, int& num_inner, bool any_class,
               std::vector<Access>& acc) {
  int rank = int(ext.size());
  for (int d = rank - 2; d >= 0; --d) {
    int first_inner = int(ext.size()) - num_inner;
    bool d_inner = d >= first_inner, next_inner = d + 1 >= first_inner;
    if (!any_class && d_inner != next_inner) continue;
    bool ok = true;
    for (const Access& a : acc)
      ok = ok && (ext[size_t(d)] == 1 || ext[size_t(d) + 1] == 1 ||
                  a.strides[size_t(d)] == a.strides[size_t(d) + 1] * ext[size_t(d) + 1]);
    if (!ok) continue;
    for (Access& a : acc)
      if (ext[size_t(d) + 1] == 1) a.strides[size_t(d) + 1] = a.strides[size_t(d)];
    ext[size_t(d) + 1] *= ext[size_t(d)];
    ext.erase(ext.begin() + d);
    for (Access& a : acc) a.strides.erase(a.strides.begin() + d);
    if (!any_class && d_inner) --num_inner;
  }
  if (any_class) num_inner = 1;
}

class Renderer {
 public:
  Renderer(const kir::Kernel& k, llvm::Module& m)
      : k_(k), m_(m), c_(m.getContext()), b_(c_), i64_(b_.getInt64Ty()) {
    inner_ = k.inner_level();
    ext_ = std::vector<int64_t>(k.domain.begin(), k.domain.end());
    num_inner_ = k.num_inner();
    load_acc_.assign(k.nodes.size(), -1);
    for (size_t i = 0; i < k.nodes.size(); ++i) {
      const kir::Node& n = k.nodes[i];
      if (n.kind != NodeKind::Load) continue;
      load_acc_[i] = int(acc_.size());
      acc_.push_back({n.param, n.offset, n.strides});
    }
    for (const kir::Store& s : k.stores) {
      store_acc_.push_back(int(acc_.size()));
      acc_.push_back({s.param, s.offset, s.strides});
    }
    // Which stores are inner stores is decided on the original dims.
    int first_inner = int(k.domain.size()) - k.num_inner();
    for (const kir::Store& s : k.stores) {
      bool inner = false;
      for (size_t d = size_t(first_inner); d < k.domain.size(); ++d)
        inner = inner || s.strides[d] != 0;
      inner_store_.push_back(inner);
    }
    normalize(ext_, num_inner_, k.num_reduced == 0, acc_);
    // Alias scopes: one per param. Accesses to different params never
    // alias, which is the caller's contract (kernel_ir.h): an output may
    // share an input's memory only when every load of that input reads the
    // element the output stores at the same point, which vectorized code
    // also gets right (loads of a vector precede its store). Without these,
    // LLVM's run-time overlap check sends in-place kernels to scalar loops.
    llvm::MDBuilder md(c_);
    llvm::MDNode* domain = md.createAnonymousAliasScopeDomain("jx.params");
    for (size_t p = 0; p < k.params.size(); ++p)
      scopes_.push_back(md.createAnonymousAliasScope(domain, "p" + std::to_string(p)));
  }

  // Tags a load or store of param p: in p's scope, disjoint from the others.
  void tag_access(llvm::Instruction* inst, int p) {
    if (scopes_.size() < 2) return;
    std::vector<llvm::Metadata*> others;
    for (size_t q = 0; q < scopes_.size(); ++q)
      if (int(q) != p) others.push_back(scopes_[q]);
    inst->setMetadata(llvm::LLVMContext::MD_alias_scope,
                      llvm::MDNode::get(c_, {scopes_[size_t(p)]}));
    inst->setMetadata(llvm::LLVMContext::MD_noalias, llvm::MDNode::get(c_, others));
  }

  void render(const std::string& name) {
    llvm::Type* ptr = b_.getPtrTy();
    auto* fty = llvm::FunctionType::get(b_.getVoidTy(), {ptr, i64_, i64_}, false);
    auto make = [&](const std::string& n) {
      auto* f = llvm::Function::Create(fty, llvm::Function::ExternalLinkage, n, m_);
      f->addFnAttr(llvm::Attribute::NoUnwind);
      f->addFnAttr(llvm::Attribute::NoFree);
      f->addFnAttr(llvm::Attribute::NoSync);
      f->addFnAttr(llvm::Attribute::WillReturn);
      return f;
    };
    if (k_.num_reduced == 0) {
      llvm::Function* points = make(name + "_points");
      emit_points(points);
      llvm::Function* rows = make(name);
      b_.SetInsertPoint(llvm::BasicBlock::Create(c_, "entry", rows));
      Value* n = b_.getInt64(k_.row_size());
      auto* call = b_.CreateCall(points, {rows->getArg(0), b_.CreateMul(rows->getArg(1), n),
                                          b_.CreateMul(rows->getArg(2), n)});
      call->setTailCall();
      b_.CreateRetVoid();
    } else {
      emit_rows(make(name));
    }
  }

 private:
  int first_inner() const { return int(ext_.size()) - num_inner_; }

  void load_buffers(llvm::Function* f) {
    b_.SetInsertPoint(llvm::BasicBlock::Create(c_, "entry", f));
    bufs_.clear();
    for (size_t p = 0; p < k_.params.size(); ++p)
      bufs_.push_back(b_.CreateLoad(b_.getPtrTy(),
                                    b_.CreateConstInBoundsGEP1_64(b_.getPtrTy(), f->getArg(0), p),
                                    "buf" + std::to_string(p)));
  }

  // for (iv = lo; iv < hi; ++iv) with loop-carried values; returns their
  // final values (the initial ones when the loop runs zero times).
  using Carried = std::vector<Value*>;
  Carried loop(Value* lo, Value* hi, const Carried& init,
               const std::function<Carried(Value*, const Carried&)>& body) {
    llvm::Function* f = b_.GetInsertBlock()->getParent();
    llvm::BasicBlock* pre = b_.GetInsertBlock();
    auto* head = llvm::BasicBlock::Create(c_, "loop", f);
    auto* exit = llvm::BasicBlock::Create(c_, "exit", f);
    b_.CreateCondBr(b_.CreateICmpSLT(lo, hi), head, exit);
    b_.SetInsertPoint(head);
    llvm::PHINode* iv = b_.CreatePHI(i64_, 2, "i");
    iv->addIncoming(lo, pre);
    std::vector<llvm::PHINode*> phis;
    Carried cur;
    for (Value* v : init) {
      phis.push_back(b_.CreatePHI(v->getType(), 2));
      phis.back()->addIncoming(v, pre);
      cur.push_back(phis.back());
    }
    Carried next = body(iv, cur);
    Value* ivn = b_.CreateAdd(iv, b_.getInt64(1), "", true, true);
    llvm::BasicBlock* latch = b_.GetInsertBlock();
    iv->addIncoming(ivn, latch);
    for (size_t i = 0; i < phis.size(); ++i) phis[i]->addIncoming(next[i], latch);
    auto* br = b_.CreateCondBr(b_.CreateICmpSLT(ivn, hi), head, exit);
    // One vector per iteration (no interleaving) and no unrolling: the loops
    // are memory bound or long polynomials, and full unrolling of rows with
    // constant extents would multiply the code (and the compile time).
    // Reduction loops (they carry accumulators) interleave 4 vectors, which
    // breaks the accumulator's dependency chain (a NaN-propagating max is
    // ~5 dependent instructions per vector); the order stays fixed by the code.
    llvm::Metadata* il[] = {llvm::MDString::get(c_, "llvm.loop.interleave.count"),
                            llvm::ConstantAsMetadata::get(b_.getInt32(init.empty() ? 1 : 4))};
    llvm::Metadata* nu[] = {llvm::MDString::get(c_, "llvm.loop.unroll.disable")};
    llvm::Metadata* ops[] = {nullptr, llvm::MDNode::get(c_, il), llvm::MDNode::get(c_, nu)};
    auto* md = llvm::MDNode::getDistinct(c_, ops);
    md->replaceOperandWith(0, md);
    br->setMetadata(llvm::LLVMContext::MD_loop, md);
    b_.SetInsertPoint(exit);
    Carried out;
    for (size_t i = 0; i < init.size(); ++i) {
      llvm::PHINode* p = b_.CreatePHI(init[i]->getType(), 2);
      p->addIncoming(init[i], pre);
      p->addIncoming(next[i], latch);
      out.push_back(p);
    }
    return out;
  }

  // Offsets (elements) of every access for the row index r.
  std::vector<Value*> row_offsets(Value* r) {
    std::vector<Value*> idx(static_cast<size_t>(first_inner()), nullptr);
    for (int d = first_inner() - 1; d >= 0; --d) {
      Value* e = b_.getInt64(ext_[size_t(d)]);
      idx[size_t(d)] = d == 0 ? r : b_.CreateURem(r, e);
      if (d > 0) r = b_.CreateUDiv(r, e);
    }
    std::vector<Value*> off;
    for (const Access& a : acc_) {
      Value* o = b_.getInt64(a.offset);
      for (int d = 0; d < first_inner(); ++d)
        if (a.strides[size_t(d)] != 0)
          o = b_.CreateAdd(o, b_.CreateMul(idx[size_t(d)], b_.getInt64(a.strides[size_t(d)])));
      off.push_back(o);
    }
    return off;
  }

  // A loop nest over the inner dims; the innermost level runs [lo, hi)
  // when given (points entry), else the whole extent.
  Carried nest(int level, const std::vector<Value*>& off, const Carried& init, Value* lo, Value* hi,
               const std::function<Carried(const std::vector<Value*>&, const Carried&)>& body) {
    int d = first_inner() + level;
    bool last = d == int(ext_.size()) - 1;
    Value* l = last && lo ? lo : b_.getInt64(0);
    Value* h = last && hi ? hi : b_.getInt64(ext_[size_t(d)]);
    return loop(l, h, init, [&](Value* iv, const Carried& cur) {
      std::vector<Value*> o = off;
      for (size_t a = 0; a < acc_.size(); ++a)
        if (acc_[a].strides[size_t(d)] != 0)
          o[a] = b_.CreateAdd(o[a], b_.CreateMul(iv, b_.getInt64(acc_[a].strides[size_t(d)])));
      return last ? body(o, cur) : nest(level + 1, o, cur, lo, hi, body);
    });
  }

  Value* address(int a, const std::vector<Value*>& off) {
    DType dt = k_.params[size_t(acc_[size_t(a)].param)].dtype;
    return b_.CreateInBoundsGEP(mem_type(c_, dt), bufs_[size_t(acc_[size_t(a)].param)],
                                off[size_t(a)]);
  }

  // Evaluates node i; args come from `vals` (inner values in this scope,
  // falling back to the row-level values).
  Value* eval(size_t i, const std::vector<Value*>& vals, const std::vector<Value*>& off) {
    const kir::Node& n = k_.nodes[i];
    auto arg = [&](int j) {
      size_t a = size_t(n.args[size_t(j)]);
      return vals[a] ? vals[a] : row_[a];
    };
    auto arg_dt = [&](int j) { return k_.nodes[size_t(n.args[size_t(j)])].dtype; };
    switch (n.kind) {
      case NodeKind::Load: {
        llvm::LoadInst* v = b_.CreateLoad(mem_type(c_, n.dtype), address(load_acc_[i], off));
        tag_access(v, n.param);
        return n.dtype == bool_ ? b_.CreateICmpNE(v, b_.getInt8(0)) : v;
      }
      case NodeKind::Constant:
        if (n.dtype.is_floating()) return llvm::ConstantFP::get(reg_type(c_, n.dtype), n.fvalue);
        return llvm::ConstantInt::get(reg_type(c_, n.dtype), uint64_t(n.ivalue),
                                      !is_unsigned(n.dtype));
      case NodeKind::Unary:
        return unary(n.unary_op, arg_dt(0), arg(0));
      case NodeKind::Binary:
        return binary(n.binary_op, arg_dt(0), arg(0), arg(1));
      case NodeKind::Select:
        return b_.CreateSelect(arg(0), arg(1), arg(2));
      case NodeKind::Convert:
        return convert(arg_dt(0), n.dtype, arg(0));
      case NodeKind::Reduce:
        break;
    }
    throw_error("codegen", "unexpected node kind");
  }

  Value* intrinsic1(llvm::Intrinsic::ID id, Value* x) { return b_.CreateUnaryIntrinsic(id, x); }
  Value* intrinsic2(llvm::Intrinsic::ID id, Value* x, Value* y) {
    return b_.CreateBinaryIntrinsic(id, x, y);
  }

  Value* unary(UnaryOp op, DType dt, Value* x) {
    llvm::Type* t = x->getType();
    if (dt.is_floating()) {
      if (is_vmath_op(op)) return emit_math(b_, op, x);
      auto fc = [&](double v) { return llvm::ConstantFP::get(t, v); };
      switch (op) {
        case UnaryOp::kNeg:
          return b_.CreateFNeg(x);
        case UnaryOp::kAbs:
          return intrinsic1(llvm::Intrinsic::fabs, x);
        case UnaryOp::kSign:
          return b_.CreateSelect(b_.CreateFCmpOGT(x, fc(0)), fc(1),
                                 b_.CreateSelect(b_.CreateFCmpOLT(x, fc(0)), fc(-1), x));
        case UnaryOp::kFloor:
          return intrinsic1(llvm::Intrinsic::floor, x);
        case UnaryOp::kCeil:
          return intrinsic1(llvm::Intrinsic::ceil, x);
        case UnaryOp::kRoundEven:
          return intrinsic1(llvm::Intrinsic::roundeven, x);
        case UnaryOp::kRoundAway:
          return intrinsic1(llvm::Intrinsic::round, x);
        case UnaryOp::kIsFinite:
          return b_.CreateFCmpONE(intrinsic1(llvm::Intrinsic::fabs, x), fc(INFINITY));
        case UnaryOp::kSqrt:
          return intrinsic1(llvm::Intrinsic::sqrt, x);
        case UnaryOp::kRsqrt:
          return b_.CreateFDiv(fc(1), intrinsic1(llvm::Intrinsic::sqrt, x));
        default:
          break;
      }
    } else {
      auto ic = [&](int64_t v) { return llvm::ConstantInt::get(t, uint64_t(v), true); };
      switch (op) {
        case UnaryOp::kNot:
          return b_.CreateNot(x);
        case UnaryOp::kNeg:
          return b_.CreateNeg(x);
        case UnaryOp::kAbs:
          return is_unsigned(dt) ? x
                                 : b_.CreateBinaryIntrinsic(llvm::Intrinsic::abs, x, b_.getFalse());
        case UnaryOp::kSign:
          if (is_unsigned(dt)) return b_.CreateZExt(b_.CreateICmpNE(x, ic(0)), t);
          return b_.CreateSelect(b_.CreateICmpSGT(x, ic(0)), ic(1),
                                 b_.CreateSelect(b_.CreateICmpSLT(x, ic(0)), ic(-1), ic(0)));
        default:
          break;
      }
    }
    throw_error("codegen", std::string("unsupported unary op ") + std::to_string(int(op)) + " on " +
                               std::string(dt.name()));
  }

  Value* binary(BinaryOp op, DType dt, Value* x, Value* y) {
    if (dt.is_floating()) {
      switch (op) {
        case BinaryOp::kAdd:
          return b_.CreateFAdd(x, y);
        case BinaryOp::kSub:
          return b_.CreateFSub(x, y);
        case BinaryOp::kMul:
          return b_.CreateFMul(x, y);
        case BinaryOp::kDiv:
          return b_.CreateFDiv(x, y);
        case BinaryOp::kMax:
          return intrinsic2(llvm::Intrinsic::maximum, x, y);
        case BinaryOp::kMin:
          return intrinsic2(llvm::Intrinsic::minimum, x, y);
        case BinaryOp::kEq:
          return b_.CreateFCmpOEQ(x, y);
        case BinaryOp::kNe:
          return b_.CreateFCmpUNE(x, y);
        case BinaryOp::kLt:
          return b_.CreateFCmpOLT(x, y);
        case BinaryOp::kLe:
          return b_.CreateFCmpOLE(x, y);
        case BinaryOp::kGt:
          return b_.CreateFCmpOGT(x, y);
        case BinaryOp::kGe:
          return b_.CreateFCmpOGE(x, y);
        default:
          break;
      }
    } else {
      bool u = is_unsigned(dt);
      switch (op) {
        case BinaryOp::kAdd:
          return b_.CreateAdd(x, y);
        case BinaryOp::kSub:
          return b_.CreateSub(x, y);
        case BinaryOp::kMul:
          return b_.CreateMul(x, y);
        case BinaryOp::kMax:
          return intrinsic2(u ? llvm::Intrinsic::umax : llvm::Intrinsic::smax, x, y);
        case BinaryOp::kMin:
          return intrinsic2(u ? llvm::Intrinsic::umin : llvm::Intrinsic::smin, x, y);
        case BinaryOp::kAnd:
          return b_.CreateAnd(x, y);
        case BinaryOp::kOr:
          return b_.CreateOr(x, y);
        case BinaryOp::kXor:
          return b_.CreateXor(x, y);
        case BinaryOp::kEq:
          return b_.CreateICmpEQ(x, y);
        case BinaryOp::kNe:
          return b_.CreateICmpNE(x, y);
        case BinaryOp::kLt:
          return u ? b_.CreateICmpULT(x, y) : b_.CreateICmpSLT(x, y);
        case BinaryOp::kLe:
          return u ? b_.CreateICmpULE(x, y) : b_.CreateICmpSLE(x, y);
        case BinaryOp::kGt:
          return u ? b_.CreateICmpUGT(x, y) : b_.CreateICmpSGT(x, y);
        case BinaryOp::kGe:
          return u ? b_.CreateICmpUGE(x, y) : b_.CreateICmpSGE(x, y);
        default:
          break;
      }
    }
    throw_error("codegen", std::string("unsupported binary op ") + std::to_string(int(op)) +
                               " on " + std::string(dt.name()));
  }

  // JAX conversion rules: float -> int saturates with NaN -> 0 (the .sat
  // intrinsics), -> bool is `!= 0` (NaN is true), ints wrap.
  Value* convert(DType from, DType to, Value* x) {
    llvm::Type* t = reg_type(c_, to);
    if (from == to) return x;
    if (to == bool_)
      return from.is_floating() ? b_.CreateFCmpUNE(x, llvm::ConstantFP::get(x->getType(), 0.0))
                                : b_.CreateICmpNE(x, llvm::ConstantInt::get(x->getType(), 0));
    if (to.is_floating()) {
      if (from.is_floating()) return b_.CreateFPCast(x, t);
      return is_unsigned(from) ? b_.CreateUIToFP(x, t) : b_.CreateSIToFP(x, t);
    }
    if (from.is_floating())
      return b_.CreateIntrinsic(
          is_unsigned(to) ? llvm::Intrinsic::fptoui_sat : llvm::Intrinsic::fptosi_sat,
          {t, x->getType()}, {x});
    return b_.CreateIntCast(x, t, !is_unsigned(from));
  }

  Value* reduce_init(const kir::Node& n) {
    llvm::Type* t = reg_type(c_, n.dtype);
    if (n.dtype.is_floating()) {
      double v = n.reduce_op == ReduceOp::kMax   ? -INFINITY
                 : n.reduce_op == ReduceOp::kMin ? INFINITY
                                                 : 0.0;
      return llvm::ConstantFP::get(t, v);
    }
    unsigned bits = t->getIntegerBitWidth();
    bool u = is_unsigned(n.dtype);
    switch (n.reduce_op) {
      case ReduceOp::kMax:
        return b_.getInt(u ? llvm::APInt::getMinValue(bits) : llvm::APInt::getSignedMinValue(bits));
      case ReduceOp::kMin:
        return b_.getInt(u ? llvm::APInt::getMaxValue(bits) : llvm::APInt::getSignedMaxValue(bits));
      case ReduceOp::kAnd:
      case ReduceOp::kProd:
        return llvm::ConstantInt::get(t, 1);
      default:
        return llvm::ConstantInt::get(t, 0);
    }
  }

  Value* reduce_combine(const kir::Node& n, Value* acc, Value* v) {
    if (n.reduce_op == ReduceOp::kSum && n.dtype.is_floating()) {
      // Only the accumulation may be reassociated (vector partial sums).
      llvm::IRBuilderBase::FastMathFlagGuard guard(b_);
      llvm::FastMathFlags fmf;
      fmf.setAllowReassoc();
      b_.setFastMathFlags(fmf);
      return b_.CreateFAdd(acc, v);
    }
    switch (n.reduce_op) {
      case ReduceOp::kSum:
        return binary(BinaryOp::kAdd, n.dtype, acc, v);
      case ReduceOp::kMax:
        return binary(BinaryOp::kMax, n.dtype, acc, v);
      case ReduceOp::kMin:
        return binary(BinaryOp::kMin, n.dtype, acc, v);
      case ReduceOp::kAnd:
        return b_.CreateAnd(acc, v);
      case ReduceOp::kOr:
        return b_.CreateOr(acc, v);
      case ReduceOp::kProd:
        return n.dtype.is_floating() ? b_.CreateFMul(acc, v) : b_.CreateMul(acc, v);
    }
    return acc;
  }

  // Inner nodes that `roots` depend on (through inner nodes only).
  std::vector<bool> needed(const std::vector<int>& roots) {
    std::vector<bool> need(k_.nodes.size(), false);
    for (int r : roots) need[size_t(r)] = inner_[size_t(r)];
    for (size_t i = k_.nodes.size(); i-- > 0;)
      if (need[i])
        for (int a : k_.nodes[i].args) need[size_t(a)] = need[size_t(a)] || inner_[size_t(a)];
    return need;
  }

  std::vector<Value*> eval_inner(const std::vector<bool>& need, const std::vector<Value*>& off) {
    std::vector<Value*> vals(k_.nodes.size(), nullptr);
    for (size_t i = 0; i < k_.nodes.size(); ++i)
      if (need[i]) vals[i] = eval(i, vals, off);
    return vals;
  }

  void store(size_t s, Value* v, const std::vector<Value*>& off) {
    if (v->getType()->isIntegerTy(1)) v = b_.CreateZExt(v, b_.getInt8Ty());
    tag_access(b_.CreateStore(v, address(store_acc_[s], off)), k_.stores[s].param);
  }

  // One row: row-level values and reductions in node order, row-level
  // stores, then the store nest over [lo, hi) of the innermost dim.
  void row_body(Value* r, Value* lo, Value* hi) {
    std::vector<Value*> off = row_offsets(r);
    row_.assign(k_.nodes.size(), nullptr);
    std::vector<Value*> none(k_.nodes.size(), nullptr);
    for (size_t i = 0; i < k_.nodes.size(); ++i) {
      if (inner_[i]) continue;
      const kir::Node& n = k_.nodes[i];
      if (n.kind != NodeKind::Reduce) {
        row_[i] = eval(i, none, off);
        continue;
      }
      int a = n.args[0];
      std::vector<bool> need = needed({a});
      Carried acc = nest(0, off, {reduce_init(n)}, nullptr, nullptr,
                         [&](const std::vector<Value*>& o, const Carried& cur) {
                           std::vector<Value*> vals = eval_inner(need, o);
                           Value* v = vals[size_t(a)] ? vals[size_t(a)] : row_[size_t(a)];
                           return Carried{reduce_combine(n, cur[0], v)};
                         });
      row_[i] = acc[0];
    }
    std::vector<int> roots;
    bool row_stores = false;
    for (size_t s = 0; s < k_.stores.size(); ++s) {
      if (inner_store_[s])
        roots.push_back(k_.stores[s].node);
      else
        row_stores = true;
    }
    if (row_stores) {
      // With a points range, only the chunk holding the row's first point
      // writes its row-level values (no two threads write one location).
      llvm::BasicBlock* join = nullptr;
      if (lo) {
        llvm::Function* f = b_.GetInsertBlock()->getParent();
        auto* then = llvm::BasicBlock::Create(c_, "rowstore", f);
        join = llvm::BasicBlock::Create(c_, "rowstore.end", f);
        b_.CreateCondBr(b_.CreateICmpEQ(lo, b_.getInt64(0)), then, join);
        b_.SetInsertPoint(then);
      }
      for (size_t s = 0; s < k_.stores.size(); ++s)
        if (!inner_store_[s]) store(s, row_[size_t(k_.stores[s].node)], off);
      if (join) {
        b_.CreateBr(join);
        b_.SetInsertPoint(join);
      }
    }
    if (roots.empty()) return;
    std::vector<bool> need = needed(roots);
    nest(0, off, {}, lo, hi, [&](const std::vector<Value*>& o, const Carried&) {
      std::vector<Value*> vals = eval_inner(need, o);
      for (size_t s = 0; s < k_.stores.size(); ++s) {
        if (!inner_store_[s]) continue;
        size_t v = size_t(k_.stores[s].node);
        store(s, vals[v] ? vals[v] : row_[v], o);
      }
      return Carried{};
    });
  }

  void emit_rows(llvm::Function* f) {
    load_buffers(f);
    loop(f->getArg(1), f->getArg(2), {}, [&](Value* r, const Carried&) {
      row_body(r, nullptr, nullptr);
      return Carried{};
    });
    b_.CreateRetVoid();
  }

  // Flat points [pb, pe) of a kernel without reduced dims; rows are the
  // normalized row dims, n the (merged) inner extent.
  void emit_points(llvm::Function* f) {
    load_buffers(f);
    Value* pb = f->getArg(1);
    Value* pe = f->getArg(2);
    Value* n = b_.getInt64(ext_.back());
    Value* rb = b_.CreateUDiv(pb, n);
    Value* re = b_.CreateUDiv(b_.CreateAdd(pe, b_.CreateSub(n, b_.getInt64(1))), n);
    loop(rb, re, {}, [&](Value* r, const Carried&) {
      Value* start = b_.CreateMul(r, n);
      Value* lo =
          b_.CreateSelect(b_.CreateICmpSGT(pb, start), b_.CreateSub(pb, start), b_.getInt64(0));
      Value* hi = b_.CreateBinaryIntrinsic(llvm::Intrinsic::smin, b_.CreateSub(pe, start), n);
      row_body(r, lo, hi);
      return Carried{};
    });
    b_.CreateRetVoid();
  }

  const kir::Kernel& k_;
  llvm::Module& m_;
  llvm::LLVMContext& c_;
  llvm::IRBuilder<> b_;
  llvm::Type* i64_;
  std::vector<bool> inner_;
  std::vector<int64_t> ext_;
  int num_inner_ = 1;
  std::vector<Access> acc_;
  std::vector<int> load_acc_, store_acc_;
  std::vector<bool> inner_store_;
  std::vector<Value*> bufs_, row_;
  std::vector<llvm::Metadata*> scopes_;
};

}  // namespace

void render_kernel(const kir::Kernel& k, llvm::Module& m, const std::string& name) {
  Renderer(k, m).render(name);
}

}  // namespace jx::cpu::llvm_backend
