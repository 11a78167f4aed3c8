#include "dialect_parser.hpp"

#include <cstring>

namespace scriptlet {
namespace dialect {

namespace {

struct Span {
  uint32_t start;
  uint32_t end;
};

struct BinaryOp {
  int left;   // the operator binds to the left while left > the limit
  int right;  // the limit its right operand is parsed with
  const char* call;  // for a dialect operator: the runtime function
};

constexpr int kUnaryPriority = 12;
// Deeper than Lua's own limit (200 C levels; a parenthesis costs this walk
// two), so that Lua reports it; a few hundred bytes of C stack a level.
constexpr int kMaxDepth = 600;

bool binaryOp(Tok t, BinaryOp* op) {
  switch (t) {
    case Tok::Or: *op = {1, 1, nullptr}; return true;
    case Tok::And: *op = {2, 2, nullptr}; return true;
    case Tok::Eq: case Tok::Ne: case Tok::Lt: case Tok::Le: case Tok::Gt: case Tok::Ge:
      *op = {3, 3, nullptr}; return true;
    case Tok::BitOr: *op = {4, 4, "bor"}; return true;
    case Tok::BitXor: *op = {5, 5, "bxor"}; return true;
    case Tok::BitAnd: *op = {6, 6, "band"}; return true;
    case Tok::Shl: *op = {7, 7, "lshift"}; return true;
    case Tok::Shr: *op = {7, 7, "rshift"}; return true;
    case Tok::Concat: *op = {9, 8, nullptr}; return true;
    case Tok::Plus: case Tok::Minus: *op = {10, 10, nullptr}; return true;
    case Tok::Star: case Tok::Slash: case Tok::Percent: *op = {11, 11, nullptr}; return true;
    case Tok::IntDiv: *op = {11, 11, "idiv"}; return true;
    case Tok::Caret: *op = {14, 13, nullptr}; return true;
    default: return false;
  }
}

bool isDialectOperator(Tok t) { return t >= Tok::BitAnd && t <= Tok::IntDiv; }

struct Stop {};  // thrown to end the walk; caught in findDialectEdits

class Walker {
 public:
  Walker(const std::vector<Token>& tokens, const char* source, std::vector<Edit>* edits, ParseStop* stop)
      : toks_(tokens), src_(source), edits_(edits), stop_(stop) {}

  void chunk() {
    block();
    if (peek() != Tok::Eof) fail();
  }

 private:
  const Token& cur() const { return toks_[pos_]; }
  Tok peek(size_t ahead = 0) const {
    size_t i = pos_ + ahead;
    return i < toks_.size() ? toks_[i].kind : Tok::Eof;
  }
  uint32_t prevEnd() const { return pos_ > 0 ? toks_[pos_ - 1].end : 0; }
  void next() {
    if (peek() != Tok::Eof) pos_++;
  }
  bool accept(Tok t) {
    if (peek() != t) return false;
    next();
    return true;
  }
  void expect(Tok t) {
    if (!accept(t)) fail();
  }

  // Stops at the current token: Lua's parser says what is wrong, unless it
  // is one of the dialect's operators, which Lua does not know.
  [[noreturn]] void fail() {
    const Token& t = cur();
    if (isDialectOperator(t.kind)) failDialect(t, std::string("unexpected operator '") + tokenSpelling(t.kind) + "'");
    stop_->stopped = true;
    stop_->line = t.line;
    throw Stop{};
  }
  [[noreturn]] void failDialect(const Token& t, const std::string& message) {
    stop_->stopped = true;
    stop_->dialect = true;
    stop_->line = t.line;
    stop_->message = message;
    throw Stop{};
  }

  void enter() {
    if (++depth_ > kMaxDepth) fail();
  }
  void leave() { depth_--; }

  void addEdit(uint32_t pos, Edit::Rank rank, uint32_t len, const char* text) {
    edits_->push_back(Edit{pos, rank, seq_++, len, text});
  }

  bool blockFollow() const {
    Tok t = peek();
    return t == Tok::Eof || t == Tok::Else || t == Tok::Elseif || t == Tok::End || t == Tok::Until;
  }

  void block() {
    enter();
    while (!blockFollow()) {
      if (peek() == Tok::Return) {
        next();
        if (!blockFollow() && peek() != Tok::Semi) exprList();
        accept(Tok::Semi);
        break;
      }
      statement();
    }
    leave();
  }

  void statement() {
    switch (peek()) {
      case Tok::Semi: next(); return;
      case Tok::If:
        next();
        expr();
        expect(Tok::Then);
        block();
        while (accept(Tok::Elseif)) {
          expr();
          expect(Tok::Then);
          block();
        }
        if (accept(Tok::Else)) block();
        expect(Tok::End);
        return;
      case Tok::While:
        next();
        expr();
        expect(Tok::Do);
        block();
        expect(Tok::End);
        return;
      case Tok::Do:
        next();
        block();
        expect(Tok::End);
        return;
      case Tok::For:
        next();
        expect(Tok::Name);
        if (accept(Tok::Assign)) {
          expr();
          expect(Tok::Comma);
          expr();
          if (accept(Tok::Comma)) expr();
        } else {
          while (accept(Tok::Comma)) expect(Tok::Name);
          expect(Tok::In);
          exprList();
        }
        expect(Tok::Do);
        block();
        expect(Tok::End);
        return;
      case Tok::Repeat:
        next();
        block();
        expect(Tok::Until);
        expr();
        return;
      case Tok::Function:
        next();
        expect(Tok::Name);
        while (accept(Tok::Dot)) expect(Tok::Name);
        if (accept(Tok::Colon)) expect(Tok::Name);
        functionBody();
        return;
      case Tok::Local:
        next();
        if (accept(Tok::Function)) {
          expect(Tok::Name);
          functionBody();
          return;
        }
        do expect(Tok::Name); while (accept(Tok::Comma));
        if (accept(Tok::Assign)) exprList();
        return;
      case Tok::DoubleColon:
        next();
        expect(Tok::Name);
        expect(Tok::DoubleColon);
        return;
      case Tok::Break: next(); return;
      default:
        if (isGotoStatement()) {
          next();
          next();
          return;
        }
        suffixedExpr();
        if (peek() == Tok::Assign || peek() == Tok::Comma) {
          while (accept(Tok::Comma)) suffixedExpr();
          expect(Tok::Assign);
          exprList();
        }
        return;
    }
  }

  // "goto label" (LuaJIT); on Lua 5.1 goto is a name, and "goto x" no statement.
  bool isGotoStatement() const {
    const Token& t = cur();
    return t.kind == Tok::Name && t.end - t.start == 4 && std::memcmp(src_ + t.start, "goto", 4) == 0 &&
           peek(1) == Tok::Name;
  }

  void functionBody() {
    expect(Tok::LParen);
    if (peek() != Tok::RParen) {
      do {
        if (accept(Tok::Dots)) break;
        expect(Tok::Name);
      } while (accept(Tok::Comma));
    }
    expect(Tok::RParen);
    block();
    expect(Tok::End);
  }

  void exprList() {
    expr();
    while (accept(Tok::Comma)) expr();
  }

  Span expr() { return subexpr(0); }

  // Lua's subexpr: an operand, then binary operators that bind tighter
  // than limit.
  Span subexpr(int limit) {
    enter();
    Span span;
    Tok t = peek();
    if (t == Tok::Not || t == Tok::Minus || t == Tok::Hash || t == Tok::BitNot) {
      const Token& op = cur();
      next();
      if (!startsExpr(peek())) operandMissing(op);
      Span operand = subexpr(kUnaryPriority);
      if (t == Tok::BitNot) {
        addEdit(operand.end, Edit::Close, 0, "))");
        addEdit(op.start, Edit::Open, 0, "bnot");
        addEdit(op.start, Edit::Replace, op.end - op.start, "");
      }
      span = Span{op.start, operand.end};
    } else {
      span = simpleExpr();
    }
    BinaryOp bin;
    while (binaryOp(peek(), &bin) && bin.left > limit) {
      const Token& op = cur();
      next();
      if (!startsExpr(peek())) operandMissing(op);
      Span right = subexpr(bin.right);
      if (bin.call) {
        addEdit(right.end, Edit::Close, 0, "))");
        addEdit(span.start, Edit::Open, 0, bin.call);
        addEdit(op.start, Edit::Replace, op.end - op.start, op.end - op.start == 1 ? "," : ", ");
      }
      span.end = right.end;
    }
    if (peek() == Tok::BitNot) failDialect(cur(), "'~' is not a binary operator here (Momentum's xor is '^^')");
    leave();
    return span;
  }

  [[noreturn]] void operandMissing(const Token& op) {
    if (isDialectOperator(op.kind))
      failDialect(op, std::string("operator '") + tokenSpelling(op.kind) + "' has no operand after it");
    fail();
  }

  static bool startsExpr(Tok t) {
    switch (t) {
      case Tok::Nil: case Tok::True: case Tok::False: case Tok::Number: case Tok::String: case Tok::Dots:
      case Tok::LBrace: case Tok::Function: case Tok::Name: case Tok::LParen:
      case Tok::Not: case Tok::Minus: case Tok::Hash: case Tok::BitNot:
        return true;
      default:
        return false;
    }
  }

  Span simpleExpr() {
    const Token& t = cur();
    switch (t.kind) {
      case Tok::Nil: case Tok::True: case Tok::False: case Tok::Number: case Tok::String: case Tok::Dots:
        next();
        return Span{t.start, t.end};
      case Tok::LBrace:
        table();
        return Span{t.start, prevEnd()};
      case Tok::Function:
        next();
        functionBody();
        return Span{t.start, prevEnd()};
      default:
        return suffixedExpr();
    }
  }

  Span suffixedExpr() {
    enter();
    const Token& first = cur();
    if (accept(Tok::LParen)) {
      expr();
      expect(Tok::RParen);
    } else {
      expect(Tok::Name);
    }
    for (;;) {
      switch (peek()) {
        case Tok::Dot:
          next();
          expect(Tok::Name);
          break;
        case Tok::LBracket:
          next();
          expr();
          expect(Tok::RBracket);
          break;
        case Tok::Colon:
          next();
          expect(Tok::Name);
          callArgs();
          break;
        case Tok::LParen: case Tok::String: case Tok::LBrace:
          callArgs();
          break;
        default:
          leave();
          return Span{first.start, prevEnd()};
      }
    }
  }

  void callArgs() {
    if (accept(Tok::String)) return;
    if (peek() == Tok::LBrace) {
      table();
      return;
    }
    expect(Tok::LParen);
    if (peek() != Tok::RParen) exprList();
    expect(Tok::RParen);
  }

  void table() {
    enter();
    expect(Tok::LBrace);
    while (peek() != Tok::RBrace) {
      if (accept(Tok::LBracket)) {
        expr();
        expect(Tok::RBracket);
        expect(Tok::Assign);
        expr();
      } else if (peek() == Tok::Name && peek(1) == Tok::Assign) {
        next();
        next();
        expr();
      } else {
        expr();
      }
      if (!accept(Tok::Comma) && !accept(Tok::Semi)) break;
    }
    expect(Tok::RBrace);
    leave();
  }

  const std::vector<Token>& toks_;
  const char* src_;
  std::vector<Edit>* edits_;
  ParseStop* stop_;
  size_t pos_ = 0;
  int depth_ = 0;
  uint32_t seq_ = 0;
};

}  // namespace

void findDialectEdits(const std::vector<Token>& tokens, const char* source, std::vector<Edit>* edits,
                      ParseStop* stop) {
  Walker walker(tokens, source, edits, stop);
  try {
    walker.chunk();
  } catch (const Stop&) {
    // stop says where
  }
}

}  // namespace dialect
}  // namespace scriptlet
