"""The notification settings (quiet hours, digest hour, Web Push keys), listed in config.py."""

from __future__ import annotations

from shared.settings import Int, Setting, Text

NOTIFICATION_SETTINGS = (
    Setting("NOTIFICATIONS_TIMEZONE", Text(), "Europe/Warsaw",
            "the time zone of quiet hours and of the daily digest"),
    Setting("NOTIFICATIONS_QUIET_FROM", Int(0, 23), 21,
            "the hour quiet hours begin: news waits until they end"),
    Setting("NOTIFICATIONS_QUIET_UNTIL", Int(0, 23), 7, "the hour quiet hours end"),
    Setting("NOTIFICATIONS_DIGEST_HOUR", Int(0, 23), 17,
            "from this hour the day's digest goes out (once a day, outside quiet hours)"),
    Setting("NOTIFICATIONS_VAPID_PRIVATE_KEY", Text(), None,
            "Web Push signing key (`flask --app gradebook_service notifications vapid-keys`); "
            "without it, no push"),
    Setting("NOTIFICATIONS_VAPID_PUBLIC_KEY", Text(), None,
            "its public key (the browser's applicationServerKey)"),
    Setting("NOTIFICATIONS_PUSH_HOSTS", Text(),
            "fcm.googleapis.com,updates.push.services.mozilla.com,*.push.apple.com,"
            "*.notify.windows.com",
            "push services a browser's subscription may point at (comma-separated, `*.` for "
            "subdomains); the server sends to these only"),
    Setting("NOTIFICATIONS_VAPID_SUBJECT", Text(), "mailto:admin@e-dziennik.local",
            "the contact push services see in the VAPID token (mailto: or https:)"),
)
