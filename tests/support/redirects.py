"""The open-redirect corpus every ``next`` of both services is tested with."""

from __future__ import annotations

from urllib.parse import urlsplit

#: Targets a browser would follow to another host (or treat as script), each refused.
FOREIGN_TARGETS = (
    "http:/evil.example/x", "http:///evil.example/x", "https:evil.example", "HTTP://evil.example",
    "https://evil.example/", "//evil.example", "///evil.example", "/\\evil.example",
    "\\\\evil.example", "\\/evil.example", "/\t/evil.example", "/\n/evil.example",
    "/\r\n/evil.example", " //evil.example", "\t//evil.example", "//\tevil.example",
    "/%2Fevil.example", "/%2f/evil.example", "%2F%2Fevil.example", "/%5Cevil.example",
    "/%09/evil.example", "/\x00/evil.example", "/\u3000/evil.example", "/\u2028/evil.example",
    "javascript:alert(1)", "data:text/html,x", "evil.example", "@evil.example",
    "/" + "a" * 3000,
)

#: Paths on the site itself, each kept as given.
LOCAL_TARGETS = ("/", "/family/", "/p?q=a%20b&r=https%3A%2F%2Fx.example%2F", "/zażółć")


def lands_on_this_site(location: str) -> bool:
    """True if a ``Location`` header stays on the answering host (relative, one leading slash)."""
    parts = urlsplit(location)
    return (not parts.scheme and not parts.netloc and location.startswith("/")
            and not location.startswith(("//", "/\\")) and "\\" not in location
            and all(c.isprintable() and not c.isspace() for c in location))
