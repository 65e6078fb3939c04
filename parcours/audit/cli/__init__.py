"""The subcommands of `parcours audit`, one module each.

A subcommand is a module with `add_arguments(parser)` and `handle(command, **options)`,
listed in SUBCOMMANDS under its name: `pack` here; `readiness` and `mock` are added the
same way, each in its own module.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.management.base import BaseCommand, CommandParser


@dataclass(frozen=True)
class Subcommand:
    help: str
    add_arguments: Callable[[CommandParser], None]
    handle: Callable[..., None]


SUBCOMMANDS: dict[str, Subcommand] = {}


def subcommand(name: str, help: str, add_arguments: Callable[[Any], None]) -> Callable[..., Any]:
    def register(handle: Callable[..., None]) -> Callable[..., None]:
        SUBCOMMANDS[name] = Subcommand(help, add_arguments, handle)
        return handle

    return register


def run(command: BaseCommand, name: str, **options: Any) -> None:
    SUBCOMMANDS[name].handle(command, **options)
