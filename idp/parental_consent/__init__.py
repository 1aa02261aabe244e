"""Parental consent for pupils' unified accounts: asked by mail, proven by the parent's school login."""
