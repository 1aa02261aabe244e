"""Wiadomości: threads between families and the school, with read receipts and attachments."""
