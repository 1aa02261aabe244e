"""The JSON API for other school apps (docs/architecture.md 5.5): an OAuth 2.0 resource server.

Bearer tokens are the IdP's RFC 9068 access tokens; a token reaches only the pupils
its user may see in the web UI (``accounts/access.py``). Responses are built from the
pydantic models in ``schemas.py``, which also give the OpenAPI document.
"""
