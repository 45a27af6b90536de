"""Parser for Cloudinary's Lucene-like search expressions, compiled to a predicate.

Grammar (uppercase keywords only; ``NOT`` only *between* clauses, as the real API demands)::

    expr    := and_expr ("OR" and_expr)*
    and_expr:= unary (["AND"] ["NOT"] unary)*          # juxtaposition is AND
    unary   := ("-" | "+") unary | "(" expr ")" | clause
    clause  := FIELD (":" | "=") value | FIELD (">" | "<" | ">=" | "<=") value
             | FIELD ":" ("[" | "{") value "TO" value ("]" | "}")
             | FIELD (":" | "=") "(" values joined by AND / OR ")"
             | value                                    # bare term
    value   := WORD | "QUOTED"                          # WORD may end with "*"

Semantics follow the official guidance (``api-schemas`` search overlay): ``tags``,
``filename``, ``display_name``, ``context.*`` and ``metadata.*`` match on tokens;
``public_id``, ``asset_folder``, ``format`` … match the whole value; trailing ``*`` is a
prefix match; relative dates are ``Nh``, ``Nd``, ``Nw`` only (``1m``/``1y`` are errors).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from .search_fields import ExpressionError, Term, compile_bare, compile_clause

Predicate = Callable[[object], bool]
_SPECIALS = set('()[]{}:=<>"')
_KEYWORDS = {"AND", "OR", "NOT", "TO"}


def tokenize(text: str) -> list[tuple[str, object, int]]:
    """Split an expression into ``(kind, value, position)`` tokens.

    Kinds: ``(``, ``)``, ``[``, ``]``, ``{``, ``}``, ``op`` (``: = > < >= <=``), ``kw``,
    ``word`` (a :class:`Term`), ``quoted`` (a :class:`Term`), ``sign`` (``-``/``+``).
    """
    tokens: list[tuple[str, object, int]] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch in "()[]{}":
            tokens.append((ch, ch, i))
            i += 1
        elif ch in ":=<>":
            op = text[i:i + 2] if text[i:i + 2] in (">=", "<=") else ch
            tokens.append(("op", op, i))
            i += len(op)
        elif ch == "*" and (i + 1 == n or text[i + 1].isspace() or text[i + 1] in "]}"):
            tokens.append(("star", "*", i))  # only valid as an open range bound
            i += 1
        elif ch == '"':
            value, i = _read_quoted(text, i)
            tokens.append(("quoted", Term(value, quoted=True), i))
        elif ch in "-+" and (not tokens or tokens[-1][0] not in ("op",)) and i + 1 < n \
                and not text[i + 1].isspace():
            tokens.append(("sign", ch, i))
            i += 1
        else:
            start = i
            term, i = _read_word(text, i)
            if term.text in _KEYWORDS and not term.escaped:
                tokens.append(("kw", term.text, start))
            else:
                tokens.append(("word", term, start))
    return tokens


def _read_quoted(text: str, i: int) -> tuple[str, int]:
    out, i = [], i + 1
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            out.append(text[i + 1])
            i += 2
        elif ch == '"':
            return "".join(out), i + 1
        else:
            out.append(ch)
            i += 1
    raise ExpressionError(f"unterminated quoted value at position {i}")


def _read_word(text: str, i: int) -> tuple[Term, int]:
    out, start, escaped, wildcard = [], i, False, False
    while i < len(text) and not text[i].isspace() and text[i] not in _SPECIALS:
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            out.append(text[i + 1])
            escaped = True
            i += 2
            continue
        if ch in "*?":
            at_end = i + 1 >= len(text) or text[i + 1].isspace() or text[i + 1] in _SPECIALS
            if ch == "?" or not at_end or not out:
                raise ExpressionError(f"unsupported wildcard at position {i}")
            wildcard = True
        else:
            out.append(ch)
        i += 1
    if i == start:
        raise ExpressionError(f"unexpected character {text[i]!r} at position {i}")
    return Term("".join(out), wildcard=wildcard, escaped=escaped), i


class Parser:
    """Recursive-descent parser producing a predicate over resources."""

    def __init__(self, text: str, now: float | None = None):
        self.text = text
        self.tokens = tokenize(text)
        self.pos = 0
        self.now = time.time() if now is None else now

    def parse(self) -> Predicate:
        """Parse the whole expression or raise ExpressionError."""
        if not self.tokens:
            return lambda res: True
        if self._peek() == ("kw", "NOT"):
            raise self._error("NOT must appear between clauses; use -field:value")
        predicate = self._or()
        if self.pos < len(self.tokens):
            raise self._error("unexpected token")
        return predicate

    # -- helpers -----------------------------------------------------------------------
    def _peek(self, offset: int = 0) -> tuple[str, object] | None:
        index = self.pos + offset
        if index < len(self.tokens):
            return self.tokens[index][:2]
        return None

    def _take(self) -> tuple[str, object, int]:
        if self.pos >= len(self.tokens):
            raise ExpressionError("unexpected end of expression")
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def _error(self, message: str) -> ExpressionError:
        where = self.tokens[self.pos][2] if self.pos < len(self.tokens) else len(self.text)
        return ExpressionError(f"{message} at position {where}")

    def _expect(self, kind: str, value=None) -> tuple[str, object, int]:
        token = self._peek()
        if token is None or token[0] != kind or (value is not None and token[1] != value):
            raise self._error(f"expected {value or kind}")
        return self._take()

    # -- boolean structure -----------------------------------------------------------
    def _or(self) -> Predicate:
        parts = [self._and()]
        while self._peek() == ("kw", "OR"):
            self._take()
            parts.append(self._and())
        return parts[0] if len(parts) == 1 else (lambda res: any(p(res) for p in parts))

    def _and(self) -> Predicate:
        parts = [self._unary()]
        while True:
            token = self._peek()
            if token is None or token[0] == ")" or token == ("kw", "OR"):
                break
            if token == ("kw", "AND"):
                self._take()
            negate = False
            if self._peek() == ("kw", "NOT"):
                self._take()
                negate = True
            part = self._unary()
            parts.append((lambda res, p=part: not p(res)) if negate else part)
        return parts[0] if len(parts) == 1 else (lambda res: all(p(res) for p in parts))

    def _unary(self) -> Predicate:
        token = self._peek()
        if token is None:
            raise self._error("missing clause")
        if token[0] == "sign":
            self._take()
            inner = self._unary()
            return (lambda res: not inner(res)) if token[1] == "-" else inner
        if token[0] == "(":
            self._take()
            inner = self._or()
            self._expect(")")
            return inner
        if token[0] == "kw":
            raise self._error(f"unexpected {token[1]}")
        return self._clause()

    # -- clauses ----------------------------------------------------------------------
    def _clause(self) -> Predicate:
        kind, term, _ = self._take()
        if kind not in ("word", "quoted"):
            raise self._error("expected a field or a term")
        nxt = self._peek()
        if kind == "quoted" or nxt is None or nxt[0] != "op":
            return compile_bare(term)
        if term.wildcard:
            raise self._error("wildcard in field name")
        field = term.text
        _, op, _ = self._take()
        nxt = self._peek()
        if nxt is None:
            raise self._error("missing value")
        if op == ":" and nxt[0] in ("[", "{"):
            return self._range(field)
        if op in (":", "=") and nxt[0] == "(":
            return self._value_group(field, op)
        if nxt[0] not in ("word", "quoted"):
            raise self._error("missing value")
        value = self._take()[1]
        return compile_clause(field, op, value, self.now)

    def _range(self, field: str) -> Predicate:
        opener = self._take()[0]
        low = self._range_bound()
        self._expect("kw", "TO")
        high = self._range_bound()
        closer = self._peek()
        if closer is None or closer[0] not in ("]", "}"):
            raise self._error("expected ] or } to close the range")
        self._take()
        lo_op = ">=" if opener == "[" else ">"
        hi_op = "<=" if closer[0] == "]" else "<"
        checks = []
        if low is not None:
            checks.append(compile_clause(field, lo_op, low, self.now))
        if high is not None:
            checks.append(compile_clause(field, hi_op, high, self.now))
        return lambda res: all(check(res) for check in checks)

    def _range_bound(self) -> Term | None:
        token = self._peek()
        if token and token[0] == "star":
            self._take()
            return None
        if token is None or token[0] not in ("word", "quoted"):
            raise self._error("expected a range bound")
        return self._take()[1]

    def _value_group(self, field: str, op: str) -> Predicate:
        self._expect("(")
        parts = [[self._group_value(field, op)]]
        while self._peek() is not None and self._peek()[0] != ")":
            token = self._peek()
            if token == ("kw", "OR"):
                self._take()
                parts.append([])
            elif token == ("kw", "AND"):
                self._take()
            parts[-1].append(self._group_value(field, op))
        self._expect(")")
        return lambda res: any(all(p(res) for p in group) for group in parts)

    def _group_value(self, field: str, op: str) -> Predicate:
        token = self._peek()
        if token is None or token[0] not in ("word", "quoted"):
            raise self._error("expected a value")
        return compile_clause(field, op, self._take()[1], self.now)


def compile_expression(text: str | None, now: float | None = None) -> Predicate:
    """Parse ``text`` into ``predicate(resource) -> bool``; raises ExpressionError."""
    return Parser(text or "", now).parse()


def uses_relative_dates(text: str | None) -> bool:
    """True when the result depends on the current time (so caching must be short)."""
    return bool(text and re.search(r"\d+[hdw]\b", text))
