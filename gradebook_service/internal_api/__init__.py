"""The back-channel API the IdP calls (docs/architecture.md 5.3): verify school credentials."""
