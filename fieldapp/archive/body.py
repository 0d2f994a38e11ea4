"""The readable part of an archive file, sealed: what a person reads is held to the data it shows.

Two checks, from weaker to stronger:

- the *body digest*: SHA-256 of the canonical form of everything outside the
  embedded data — every tag, attribute, style sheet and text, with each
  embedded image's base64 left out (the photo check holds those bytes to their
  recorded hash). The exporter writes it into the seal, so any change to the
  page made without the tool (a 待整改 edited to 已销号) no longer matches.
- the *re-rendering*: when the verifying program renders archives exactly as
  the exporting one did (same `renderer` fingerprint), the body is rendered
  again from the embedded data and compared text by text. The page is then
  proven to be the rendering of data that is itself held to the audit chain, and
  the first differing text is named.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path

from .. import paths

DATA_ID = "archive-data"


class Canonical(HTMLParser):
    """Walk an archive's HTML outside the embedded data; hash its canonical form and keep its texts."""

    def __init__(self, keep_texts: bool = False):
        super().__init__(convert_charrefs=True)
        self.digest = hashlib.sha256()
        self.keep_texts = keep_texts
        self.texts: list[str] = []
        self.depth = 0  # inside <template id="archive-data">
        self._pending: list[
            str
        ] = []  # one run of text may arrive in pieces, however the HTML was fed

    def _add(self, kind: str, value: str) -> None:
        if self._pending:
            text, self._pending = "".join(self._pending), []
            self.digest.update(f"t\x00{text}\x01".encode())
            if self.keep_texts and text.strip():
                self.texts.append(" ".join(text.split()))
        if kind:
            self.digest.update(f"{kind}\x00{value}\x01".encode())

    def close(self):
        super().close()
        self._add("", "")

    def _tag(self, tag: str, attrs) -> str:
        # An embedded picture's bytes are checked against their own hash; the rest of the tag counts here.
        kept = [
            (k, v)
            for k, v in attrs
            if not (tag == "img" and k == "src" and (v or "").startswith("data:"))
        ]
        return tag + "".join(f" {k}={v!r}" for k, v in kept)

    def handle_starttag(self, tag, attrs):
        if tag == "template" and (self.depth or dict(attrs).get("id") == DATA_ID):
            self._add("", "")
            self.depth += 1
            return
        if not self.depth:
            self._add("<", self._tag(tag, attrs))

    def handle_startendtag(self, tag, attrs):
        if not self.depth:
            self._add("</", self._tag(tag, attrs))

    def handle_endtag(self, tag):
        if self.depth:
            if tag == "template":
                self.depth -= 1
            return
        self._add(">", tag)

    def handle_data(self, data):
        if not self.depth:
            self._pending.append(data)

    def handle_comment(self, data):
        if not self.depth:
            self._add("!", data)

    def handle_decl(self, decl):
        self._add("d", decl)

    def handle_pi(self, data):
        self._add("?", data)

    def unknown_decl(self, data):
        self._add("u", data)


def canonical(chunks, *, keep_texts: bool = False) -> Canonical:
    """Feed HTML text through the canonical walk; return the walker (digest, texts).

    Feed a document whole (one chunk): html.parser may take a tag cut between
    two chunks for text, so the same page fed in other pieces could walk differently.
    """
    walker = Canonical(keep_texts)
    for chunk in chunks:
        walker.feed(chunk)
    walker.close()
    return walker


@lru_cache(maxsize=1)
def renderer() -> str:
    """A fingerprint of how this program renders archives: the templates, style sheet and render code.

    Labels (state words, flag texts …) live in code that render.py reads; they
    are hashed in through the context's vocabulary, see `render.vocabulary`.
    """
    from . import render

    digest = hashlib.sha256()
    files = [
        *sorted((paths.TEMPLATES_DIR / "archive").glob("*.html")),
        paths.STATIC_DIR / "css" / "archive.css",
        Path(render.__file__),
    ]
    for path in files:
        digest.update(path.name.encode() + b"\x00" + path.read_bytes() + b"\x01")
    digest.update(render.vocabulary().encode())
    return digest.hexdigest()


@dataclass
class Seal:
    """What the exporter records about the readable part (kept in the document's seal under "body")."""

    sha256: str
    renderer: str

    def as_dict(self) -> dict:
        return {"sha256": self.sha256, "renderer": self.renderer}


@dataclass
class Comparison:
    problems: list[str] = field(default_factory=list)
    digest_checked: bool = False
    rerendered: bool = False
    note: str = ""


def first_difference(shown: list[str], expected: list[str]) -> str:
    """Name the first text where the page departs from the data's rendering."""
    for n, (a, b) in enumerate(zip(shown, expected), 1):
        if a != b:
            return f"第 {n} 段文字为“{_clip(a)}”，按内嵌数据应为“{_clip(b)}”"
    if len(shown) > len(expected):
        return f"多出文字“{_clip(shown[len(expected)])}”"
    if len(shown) < len(expected):
        return f"缺少文字“{_clip(expected[len(shown)])}”"
    return "文字相同，但标签、属性或样式不同"


def _clip(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit] + "…"
