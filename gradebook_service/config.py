"""Every setting the gradebook reads: the shared ones and its own (its OIDC client, caches)."""

from __future__ import annotations

from shared.settings import SHARED_SETTINGS, Flag, Rate, ServiceSettings, Setting, Text, database_setting

SETTINGS = ServiceSettings("gradebook", (
    database_setting("gradebook"),
    *SHARED_SETTINGS,
    Setting("GRADEBOOK_OIDC_CLIENT_ID", Text(), None,
            "the gradebook's client at the IdP (`flask --app idp clients create …`); "
            "without it, no sign-in through the IdP"),
    Setting("GRADEBOOK_OIDC_CLIENT_SECRET", Text(), None, "that client's secret"),
    Setting("API_TOKEN_INTROSPECTION", Flag(), False,
            "ask the IdP (RFC 7662, with the gradebook's client) whether each API access token is "
            "still active, so a revoked token stops at once instead of at its expiry"),
    Setting("API_RATE_LIMIT_CLIENT", Rate(), "600 per minute",
            "API requests allowed per client application (all its users together)"),
    Setting("API_RATE_LIMIT_USER", Rate(), "120 per minute",
            "API requests allowed per user and client application"),
    Setting("REGISTER_FRAGMENT_CACHE", Flag(), True,
            "keep rendered register fragments in each process (keys change with the data)"),
))
