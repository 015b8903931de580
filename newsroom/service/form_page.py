"""HTML answers for readers without JavaScript: the form again, with errors and their text.

Everything the reader typed is escaped; the page uses the site's own stylesheet.
"""

from __future__ import annotations

from html import escape

LABELS = {
    "author": ("Name", "text", "name"),
    "email": ("Email (never published)", "email", "email"),
    "url": ("Website (optional)", "url", "url"),
}


def page(
    action: str,
    values: dict,
    errors: dict[str, str],
    title: str = "",
    back: str = "",
) -> str:
    heading = "Your comment needs a change" if errors else "Reply"
    about = f" on “{escape(title)}”" if title else ""
    general = [message for field, message in errors.items() if field not in (*LABELS, "body")]
    summary = "".join(f"<li>{escape(message)}</li>" for message in general)
    fields = "".join(_field(name, values, errors) for name in LABELS)
    back_link = f'<p><a href="{escape(back)}">Back to the article</a></p>' if back else ""
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{heading} · Comments</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/theme/css/site.css">
</head>
<body>
<main id="main" class="wrap">
<section id="comments" class="comments">
<h1>{heading}{about}</h1>
{f'<ul class="notice error" role="alert">{summary}</ul>' if summary else ""}
<form id="comment-form" class="comment-form" method="post" action="{escape(action)}">
<input type="hidden" name="thread" value="{escape(values.get("thread", ""))}">
<input type="hidden" name="parent" value="{escape(str(values.get("parent") or ""))}">
{fields}
<p class="field"><label for="comment-body">Comment</label>
<textarea id="comment-body" name="body" required rows="8" maxlength="5000"{_invalid("body", errors)}>{escape(values.get("body", ""))}</textarea>{_error("body", errors)}</p>
<p class="hp" aria-hidden="true"><label for="comment-nickname">Leave this field empty</label>
<input id="comment-nickname" name="nickname" type="text" tabindex="-1" autocomplete="off"></p>
<p class="actions"><button type="submit">Post comment</button></p>
<p class="akismet-notice">This site uses Akismet to reduce spam. <a href="https://akismet.com/privacy/" rel="nofollow noopener">Learn how your comment data is processed.</a></p>
</form>
{back_link}
</section>
</main>
</body>
</html>
"""  # noqa: E501


def _field(name: str, values: dict, errors: dict) -> str:
    label, kind, complete = LABELS[name]
    value = escape(str(values.get(name, "")))
    required = "" if name == "url" else " required"
    return (
        f'<p class="field"><label for="comment-{name}">{escape(label)}</label>'
        f'<input id="comment-{name}" name="{name}" type="{kind}" value="{value}"'
        f' autocomplete="{complete}"{required}{_invalid(name, errors)}>'
        f"{_error(name, errors)}</p>\n"
    )


def _invalid(name: str, errors: dict) -> str:
    if name not in errors:
        return ""
    return f' aria-invalid="true" aria-describedby="comment-{name}-error"'


def _error(name: str, errors: dict) -> str:
    if name not in errors:
        return ""
    return f'<span class="field-error" id="comment-{name}-error">{escape(errors[name])}</span>'
