"""HTML answers for readers without JavaScript: the comment form again, with errors and
the text they typed (escaped), in the site's own stylesheet. The form itself is the
template the article pages include (newsroom/comments/templates/comment_form.html)."""

from __future__ import annotations

import functools
import os
from typing import TYPE_CHECKING

from newsroom.comments import FORM_TEMPLATES
from newsroom.comments.model import POSTED
from newsroom.service.intake import ticked

if TYPE_CHECKING:
    import jinja2

TEMPLATES = (os.path.join(os.path.dirname(__file__), "templates"), FORM_TEMPLATES)
# Errors shown beside their field; any other goes in the list at the top.
BOXES = tuple(field.name for field in POSTED if field.input == "checkbox")
IN_PLACE = frozenset(field.name for field in POSTED if field.input not in ("hidden", "honeypot"))


@functools.cache
def _environment() -> jinja2.Environment:
    import jinja2  # only form pages need it: a cold start does not pay for it

    loader = jinja2.FileSystemLoader(TEMPLATES)
    environment = jinja2.Environment(loader=loader, autoescape=True)
    environment.globals["comment_fields"] = POSTED
    return environment


def page(
    action: str,
    values: dict[str, str],
    errors: dict[str, str],
    title: str = "",
    back: str = "",
    heading: str = "",
) -> str:
    # A box as it was posted: "off" or "false" leaves it unticked.
    boxes = {name: "on" if ticked(values[name]) else "" for name in BOXES if name in values}
    values = {**values, **boxes}
    form = {
        "action": action,
        "thread": values.get("thread", ""),
        "parent": values.get("parent") or "",
        "title": "",
        "values": values,
        "errors": errors,
    }
    return (
        _environment()
        .get_template("form_page.html")
        .render(
            heading=heading or ("Your comment needs a change" if errors else "Reply"),
            title=title,
            back=back,
            general=[message for name, message in errors.items() if name not in IN_PLACE],
            comment_form=form,
        )
    )
