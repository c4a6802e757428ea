"""Scalar terms over what a backbone sees, composed like numbers (as lucid's objectives are).

A :class:`Term` wraps a function returning a scalar tensor and the backbone layers it reads.
Terms add, subtract, multiply (by a number or another term) and negate into new terms whose
``layers`` are the union of their parts', so a whole criterion is extracted in one pass:
``0.7 * channel("block4_conv3", 12) - layer("block3_conv1")`` (a dream objective) or
``param("style_weight") * style_loss(layers) + ...`` (a style criterion). Dream objectives
(:class:`dreamvideo.dreaming.objectives.Objective`) and style losses
(:class:`dreamvideo.style.losses.Loss`) are terms that only differ in what they are called with.
"""

from __future__ import annotations

from typing import Callable, Iterable


class Term:
    """A scalar function; ``+``, ``-``, ``*`` (numbers or terms) and negation build new terms
    of the same kind. ``layers``: the backbone layers it reads; ``name`` says what it computes."""

    def __init__(self, fn: Callable, *, layers: Iterable[str] = (), name: str = "term"):
        self.fn = fn
        self.layers = frozenset(layers)
        self.name = name

    def __call__(self, *args):
        return self.fn(*args)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name})"

    def _made(self, fn: Callable, layers: Iterable[str], name: str) -> Term:
        return type(self)(fn, layers=layers, name=name)

    def __add__(self, other) -> Term:
        if isinstance(other, Term):
            return self._made(lambda *a: self(*a) + other(*a), self.layers | other.layers,
                              f"{self.name} + {other.name}")
        constant = float(other)
        return self._made(lambda *a: self(*a) + constant, self.layers, f"{self.name} + {constant:g}")

    def __radd__(self, other) -> Term:
        constant = float(other)
        return self._made(lambda *a: constant + self(*a), self.layers, f"{constant:g} + {self.name}")

    def __mul__(self, other) -> Term:
        if isinstance(other, Term):
            return self._made(lambda *a: self(*a) * other(*a), self.layers | other.layers,
                              f"{self.name} * {other.name}")
        weight = float(other)
        return self._made(lambda *a: weight * self(*a), self.layers, f"{weight:g} * {self.name}")

    __rmul__ = __mul__

    def __neg__(self) -> Term:
        return self * -1.0

    def __sub__(self, other) -> Term:
        return self + (-other)

    def __rsub__(self, other) -> Term:
        return (-self).__radd__(other)
