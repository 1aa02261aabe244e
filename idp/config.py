"""Every setting the IdP reads: the shared ones and its own (protocol lifetimes, rate limits)."""

from __future__ import annotations

from shared.settings import (
    SHARED_SETTINGS,
    Choice,
    Int,
    Rate,
    Seconds,
    ServiceSettings,
    Setting,
    Timeouts,
    database_setting,
)

#: Mail-sending actions capped per address and per client address (``idp/accounts/throttle.py``),
#: with their defaults (per address, per client address).
MAIL_ACTIONS = {
    "REGISTER": ("5 per hour", "20 per hour", "registration mails"),
    "RESEND": ("3 per hour", "20 per hour", "resent activation mails"),
    "RECOVERY": ("3 per hour", "20 per hour", "password-recovery mails"),
    "CONSENT_REQUEST": ("3 per day", "20 per hour", "parental-consent requests"),
    "EMAIL_CHANGE": ("3 per hour", "20 per hour", "e-mail change confirmations"),
}

SETTINGS = ServiceSettings("idp", (
    database_setting("idp"),
    *SHARED_SETTINGS,
    Setting("OIDC_CODE_LIFETIME", Int(30, 600), 90,
            "seconds an authorization code stays valid (OIDC checklist: 60 s – 10 min)"),
    Setting("OIDC_ACCESS_TOKEN_LIFETIME", Int(60, 86400), 600, "seconds an access token lives"),
    Setting("OIDC_ID_TOKEN_LIFETIME", Int(60, 86400), 3600, "seconds an ID token lives"),
    Setting("OIDC_REFRESH_TOKEN_LIFETIME", Int(3600, 365 * 86400), 30 * 86400,
            "seconds a refresh token lives (each use rotates it)"),
    #: RS256 is what every resource server supports (RFC 9068 §4); ES256 signs ~10x faster.
    Setting("OIDC_ACCESS_TOKEN_ALG", Choice(("RS256", "ES256")), "RS256",
            "signature algorithm of access tokens for resource servers outside the project"),
    #: The project's own resource servers (UserInfo, the gradebook's API and internal API,
    #: first-party clients) all verify ES256, which signs ~10x cheaper than RS256.
    Setting("OIDC_OWN_ACCESS_TOKEN_ALG", Choice(("RS256", "ES256")), "ES256",
            "signature algorithm of access tokens whose every audience is one of the "
            "project's own resource servers"),
    Setting("OIDC_KEY_CHECK_SECONDS", Seconds(0, 3600), 2.0,
            "how often a process re-reads the signing key ids (another node may have rotated)"),
    Setting("OIDC_KEY_GRACE_SLACK", Int(0, 86400), 300,
            "seconds a rotated key stays published beyond the longest token lifetime"),
    Setting("LOGIN_RATE_LIMIT", Rate(), "30 per minute", "sign-in form posts per client address"),
    Setting("REGISTER_RATE_LIMIT", Rate(), "10 per minute",
            "registration form posts per client address"),
    Setting("CONSENT_RATE_LIMIT", Rate(), "10 per minute",
            "parental-consent form posts per client address"),
    Setting("RECOVERY_RATE_LIMIT", Rate(), "10 per minute",
            "password-recovery form posts per client address"),
    Setting("SETTINGS_RATE_LIMIT", Rate(), "20 per minute",
            "account-settings changes per client address"),
    *(setting for action, (per_address, per_ip, what) in MAIL_ACTIONS.items() for setting in (
        Setting(f"{action}_LIMIT_PER_ADDRESS", Rate(), per_address, f"{what} per e-mail address"),
        Setting(f"{action}_LIMIT_PER_IP", Rate(), per_ip, f"{what} per client address"))),
    Setting("PARENTAL_CONSENT_AGE", Int(13, 18), 16,
            "from this age a pupil registers without a parent's consent (GDPR art. 8; 16 in Poland)"),
    #: A slow gradebook must not hold a registration page for long.
    Setting("BACKCHANNEL_TIMEOUT", Timeouts(60), (3.05, 8.0),
            "connect and read timeouts of the school-credentials check at the gradebook"),
))
