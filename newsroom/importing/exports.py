"""An export file read as a stream of XML events, safely, whatever system wrote it.

The file is parsed with defusedxml: a document type, an entity declaration or an
external reference is refused, so a crafted export cannot expand to gigabytes or read a
local file. Control characters XML forbids, which WordPress exports anyway (pasted
text), are read as spaces, as WordPress's own importer makes them (its
XML_Character_Filter). Whatever goes wrong is one ExportError naming the file and, for
XML that is not well formed, the line and column.
"""

from __future__ import annotations

import pyexpat
from collections.abc import Iterator
from typing import BinaryIO
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException, DTDForbidden
from defusedxml.ElementTree import iterparse

CONTROLS = bytes(range(0x20)).translate(None, b"\t\n\r") + b"\x7f"
_SPACES = bytes.maketrans(CONTROLS, b" " * len(CONTROLS))


class ExportError(Exception):
    """An export that cannot be read: the file, the line where it went wrong, and why."""


def events(path: str, kind: str) -> Iterator[tuple[str, Element]]:
    """The file's ``start`` and ``end`` events. ``kind`` names what it should be ("a
    WordPress export"), for the error a refused file gets."""
    try:
        with open(path, "rb") as file:
            yield from iterparse(_Filtered(file), events=("start", "end"), forbid_dtd=True)
    except ParseError as exc:
        line, column = getattr(exc, "position", (0, 0))
        where = f"{path}, line {line}, column {column}"
        raise ExportError(f"{where}: not well-formed XML ({_why(exc)})") from None
    except DefusedXmlException as exc:
        raise ExportError(f"{path}: refused: {exc} ({kind} has none)") from None
    except OSError as exc:
        raise ExportError(f"{path}: cannot be read: {exc.strerror or exc}") from None


def values(
    path: str, kind: str, names: frozenset[str], root: str
) -> Iterator[tuple[str, str, str]]:
    """The namespace, local name and text of each element whose local name is in
    ``names``, in the file's order, in a quick pass that builds nothing else (expat's own
    callbacks; a document type is refused as defusedxml refuses it, so no entity can be
    declared). For a first pass over a whole export: it is read to its end, or the
    ExportError says where it broke; its root element must be ``root``."""
    found: list[tuple[str, str, str]] = []
    parser = pyexpat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True
    text: list[str] = []
    opened: list[bool] = []

    def start(tag: str, _attributes: object) -> None:
        if not opened and tag.rpartition(" ")[2] != root:
            raise ExportError(f"{path}: not {kind} (its root is <{tag.rpartition(' ')[2]}>)")
        opened.append(True)
        text.clear()

    def end(tag: str) -> None:
        namespace, _, name = tag.rpartition(" ")
        if name in names:
            found.append((namespace, name, "".join(text).strip()))
        text.clear()

    def refuse(name: str, system_id: str | None, public_id: str | None, _subset: int) -> None:
        raise DTDForbidden(name, system_id, public_id)

    parser.StartElementHandler, parser.EndElementHandler = start, end
    parser.CharacterDataHandler = text.append
    parser.StartDoctypeDeclHandler = refuse
    try:
        with open(path, "rb") as file:
            source = _Filtered(file)
            while chunk := source.read(1 << 20):
                parser.Parse(chunk, False)
                yield from found
                found.clear()
            parser.Parse(b"", True)
            yield from found
    except pyexpat.ExpatError as exc:
        where = f"{path}, line {exc.lineno}, column {exc.offset}"
        reason = pyexpat.ErrorString(exc.code)
        raise ExportError(f"{where}: not well-formed XML ({reason})") from None
    except DefusedXmlException as exc:
        raise ExportError(f"{path}: refused: {exc} ({kind} has none)") from None
    except OSError as exc:
        raise ExportError(f"{path}: cannot be read: {exc.strerror or exc}") from None


def local(tag: str) -> str:
    """An element's name without its namespace."""
    return tag.rpartition("}")[2]


def text(element: Element | None) -> str:
    return (element.text or "").strip() if element is not None else ""


class _Filtered:
    """The bytes with XML's forbidden control characters made spaces (they are single
    bytes in UTF-8, never part of another character)."""

    def __init__(self, file: BinaryIO):
        self.file = file

    def read(self, size: int = -1) -> bytes:
        return self.file.read(size).translate(_SPACES)


def _why(exc: ParseError) -> str:
    return str(exc).split(":")[0]
