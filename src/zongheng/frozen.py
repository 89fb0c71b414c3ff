"""Immutable building blocks (不可变对象): a hashable read-only mapping and read-only arrays.

Frameworks, methods, steps, states and evaluations are frozen dataclasses; what
they hold must be frozen too, or ``method.aggregate[2] = …`` and
``ev.ranks[0] = …`` would quietly change a result that claims to be fixed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

__all__ = ["FrozenMap", "freeze_array"]


class FrozenMap(Mapping):
    """A read-only, hashable mapping that keeps its insertion order (冻结字典).

    Equal to any mapping with the same items, like a ``dict``; hashable when
    its values are, so a method holding one can be a dictionary key.

    Examples
    --------
    >>> m = FrozenMap({"a": 1})
    >>> m["a"], m == {"a": 1}
    (1, True)
    >>> m["a"] = 2
    Traceback (most recent call last):
    TypeError: 'FrozenMap' object does not support item assignment
    """

    __slots__ = ("_data", "_hash")

    def __init__(self, data: Mapping | None = None, /, **kwargs: Any) -> None:
        self._data = dict(data or {}, **kwargs)
        self._hash: int | None = None

    def __getitem__(self, key: Any) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = hash(frozenset(self._data.items()))
        return self._hash

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return self._data == dict(other.items())
        return NotImplemented

    def __repr__(self) -> str:
        # As a dict, so that the repr of a step holding one evaluates back to an equal step.
        return repr(self._data)

    def __reduce__(self) -> tuple:
        return (FrozenMap, (self._data,))


def freeze_array(array: np.ndarray, *, owned: bool = False) -> np.ndarray:
    """Return a read-only view of ``array`` that cannot be made writeable again.

    The owner of the data is marked read-only and a view of it is returned: numpy
    refuses ``setflags(write=True)`` on a view of a read-only base, so a caller cannot
    undo the freeze (on the owner itself it could). No data is copied.

    Parameters
    ----------
    array : numpy.ndarray
    owned : bool
        The data is the caller's own (made for it, held by nothing else): when
        ``array`` is a view, the arrays it views are frozen too, so the freeze holds.
        Without it a view of someone else's writeable array stays re-writeable by them.

    Examples
    --------
    >>> a = freeze_array(np.zeros(2))
    >>> a.flags.writeable
    False
    >>> a.setflags(write=True)
    Traceback (most recent call last):
    ...
    ValueError: cannot set WRITEABLE flag to True of this array
    """
    array = np.asarray(array)
    if owned:
        base = array.base
        while isinstance(base, np.ndarray):
            base.setflags(write=False)
            base = base.base
    if array.flags.writeable:
        array.setflags(write=False)
    if array.base is None:
        array = array.view()
    return array
