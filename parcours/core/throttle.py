"""Brakes on guessing: attempts counted per value (an address, a code grant) in Django's
cache.

The cache is shared by every process (the database cache by default, Redis with
CACHE_URL), so a limit holds whatever gunicorn worker answers and across restarts.

Each attempt takes the next free numbered slot of its value with `cache.add`, which is
atomic on every backend (an INSERT on the primary key of the database cache, SET NX on
Redis): two processes counting at once never take the same slot, so no attempt is lost,
unlike a read-then-write increment. Each slot lives `seconds`; the value is refused while
its slot number `attempts` is taken, that is for `seconds` after the attempt that
reached the limit.

Keys hash the value with the secret key: the cache never holds an address in clear.
"""

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


@dataclass(frozen=True)
class Limit:
    """At most `attempts` within `seconds`, per value, for one purpose (`name`)."""

    name: str
    attempts: int
    seconds: int

    def _key(self, value: str) -> str:
        digest = hashlib.sha256(f"{settings.SECRET_KEY}:{self.name}:{value}".encode()).hexdigest()
        return f"throttle:{self.name}:{digest[:40]}"

    def exceeded(self, value: str) -> bool:
        """True while the value has used up its attempts."""
        return cache.get(f"{self._key(value)}:{self.attempts}") is not None

    def hit(self, value: str) -> int:
        """Count one attempt; the value's number of attempts so far (at most limit + 1)."""
        key = self._key(value)
        slots = [f"{key}:{n}" for n in range(1, self.attempts + 1)]
        taken = cache.get_many(slots)
        for n in range(len(taken) + 1, self.attempts + 1):
            if cache.add(slots[n - 1], 1, self.seconds):
                return n
        return self.attempts + 1


def client_address(request: HttpRequest) -> str:
    """The address the request came from.

    Behind the reverse proxy (BEHIND_PROXY), REMOTE_ADDR is the proxy's own: the client's is
    the last X-Forwarded-For entry, the one the proxy appended (earlier ones are whatever
    the client chose to send)."""
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
        if forwarded:
            return forwarded
    return request.META.get("REMOTE_ADDR", "")
