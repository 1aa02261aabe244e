"""Code both services use: settings, database base, passwords, tokens, mail outbox, security.

Nothing here imports ``idp`` or ``gradebook_service``: the services depend on this
package, never the other way round.
"""
