"""How a kind of event is declared (``@kind``), turned into its stored JSON (``data``) and loaded
back from it (``load``). The kinds themselves are in events.py."""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass, field, fields
from enum import Enum
from functools import cached_property
from typing import Any, ClassVar


class Event:
    """Any event: ``type`` names its kind, ``data`` is its JSON.

    ``Event(type, data)`` itself is kept for callers that read rows or files the rules have not
    checked yet (an archive, a timeline's marks): it gives an ``Unchecked`` event, which the core
    loads, and so checks, when it folds or redacts it."""

    type: ClassVar[str]
    data: dict

    def __new__(cls, *args: Any, **kwargs: Any) -> Event:
        return object.__new__(Unchecked if cls is Event else cls)

    def __post_init__(self) -> None:
        # A Phase or an Answer given as its string is held as the member (``is`` compares them).
        for name, enum in _ENUMS.get(type(self), ()):
            object.__setattr__(self, name, enum(getattr(self, name)))


@dataclass(frozen=True)
class Unchecked(Event):
    type: str  # type: ignore[misc]  # an instance's, not its class's
    data: dict


def absent() -> Any:
    return field(default=None, metadata={"absent": True})


def _is_enum(hint: Any) -> bool:
    return isinstance(hint, type) and issubclass(hint, Enum)


def _absent(f) -> bool:
    return f.metadata.get("absent", False)


# Every stored kind by its type, and how ``load`` checks each of its fields.
KINDS: dict[str, type[Event]] = {}
_SHAPES: dict[type, tuple[tuple[str, Any, bool], ...]] = {}
_ENUMS: dict[type, tuple[tuple[str, type[Enum]], ...]] = {}


def kind(type_: str, *, stored: bool = True):
    def make(cls: type) -> type:
        cls = dataclass(frozen=True)(cls)
        cls.type = type_
        hints = typing.get_type_hints(cls)
        shape = tuple(
            (f.name, _checker(hints[f.name], _absent(f)), _absent(f)) for f in fields(cls)
        )
        _SHAPES[cls] = shape
        _ENUMS[cls] = tuple((f.name, hints[f.name]) for f in fields(cls) if _is_enum(hints[f.name]))
        data = cached_property(_data)  # the fan-out reads it for every frame
        data.__set_name__(cls, "data")
        cls.data = data
        if stored:
            KINDS[type_] = cls
        return cls

    return make


def _data(event: Event) -> dict:
    out = {}
    for name, _, optional in _SHAPES[type(event)]:
        value = getattr(event, name)
        if value is None and optional:
            continue
        out[name] = value.value if isinstance(value, Enum) else value
    return out


def _checker(hint: Any, optional: bool):
    """A function that returns a stored value as the field holds it, or raises ValueError."""
    options = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
    nullable = type(None) in options and not optional  # an absent field is never stored null
    (kind,) = [option for option in options if option is not type(None)]

    def check(value: Any) -> Any:
        if value is None and nullable:
            return None
        if _is_enum(kind):
            if not isinstance(value, str):
                raise ValueError(f"must be one of {', '.join(kind)}")
            return kind(value)
        accepted = (int, float) if kind is float else kind
        if not isinstance(value, accepted) or (kind is not bool and isinstance(value, bool)):
            raise ValueError(f"must be {_NAMES[kind]}")
        return value

    return check


_NAMES = {str: "text", int: "a whole number", float: "a number", bool: "true or false",
          dict: "an object", list: "a list"}  # fmt: skip


def load(type_: str, data: dict) -> Event:
    """The event of kind ``type_`` stored as ``data``; ValueError if there is no such kind or the
    fields are not its own. Its ``data`` is ``data`` itself: what was stored goes out unchanged."""
    made = KINDS.get(type_)
    if made is None:
        raise ValueError(f"there is no event type {type_!r}")
    if not isinstance(data, dict):
        raise ValueError(f"{type_}: data must be an object")
    values = {}
    for name, check, optional in _SHAPES[made]:
        if name in data:
            try:
                values[name] = check(data[name])
            except ValueError as problem:
                raise ValueError(f"{type_}.{name} {problem}") from None
        elif not optional:
            raise ValueError(f"{type_} needs {name}")
    if len(values) != len(data):
        extra = sorted(set(data) - set(values), key=str)[0]
        raise ValueError(f"{type_} has no field {extra!r}")
    event = made(**values)
    event.__dict__["data"] = data  # seeds the cached_property
    return event


def checked(event: Event) -> Event:
    """``event`` as its kind: an ``Unchecked`` one is loaded (and so checked)."""
    return load(event.type, event.data) if type(event) is Unchecked else event
