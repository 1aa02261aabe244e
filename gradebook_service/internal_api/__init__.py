"""The back-channel API the IdP calls (DESIGN.md 5.3): verify school credentials."""
