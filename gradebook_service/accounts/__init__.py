"""School-issued accounts: logins, passwords, first login, sign-in and who may see what."""
