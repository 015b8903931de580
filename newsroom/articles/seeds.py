"""Parse a seed: a raw article text as pasted from another site.

The format is in the README ("Seeds: raw texts"): an optional editor's header, the
headline, body paragraphs, an optional "Corrections & Amplifications" block, an optional
"Source :" line, and page chrome copied from the other site, which is dropped. Everything
is plain text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from newsroom.articles.corrections import Correction

MAX_HEADLINE_CHARS = 300

# Header lines an editor may put above the headline ("Date: 2018-08-27 09:30").
HEADER_KEYS = ("date", "modified", "category", "tags", "author", "slug", "lang", "summary")
_HEADER = re.compile(r"^(?P<key>[A-Za-z]+)[ \t]*:[ \t]*(?P<value>.*\S)[ \t]*$")

_CORRECTIONS_MARKER = re.compile(r"^corrections?(?:\s*(?:&|and)\s*amplifications?)?\s*:?$", re.I)
_SOURCE_MARKER = re.compile(r"^source\s*:\s*(?P<value>.*)$", re.I)

# Comment-form chrome of the site the text was copied from; the theme makes its own.
_CHROME = re.compile(
    r"""^(?:
        be\ the\ first\ to\ comment\b.*
      | \d+\ (?:comments?|responses?|replies)\b.*
      | (?:leave\ a\ (?:reply|comment)|write\ your\ comment|post\ a\ comment|add\ a\ comment
         |cancel\ reply|comments?|comments\ are\ closed|share\ this|like\ this|related
         |you\ must\ be\ logged\ in\ to\ post\ a\ comment)[.:!]?
      | this\ site\ uses\ akismet\ to\ reduce\ spam\b.*
    )$""",
    re.I | re.X,
)


class SeedError(ValueError):
    """A seed that cannot become an article; the message says why."""


@dataclass
class Seed:
    headline: str
    paragraphs: list[str]
    corrections: list[Correction] = field(default_factory=list)
    source: str = ""
    header: dict[str, str] = field(default_factory=dict)


def decode(raw: bytes) -> str:
    """Decode UTF-8 with or without a BOM; anything else is a SeedError."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SeedError(f"not UTF-8 text (byte {exc.start}: {raw[exc.start]:#04x})") from None


def parse(text: str) -> Seed:
    lines = [line.strip() for line in text.lstrip("\ufeff").splitlines()]
    header, lines = _split_header(lines)
    headline, lines = _split_headline(lines)
    paragraphs = _paragraphs(lines)
    corrections, source = _pop_notes(paragraphs)
    return Seed(
        headline=headline,
        paragraphs=[" ".join(p) for p in paragraphs],
        corrections=[Correction(text=text) for text in corrections],
        source=source,
        header=header,
    )


def split_notes(lines: list[str]) -> tuple[int, list[str], str]:
    """A text's trailing "Corrections & Amplifications" block and "Source :" line, found
    as a seed's are (its lines as plain text, blank between paragraphs): how many of its
    lines that are not blank are the body, the corrections' texts, and the source."""
    paragraphs = _paragraphs([line.strip() for line in lines])
    corrections, source = _pop_notes(paragraphs)
    return sum(map(len, paragraphs)), corrections, source


def _pop_notes(paragraphs: list[list[str]]) -> tuple[list[str], str]:
    """The copied page's chrome, then the source, then the corrections, taken off the
    end: (the corrections' texts, the source)."""
    while paragraphs and _is_chrome(paragraphs[-1]):
        paragraphs.pop()
    source = _pop_source(paragraphs)
    return [" ".join(p) for p in _pop_corrections(paragraphs)], source


def _split_header(lines: list[str]) -> tuple[dict[str, str], list[str]]:
    header: dict[str, str] = {}
    for index, line in enumerate(lines):
        match = _HEADER.match(line)
        if not line and not header:
            continue
        if not match or match["key"].lower() not in HEADER_KEYS:
            return header, lines[index:]
        header[match["key"].lower()] = match["value"]
    return header, []


def _split_headline(lines: list[str]) -> tuple[str, list[str]]:
    for index, line in enumerate(lines):
        if not line:
            continue
        if len(line) > MAX_HEADLINE_CHARS:
            raise SeedError(
                f"no usable headline: the first line has {len(line)} characters "
                f"(at most {MAX_HEADLINE_CHARS})"
            )
        if not any(char.isalnum() for char in line) or _CHROME.match(line):
            raise SeedError(f"no usable headline: {line[:60]!r}")
        return line, lines[index + 1 :]
    raise SeedError("no usable headline: the file has no text")


def _paragraphs(lines: list[str]) -> list[list[str]]:
    """Group lines into paragraphs; a marker line always stands alone."""
    paragraphs: list[list[str]] = []
    current: list[str] = []
    for line in lines:
        if line and not _is_marker(line):
            current.append(line)
            continue
        if current:
            paragraphs.append(current)
            current = []
        if line:
            paragraphs.append([line])
    if current:
        paragraphs.append(current)
    return paragraphs


def _is_marker(line: str) -> bool:
    return bool(_CORRECTIONS_MARKER.match(line) or _SOURCE_MARKER.match(line))


def _is_chrome(paragraph: list[str]) -> bool:
    return all(_CHROME.match(line) for line in paragraph)


def _pop_source(paragraphs: list[list[str]]) -> str:
    """Take a trailing "Source :" footer off the end: the marker, then at most its value."""
    tail = [i for i, p in enumerate(paragraphs) if not _is_chrome(p)][-2:]
    for index in reversed(tail):
        match = _SOURCE_MARKER.match(paragraphs[index][0])
        if not match or len(paragraphs[index]) != 1:
            continue
        after = [" ".join(p) for p in paragraphs[index + 1 :] if not _is_chrome(p)]
        source = match["value"].strip()
        if after and (source or len(after[0]) > MAX_HEADLINE_CHARS):
            return ""  # body text follows: this "Source:" is part of the article
        del paragraphs[index:]
        return source or "".join(after)
    return ""


def _pop_corrections(paragraphs: list[list[str]]) -> list[list[str]]:
    for index in range(len(paragraphs) - 1, -1, -1):
        if len(paragraphs[index]) == 1 and _CORRECTIONS_MARKER.match(paragraphs[index][0]):
            corrections = paragraphs[index + 1 :]
            del paragraphs[index:]
            return corrections
    return []
