"""Registration of unified accounts with a school login, activation by mail."""
