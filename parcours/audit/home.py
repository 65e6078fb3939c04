"""The blocks of the auditor's home, as data: readiness, the last mock audit (registered by
the apps that compute them), the packs and the framework (audit's own).

A block is a template and a function giving its context from the request (None hides the
block); blocks are shown by `order`.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

ContextFn = Callable[[HttpRequest], dict[str, Any] | None]


@dataclass(frozen=True)
class Block:
    template_name: str
    context_fn: ContextFn
    order: int


_blocks: dict[str, Block] = {}


def register_block(template_name: str, context_fn: ContextFn, order: int = 100) -> None:
    """Add (or replace) a block of the auditor's home."""
    _blocks[template_name] = Block(template_name, context_fn, order)


def blocks_for(request: HttpRequest) -> list[tuple[str, dict[str, Any]]]:
    shown = []
    for block in sorted(_blocks.values(), key=lambda b: (b.order, b.template_name)):
        context = block.context_fn(request)
        if context is not None:
            shown.append((block.template_name, context))
    return shown
