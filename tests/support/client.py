"""A Flask test client that posts forms the way a browser does: with the page's CSRF token.

CSRF protection stays on in tests. After each response the client remembers the
last ``csrf_token`` it saw in a page; a POST of form data without one gets it, as
a browser submitting that page would. Pass ``csrf_token=""`` to test a forged post.
"""

from __future__ import annotations

import re

from flask.testing import FlaskClient

_TOKEN = re.compile(rb'name="csrf_token"[^>]*value="([^"]+)"')


class BrowserLikeClient(FlaskClient):
    """Remember CSRF tokens from pages and send them with form posts."""

    last_csrf_token: str | None = None

    def open(self, *args, **kwargs):
        data = kwargs.get("data")
        method = (kwargs.get("method") or "GET").upper()
        if method == "POST" and isinstance(data, dict) and "csrf_token" not in data \
                and self.last_csrf_token and kwargs.get("json") is None:
            kwargs["data"] = {**data, "csrf_token": self.last_csrf_token}
        response = super().open(*args, **kwargs)
        # The test client's responses are always "streamed" until read; pages are small.
        if response.mimetype == "text/html" and not response.direct_passthrough:
            match = _TOKEN.search(response.get_data())
            if match:
                self.last_csrf_token = match.group(1).decode()
        return response
