"""The request context every register page starts from: below the domains, above the models.

Domain views and the home pages (``family/``, ``staff/``) import from here; nothing
here imports a domain's services or views, so the arrows run one way.
"""
