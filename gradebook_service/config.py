"""Every setting the gradebook reads: the shared ones and its own (its OIDC client, caches)."""

from __future__ import annotations

from shared.settings import SHARED_SETTINGS, Flag, ServiceSettings, Setting, Text, database_setting

SETTINGS = ServiceSettings("gradebook", (
    database_setting("gradebook"),
    *SHARED_SETTINGS,
    Setting("GRADEBOOK_OIDC_CLIENT_ID", Text(), None,
            "the gradebook's client at the IdP (`flask --app idp clients create …`); "
            "without it, no sign-in through the IdP"),
    Setting("GRADEBOOK_OIDC_CLIENT_SECRET", Text(), None, "that client's secret"),
    Setting("REGISTER_FRAGMENT_CACHE", Flag(), True,
            "keep rendered register fragments in each process (keys change with the data)"),
))
