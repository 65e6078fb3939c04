"""The blocks of « Mon espace », in the order the learner reads them.

The portal is the top layer: it reads every app below it, and each block is one
`Section` registered here (the built-in ones by `portal.blocks` at start-up, from
`PortalConfig.ready`). A new block, such as the questionnaires a learner has to fill in,
is one function and one template: `register(Section(...))`, nothing else changes.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from parcours.learners.models import Learner

# What a block shows for a learner at a time; None hides the block.
Context = Callable[[Learner, dt.datetime], dict[str, Any] | None]


@dataclass(frozen=True)
class Section:
    key: str
    order: int
    template: str
    context: Context


@dataclass(frozen=True)
class Block:
    template: str
    context: dict[str, Any]


_sections: dict[str, Section] = {}


def register(section: Section) -> Section:
    if section.key in _sections and _sections[section.key] != section:
        raise ValueError(f"portal section {section.key!r} registered twice")
    _sections[section.key] = section
    return section


def unregister(key: str) -> None:
    _sections.pop(key, None)


def sections() -> list[Section]:
    return sorted(_sections.values(), key=lambda s: (s.order, s.key))


def blocks_for(learner: Learner, now: dt.datetime) -> list[Block]:
    """The blocks to show this learner now, each with its template and context."""
    shown = []
    for section in sections():
        context = section.context(learner, now)
        if context is not None:
            shown.append(Block(section.template, {"learner": learner, "now": now, **context}))
    return shown
