"""A Pelican reader for seeds: raw article texts in plain text."""

from __future__ import annotations

import html
import logging
import os
import re
from datetime import datetime
from typing import ClassVar

from pelican.readers import BaseReader
from pelican.utils import SafeDatetime

from newsroom.articles import seeds

logger = logging.getLogger(__name__)
# Dates Pelican's get_date (dateutil) reads as datetime.fromisoformat does, 60 times
# slower: a date, or a date and a time to the minute or second.
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2})?)?")
DATES = ("date", "modified")


class SeedReader(BaseReader):
    """Reads ``.txt`` seeds; every character of the text is shown as written."""

    enabled = True
    file_extensions: ClassVar[list[str]] = ["txt"]

    def read(self, source_path: str) -> tuple[str, dict]:
        with open(source_path, "rb") as handle:
            raw = handle.read()
        try:
            seed = seeds.parse(seeds.decode(raw))
            metadata = self._metadata(seed, source_path)
        except ValueError as exc:
            # Pelican names the file but hides the reason unless in debug mode; say it here.
            logger.error("Skipping seed %s: %s", source_path, exc)
            raise seeds.SeedError(f"seed {source_path}: {exc}") from None
        return render_paragraphs(seed.paragraphs), metadata

    def _metadata(self, seed: seeds.Seed, source_path: str) -> dict:
        # Pelican treats titles as HTML; a seed's headline is plain text.
        metadata: dict = {"title": html.escape(seed.headline, quote=False), "seed": True}
        for key, value in seed.header.items():
            metadata[key] = _iso_date(value) if key in DATES else None
            if metadata[key] is None:
                metadata[key] = self.process_metadata(key, value)
        if "summary" in seed.header:
            metadata["summary"] = render_paragraphs([seed.header["summary"]])
        if "date" not in metadata:
            metadata["date"] = datetime.fromtimestamp(int(os.stat(source_path).st_mtime))
        if "summary" not in metadata and seed.paragraphs:
            metadata["summary"] = render_paragraphs(seed.paragraphs[:1])
        if seed.corrections:
            metadata["corrections"] = seed.corrections
        if seed.source:
            metadata["source"] = seed.source
        return metadata


def _iso_date(value: str) -> SafeDatetime | None:
    """What Pelican would make of an ISO date, made faster (None: leave it to Pelican)."""
    if not ISO_DATE.fullmatch(value):
        return None
    try:
        return SafeDatetime.fromisoformat(value)
    except ValueError:  # a day past the month's end: Pelican says so
        return None


def render_paragraphs(paragraphs: list[str]) -> str:
    return "\n".join(f"<p>{html.escape(text, quote=False)}</p>" for text in paragraphs)
