"""Passkeys (WebAuthn) of unified accounts: enrol, sign in without a password, revoke."""
