"""Follow every same-origin link, hx-get and GET form a signed-in user meets, and record what answered how.

URLs are grouped by pattern: ids, hashes and tokens in the path stand for their kind,
and a query by the names of its parameters. Each pattern is visited a few times and
each path (its filters and pages together) a dozen, so the crawl stays bounded
without skipping a kind of page. URLs given as `must` are always visited.
"""

from __future__ import annotations

import re
import time
import traceback
from collections import Counter, deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_SHA = re.compile(r"^[0-9a-f]{64}$")
SKIP_PREFIXES = ("/static/",)


class _Links(HTMLParser):
    """Links, hx-gets, and GET forms submitted as they stand (each formaction too)."""

    def __init__(self):
        super().__init__()
        self.links: list[tuple[str, bool]] = []
        self.form: dict | None = None
        self.select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append((a["href"], False))
        if a.get("hx-get"):
            self.links.append((a["hx-get"], True))
        if tag == "form" and (a.get("method") or "get").lower() == "get":
            self.form = {"actions": [a.get("action") or ""], "fields": []}
        if self.form is None:
            return
        if tag == "button" and a.get("formaction"):
            self.form["actions"].append(a["formaction"])
        elif tag == "input" and a.get("name") and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") not in ("checkbox", "radio") or "checked" in a:
                self.form["fields"].append((a["name"], a.get("value") or ""))
        elif tag == "select" and a.get("name"):
            self.select = a["name"]
            self.form["fields"].append(
                (a["name"], None)
            )  # the first option, unless one is selected
        elif tag == "option" and self.select:
            name, value = self.form["fields"][-1]
            if value is None or "selected" in a:
                self.form["fields"][-1] = (name, a.get("value") or "")

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None
        if tag == "form" and self.form is not None:
            query = urlencode([(k, v or "") for k, v in self.form["fields"]])
            for action in dict.fromkeys(self.form["actions"]):
                self.links.append((action.split("?")[0] + (f"?{query}" if query else ""), False))
            self.form = None


def links(html: str) -> list[tuple[str, bool]]:
    """(url, is an hx-get) for every link and hx-get on a page."""
    parser = _Links()
    parser.feed(html)
    return parser.links


def pattern(url: str) -> str:
    """The kind of page a URL is: path ids and tokens, page numbers and free text stand for their kind."""
    parts = urlsplit(url)
    segments = []
    for i, seg in enumerate(parts.path.split("/")):
        before = parts.path.split("/")[i - 1] if i else ""
        if seg.isdigit():
            seg = "{n}"
        elif _UUID.match(seg):
            seg = "{uuid}"
        elif _SHA.match(seg):
            seg = "{sha}"
        elif before == "q" or (len(seg) >= 16 and any(c.isdigit() for c in seg)):
            seg = "{token}"
        segments.append(seg)
    keys = sorted({key for key, _ in parse_qsl(parts.query, keep_blank_values=True)})
    return "/".join(segments) + ("?" + "&".join(keys) if keys else "")


@dataclass
class Visit:
    url: str
    status: int
    ms: float
    hx: bool


@dataclass
class Crawl:
    """One signed-in client's crawl: what it visited, and what failed (5xx or an exception)."""

    client: object
    per_pattern: int = 3
    per_path: int = 12
    visited: list[Visit] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    kinds: Counter = field(default_factory=Counter)
    paths: Counter = field(default_factory=Counter)

    def run(self, seeds: list[str], must: list[str] = ()) -> Crawl:
        queue = deque([(u, False, True) for u in must] + [(u, False, False) for u in seeds])
        while queue:
            url, hx, forced = queue.popleft()
            kind = pattern(url)
            path = kind.split("?")[0]
            if url in self.seen or (
                not forced
                and (self.kinds[kind] >= self.per_pattern or self.paths[path] >= self.per_path)
            ):
                continue
            self.seen.add(url)
            self.kinds[kind] += 1
            self.paths[path] += 1
            for found, found_hx in self._get(url, hx):
                queue.append((found, found_hx, False))
        return self

    def _get(self, url: str, hx: bool) -> list[tuple[str, bool]]:
        t = time.perf_counter()
        try:
            resp = self.client.get(url, headers={"HX-Request": "true"} if hx else {})
        except Exception:  # a template error or any other exception the app let through
            self.failures.append(f"{url}: {traceback.format_exc(limit=-3)}")
            return []
        try:
            body = resp.get_data(as_text=True) if resp.mimetype == "text/html" else ""
        finally:
            resp.close()
        self.visited.append(Visit(url, resp.status_code, (time.perf_counter() - t) * 1000, hx))
        if resp.status_code >= 500:
            self.failures.append(f"{url}: {resp.status_code}")
        out = []
        for href, is_hx in links(body):
            target = urljoin(url, href)
            parts = urlsplit(target)
            if parts.scheme not in ("", "http") or parts.netloc not in ("", "localhost"):
                continue  # another origin
            path = parts.path + (
                f"?{urlencode(parse_qsl(parts.query, keep_blank_values=True))}"
                if parts.query
                else ""
            )
            if not path.startswith(SKIP_PREFIXES):
                out.append((path, is_hx))
        return out

    def statuses(self) -> Counter:
        return Counter(v.status for v in self.visited)
