"""The OpenID Connect provider: discovery, keys, authorization, tokens, userinfo, logout, consents.

Protocol code (``server``, ``fastpath``, ``tokens``, ``keys``, ``clients``,
``services`` …) knows nothing of views or the browser session; ``views`` and the
modules only it imports (``authorize``) are the HTTP side. The app factory
(``idp.create_app``) wires them together.
"""
