"""A value built on first use and rebuilt on request: the settings, the translation catalog."""
from __future__ import annotations

from typing import Callable, Generic, Optional, TypeVar

T = TypeVar("T")


class Lazy(Generic[T]):
    def __init__(self, build: Callable[[], T]) -> None:
        self._build = build
        self._value: Optional[T] = None

    def get(self) -> T:
        """The value of this process, built on first use."""
        if self._value is None:
            self._value = self._build()
        return self._value

    def reload(self) -> T:
        """Build it again (tests, or after an operator changed what it is built from)."""
        self._value = self._build()
        return self._value
