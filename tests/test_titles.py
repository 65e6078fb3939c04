"""Every page's browser title is text: no HTML tag, no escaped markup, no template code.

Each role of a demo-like organisation crawls from its home page along the links it is
shown (GET only, a few pages per view), and every URL pattern without parameters is
visited too; the title of each HTML page is checked.
"""

import re
from collections import deque
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404

from parcours.core.models import Organisation, Role
from tests import demo_support
from tests.demo_support import persona

built_demo, demo = demo_support.built_demo, demo_support.demo  # the module's fixtures

TITLE = re.compile(r"<title>(.*?)</title>", re.S)
SKIP = ("/admin/", "/deconnexion/", "/api/", "/xapi/")
DOWNLOADS = (".pdf", ".csv", ".xlsx", ".ics", ".json", ".png", ".svg")
PER_VIEW = 3  # pages visited per view (enough for every template, quick enough)


def static_paths() -> list[str]:
    """The project's URL patterns that take no parameter."""
    found: list[str] = []

    def walk(patterns: list, prefix: str) -> None:
        for p in patterns:
            route = str(p.pattern)
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + route)
            elif isinstance(p, URLPattern) and "<" not in route and not route.startswith("^"):
                found.append("/" + prefix + route)

    walk(get_resolver().url_patterns, "")
    return found


def check_title(path: str, html: str) -> str:
    head = html[: html.find("</head>")] if "</head>" in html else html
    match = TITLE.search(head)
    assert match, f"{path}: no <title>"
    title = match.group(1)
    assert title.strip(), f"{path}: empty title"
    for bad in ("<", ">", "&lt;", "&gt;", "{{", "{%"):
        assert bad not in title, f"{path}: title {title[:200]!r}"
    assert "\n" not in title.strip(), f"{path}: title on several lines {title[:200]!r}"
    return title


def crawl(client: Client, start: list[str]) -> dict[str, str]:
    """GET the pages reachable from `start` (same site), a few per view: {path: title}."""
    titles: dict[str, str] = {}
    per_view: dict[str, int] = {}
    queue = deque(start)
    seen = set(start)
    while queue:
        path = queue.popleft()
        try:
            view = resolve(path).view_name
        except Resolver404:
            continue
        if per_view.get(view, 0) >= PER_VIEW:
            continue
        per_view[view] = per_view.get(view, 0) + 1
        response = client.get(path)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        titles[path] = check_title(path, html)
        for href in re.findall(r'href="([^"#?]+)', html):
            url = urlsplit(href)
            if url.netloc or not url.path.startswith("/") or url.path in seen:
                continue
            if url.path.startswith(SKIP) or url.path.endswith(DOWNLOADS) or "/static/" in url.path:
                continue
            seen.add(url.path)
            queue.append(url.path)
    return titles


@pytest.mark.parametrize(
    "role", [Role.DIRECTION, Role.QUALITE, Role.SUIVI, Role.AUDITEUR, Role.TUTEUR, Role.APPRENANT]
)
def test_no_page_title_holds_markup(demo: Organisation, role: str) -> None:
    client = Client()
    client.force_login(persona(role))
    paths = [p for p in static_paths() if not p.startswith(SKIP) and not p.endswith(DOWNLOADS)]
    titles = crawl(client, ["/", *paths])
    assert len(titles) >= (40 if role in {Role.DIRECTION, Role.QUALITE, Role.SUIVI} else 4), titles
    if role in {Role.DIRECTION, Role.SUIVI, Role.AUDITEUR}:
        # The case page (whose title once held the calls table) was among them.
        assert any(resolve(p).url_name == "case_detail" for p in titles), sorted(titles)


def test_an_anonymous_visitor_gets_titled_pages_too(demo: Organisation) -> None:
    titles = crawl(Client(), ["/connexion/", "/mot-de-passe/oubli/"])
    assert "/connexion/" in titles
