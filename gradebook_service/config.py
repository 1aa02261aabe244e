"""Every setting the gradebook reads: the shared ones and its own (its OIDC client, caches)."""

from __future__ import annotations

from gradebook_service.notifications.settings import NOTIFICATION_SETTINGS
from shared.settings import (
    SHARED_SETTINGS,
    Flag,
    Int,
    Rate,
    ServiceSettings,
    Setting,
    Text,
    database_setting,
)

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
    Setting("MESSAGE_ATTACHMENT_MAX_BYTES", Int(1, 100 * 1024 * 1024), 10 * 1024 * 1024,
            "the largest file a message may carry, in bytes"),
    Setting("MESSAGE_ATTACHMENT_TYPES", Text(), "pdf,jpg,jpeg,png,gif,txt,docx,xlsx,odt,ods,doc,xls",
            "file extensions a message may carry (the file's first bytes must match)"),
    Setting("MESSAGE_ATTACHMENT_DIR", Text(), None,
            "where message attachments are stored, outside the web root",
            shown_default="`instance/attachments`"),
    *NOTIFICATION_SETTINGS,
))
