"""Select checks by name with pytest's ``-k`` syntax: substrings combined by and/or/not."""

from __future__ import annotations

import re
from collections.abc import Callable

__all__ = ["SelectionError", "matcher"]

_TOKEN = re.compile(r"\s*(\(|\)|[^\s()]+)")

Matcher = Callable[[str], bool]


class SelectionError(ValueError):
    """The expression does not parse; the message says where."""


class _Parser:
    def __init__(self, expression: str) -> None:
        self.expression = expression
        self.tokens = _TOKEN.findall(expression)
        self.position = 0

    def _peek(self) -> str | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def _take(self) -> str:
        token = self._peek()
        if token is None:
            raise SelectionError(f"-k {self.expression!r}: unexpected end of expression")
        self.position += 1
        return token

    def parse(self) -> Matcher:
        if not self.tokens:
            return lambda name: True
        result = self._or()
        if self._peek() is not None:
            raise SelectionError(f"-k {self.expression!r}: unexpected {self._peek()!r}")
        return result

    def _or(self) -> Matcher:
        left = self._and()
        while self._peek() == "or":
            self._take()
            left = (lambda a, b: lambda name: a(name) or b(name))(left, self._and())
        return left

    def _and(self) -> Matcher:
        left = self._not()
        while self._peek() == "and":
            self._take()
            left = (lambda a, b: lambda name: a(name) and b(name))(left, self._not())
        return left

    def _not(self) -> Matcher:
        if self._peek() == "not":
            self._take()
            inner = self._not()
            return lambda name: not inner(name)
        return self._primary()

    def _primary(self) -> Matcher:
        token = self._take()
        if token == "(":
            inner = self._or()
            if self._take() != ")":
                raise SelectionError(f"-k {self.expression!r}: expected ')'")
            return inner
        if token in (")", "and", "or", "not"):
            raise SelectionError(f"-k {self.expression!r}: unexpected {token!r}")
        word = token.lower()
        return lambda name: word in name.lower()


def matcher(expression: str) -> Matcher:
    """A predicate on check names, e.g. ``"state_dict and not cross"``; "" selects all.

    Raises:
        SelectionError: the expression does not parse.
    """
    return _Parser(expression).parse()
