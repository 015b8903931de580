"""Comments: the model, its text, threads, settings, Akismet, the store and mail.

Imports neither Pelican nor Starlette: the service, the site and the command build on it.
"""

import os

# The comment form (comment_form.html), shared by the theme and the service's form page.
FORM_TEMPLATES = os.path.join(os.path.dirname(__file__), "templates")
