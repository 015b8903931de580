"""Values remembered from one build to the next by the articles' fingerprints."""

import logging

from newsroom.site.remembered import Remembered


def _made(log: list, value):
    def make():
        log.append(value)
        return value

    return make


def test_a_value_is_made_once_and_remembered_by_the_next_build(tmp_path):
    folder, made = str(tmp_path / "values"), []
    first = Remembered(folder, b"site", load=True)
    assert first.get(b"\x01a", _made(made, "A")) == "A"
    assert first.get(b"\x02b", _made(made, "B")) == "B"
    first.save()
    second = Remembered(folder, b"site", load=True)
    assert second.get(b"\x01a", _made(made, "A again")) == "A"
    assert second.get(b"\x03c", _made(made, "C")) == "C"
    second.save()  # b is not asked for: forgotten
    third = Remembered(folder, b"site", load=True)
    assert third.get(b"\x02b", _made(made, "B again")) == "B again"
    assert made == ["A", "B", "C", "B again"]


def test_another_site_or_no_loading_forgets_everything(tmp_path):
    folder, made = str(tmp_path / "values"), []
    first = Remembered(folder, b"site", load=True)
    first.get(b"\x01a", _made(made, "A"))
    first.save()
    Remembered(folder, b"other settings", load=True).get(b"\x01a", _made(made, "other"))
    Remembered(folder, b"site", load=False).get(b"\x01a", _made(made, "ignored"))
    assert made == ["A", "other", "ignored"]


def test_an_unreadable_shard_is_a_warning_and_everything_is_made_again(tmp_path, caplog):
    folder, made = tmp_path / "values", []
    first = Remembered(str(folder), b"site", load=True)
    first.get(b"\x01a", _made(made, "A"))
    first.save()
    (folder / "01.pickle").write_bytes(b"not a pickle")
    with caplog.at_level(logging.WARNING):
        again = Remembered(str(folder), b"site", load=True)
    assert again.get(b"\x01a", _made(made, "A again")) == "A again"
    assert "could not be read" in caplog.text
