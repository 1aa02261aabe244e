"""Links between unified accounts and school accounts, proven through the gradebook's back-channel."""
