"""Comment texts that are worst cases for a Markdown renderer."""

# Texts that made Python-Markdown quadratic (runs of openers) or recurse once per level
# (nesting): each is shown as typed, not as markup, and renders in linear time (the load
# test in tests/service/test_hostile_load.py holds the service to that).
WORST_CASES = {
    "brackets": "[" * 5000,
    "bracket-backticks": "[`" * 2500,
    "asterisks": "*" * 5000,
    "underscores": "_" * 5000,
    "backticks": "`" * 5000,
    "link-openers": "[a](" * 1250,
    "less-than": "<" * 5000,
    "greater-than": ">" * 5000,
    "deep-list": "- " * 2500,
    "deep-quote": "> " * 2500,
    "deep-numbered-list": "1. " * 1666,
    "quote-lines": "\n".join(">" * n + " x" for n in range(1, 90)),
}
