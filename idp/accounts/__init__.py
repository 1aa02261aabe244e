"""The unified account: e-mail + own password, linked to school accounts; sessions at the IdP."""
