"""The pack's sections: what goes in each indicator's folder.

A section is a builder that yields the files of one folder. audit registers its own in
`sections.py`; an app whose evidence belongs in the pack (the improvement tracking table,
the risk register, review minutes) adds its builder with `register_section` from audit's
`ready()` (audit sits above it), so the pack grows without the builder changing.
"""

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import IO, Any

from parcours.core.models import Organisation


@dataclass(frozen=True)
class PackFile:
    """One file of the pack: its name inside the folder, the record it comes from, and
    either its content or a function that writes it to a binary stream (large files)."""

    name: str
    source: str
    content: bytes | None = None
    write: Callable[[IO[bytes]], None] | None = None


@dataclass
class PackContext:
    organisation: Organisation
    as_of: dt.date
    period_start: dt.date
    until: dt.datetime  # the end of the as_of day: nothing recorded after it is read
    generated_at: dt.datetime
    sample: Any  # pack.sample.Sample: the sessions and learners an auditor checks
    version: Any  # the framework version in force on as_of
    notes: list[str] = field(default_factory=list)


Builder = Callable[[PackContext], Iterable[PackFile]]


@dataclass(frozen=True)
class Section:
    folder: str
    name: str
    builder: Builder
    order: int


_sections: dict[tuple[str, str], Section] = {}


def register_section(folder: str, name: str, builder: Builder, order: int = 100) -> None:
    """Add (or replace) the section `name` in the pack's `folder` (e.g. "I32")."""
    _sections[(folder, name)] = Section(folder, name, builder, order)


def sections() -> list[Section]:
    return sorted(_sections.values(), key=lambda s: (s.folder, s.order, s.name))
