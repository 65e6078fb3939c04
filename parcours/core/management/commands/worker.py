import signal
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import ngettext

from parcours.core import jobs


class Command(BaseCommand):
    help = (
        "Exécute les tâches de fond (envois, calculs, imports) en boucle, ou une fois avec --once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--once", action="store_true", help="exécuter ce qui est dû, puis s'arrêter"
        )
        parser.add_argument("--poll", type=float, default=None, help="secondes entre deux passages")

    def handle(self, *args: Any, once: bool, poll: float | None, **options: Any) -> None:
        stopping = False

        def stop_soon(signum: int, frame: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop_soon)
        signal.signal(signal.SIGINT, stop_soon)
        count = jobs.work(
            once=once,
            poll_seconds=poll or settings.WORKER_POLL_SECONDS,
            stop=lambda: stopping,
        )
        if once:
            self.stdout.write(
                ngettext("%(n)d tâche exécutée.", "%(n)d tâches exécutées.", count) % {"n": count}
            )
