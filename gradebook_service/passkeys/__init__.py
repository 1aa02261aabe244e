"""Passkeys (WebAuthn) for school accounts: a phishing-resistant second factor or sign-in."""
