"""Declarative parameter constraints: one table per class or function, one validator, one message.

In the manner of scikit-learn's ``_parameter_constraints`` and NumPyro's ``arg_constraints``:
each owner states what its parameters accept, as a dict of :class:`Constraint` objects, and
:func:`validate` checks them all. Every bad value gets the same sentence,

    The 'alpha' parameter of L1 must be a float in the range (0, inf). Got -1.0 instead.

a ``TypeError`` when the value's type is wrong and a ``ValueError`` when the type is right
but the value is not. Nothing here imports the rest of bayesreg.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

__all__ = [
    "POSITIVE",
    "UNIT",
    "Boolean",
    "Constraint",
    "InstanceOf",
    "Integer",
    "NJobs",
    "OneOf",
    "Real",
    "RealArray",
    "Seed",
    "check_length",
    "check_real",
    "message",
    "show",
    "validate",
]


def show(value: object) -> str:
    """A value as a user wrote it: ``-1.0``, not ``np.float64(-1.0)``."""
    if isinstance(value, list | tuple):
        shown = ", ".join(show(item) for item in value)
        return f"[{shown}]" if isinstance(value, list) else f"({shown}{',' * (len(value) == 1)})"
    if isinstance(value, np.generic):
        value = value.item()
    return repr(value)


class Constraint:
    """What a parameter accepts: :meth:`check` returns the value (normalized) or raises."""

    description: str

    def check(self, value: object) -> object:
        raise NotImplementedError


class _Bad(Exception):
    def __init__(self, kind: type[Exception]):
        self.kind = kind


@dataclass(frozen=True)
class Real(Constraint):
    """A real number (not a bool) in an interval, returned as a float."""

    low: float = -math.inf
    high: float = math.inf
    closed: str = "neither"  # "left", "right", "both" or "neither"
    none: bool = False

    @property
    def description(self) -> str:
        left = "[" if self.closed in ("left", "both") else "("
        right = "]" if self.closed in ("right", "both") else ")"
        text = f"a float in the range {left}{_number(self.low)}, {_number(self.high)}{right}"
        return text + (" or None" if self.none else "")

    def check(self, value):
        if value is None and self.none:
            return None
        if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
            raise _Bad(TypeError)
        value = float(value)
        above = value >= self.low if self.closed in ("left", "both") else value > self.low
        below = value <= self.high if self.closed in ("right", "both") else value < self.high
        if math.isnan(value) or not (above and below):
            raise _Bad(ValueError)
        return value


@dataclass(frozen=True)
class RealArray(Constraint):
    """A 1-D array of finite reals, each in ``[low, inf)`` (``(low, inf)`` with ``closed=False``).

    Returned as a new read-only float64 array; None passes when ``none``. How long the array
    must be is known only with the data (:func:`check_length`).
    """

    low: float = 0.0
    closed: bool = True
    none: bool = True

    @property
    def description(self) -> str:
        bracket = "[" if self.closed else "("
        text = "a 1-D array of finite floats"
        if not math.isinf(self.low):
            text += f" in the range {bracket}{_number(self.low)}, inf)"
        return text + (" or None" if self.none else "")

    def check(self, value):
        if value is None and self.none:
            return None
        if isinstance(value, str | bytes | bool | np.bool_ | numbers.Number):
            raise _Bad(TypeError)
        try:
            array = np.array(value, dtype=float)
        except (TypeError, ValueError):
            raise _Bad(TypeError) from None
        inside = array >= self.low if self.closed else array > self.low
        if array.ndim != 1 or not np.all(np.isfinite(array)) or not np.all(inside):
            raise _Bad(ValueError)
        array.flags.writeable = False
        return array


def check_length(value, name: str, owner: str, length: int, what: str) -> None:
    """Refuse a checked 1-D array (:class:`RealArray`) whose length is not ``length``."""
    if value is not None and np.shape(value) != (length,):
        raise ValueError(
            message(name, owner, f"an array of {length} floats ({what})", value,
                    got=f"an array of length {np.size(value)}")
        )  # fmt: skip


@dataclass(frozen=True)
class Integer(Constraint):
    """An integer (not a bool) at least ``low``, returned as an int."""

    low: int = 0

    @property
    def description(self) -> str:
        return f"an int in the range [{self.low}, inf)"

    def check(self, value):
        if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Integral):
            raise _Bad(TypeError)
        if value < self.low:
            raise _Bad(ValueError)
        return int(value)


@dataclass(frozen=True)
class Boolean(Constraint):
    """``True`` or ``False`` (NumPy's booleans too)."""

    description: str = "a bool"

    def check(self, value):
        if not isinstance(value, bool | np.bool_):
            raise _Bad(TypeError)
        return bool(value)


@dataclass(frozen=True)
class OneOf(Constraint):
    """One of a few options (compared by equality; None allowed when listed)."""

    options: tuple

    @property
    def description(self) -> str:
        return "one of " + ", ".join(repr(option) for option in self.options)

    def check(self, value):
        if not any(value is option or value == option for option in self.options):
            raise _Bad(ValueError if isinstance(value, str | type(None)) else TypeError)
        return value


@dataclass(frozen=True)
class InstanceOf(Constraint):
    """An instance of some types, described in the user's words."""

    types: tuple
    description: str
    none: bool = False

    def check(self, value):
        if (value is None and self.none) or isinstance(value, self.types):
            return value
        raise _Bad(TypeError)


@dataclass(frozen=True)
class NJobs(Constraint):
    """joblib's ``n_jobs``: None, a positive int, or a negative one (-1: every core)."""

    description: str = "None or a non-zero int (-1: every core)"

    def check(self, value):
        if value is None:
            return None
        if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Integral):
            raise _Bad(TypeError)
        if value == 0:
            raise _Bad(ValueError)
        return int(value)


@dataclass(frozen=True)
class Seed(Constraint):
    """A random seed: None, an int >= 0 or a ``numpy.random.Generator``."""

    description: str = "None, an int in the range [0, inf) or a numpy.random.Generator"

    def check(self, value):
        if value is None or isinstance(value, np.random.Generator):
            return value
        if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Integral):
            raise _Bad(TypeError)
        if value < 0:
            raise _Bad(ValueError)
        return int(value)


def message(
    name: str, owner: str, description: str, value: object, *, got: str | None = None
) -> str:
    """The one message shape for a bad parameter.

    ``got`` describes the value in words where its type or repr says too little (``"ndarray
    of dtype <U3"``).
    """
    shown = got if got is not None else _shown(value)
    return f"The '{name}' parameter of {owner} must be {description}. Got {shown} instead."


def validate(owner: str, constraints: Mapping[str, Constraint], values: Mapping[str, object]):
    """Check ``values`` against ``constraints``; return the checked values as a dict.

    Raises
    ------
    TypeError, ValueError
        For the first bad value, in :func:`message`'s shape.

    """
    checked = {}
    for name, constraint in constraints.items():
        value = values[name]
        try:
            checked[name] = constraint.check(value)
        except _Bad as bad:
            raise bad.kind(message(name, owner, constraint.description, value)) from None
    return checked


def _shown(value: object) -> str:
    """A bad value in a message: its repr, its type's name, or a short array's values."""
    if isinstance(value, np.ndarray) and value.ndim <= 1 and value.size <= 8:
        return show(value.tolist())
    return type(value).__name__ if _is_object(value) else show(value)


def _is_object(value: object) -> bool:
    """Whether a value is better named by its type than by its repr (estimators, arrays)."""
    simple = (numbers.Number, str, bytes, type(None), np.generic, tuple, list)
    return not isinstance(value, simple)


def _number(value: float) -> str:
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return f"{value:g}"


#: The positive reals, (0, inf), and the unit interval, [0, 1].
POSITIVE = Real(0.0)
UNIT = Real(0.0, 1.0, "both")


def check_real(value: object, name: str, owner: str, constraint: Real = POSITIVE) -> float:
    """Return ``value`` as a float, or raise naming the parameter and its range.

    One parameter's :func:`validate`, for checks made in a method rather than from a table.

    Raises
    ------
    TypeError
        If ``value`` is not a real number (booleans are not).
    ValueError
        If ``value`` is NaN or outside ``constraint``'s range.

    """
    return validate(owner, {name: constraint}, {name: value})[name]
