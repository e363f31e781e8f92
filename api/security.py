"""Security headers for every response, including a script-src with no inline script.

Dash renders a few inline scripts (its config and clientside callbacks); their
hashes come from ``app.csp_hashes()``, so the policy still forbids every other
inline script. Only the embeddable pages may be framed, and only by the
origins in ``STATROOM_FRAME_ANCESTORS``.
"""

from __future__ import annotations

import flask

#: Pages a city website may embed in an iframe.
EMBEDDABLE_PREFIXES = ("/kiosk", "/public")


def content_security_policy(script_hashes, frame_ancestors: str) -> str:
    directives = {
        "default-src": "'self'",
        "script-src": " ".join(["'self'", *script_hashes]),
        # Plotly and React set element styles at run time; styles cannot run code.
        "style-src": "'self' 'unsafe-inline'",
        "img-src": "'self' data: blob:",
        "font-src": "'self' data:",
        "connect-src": "'self'",
        "worker-src": "'self' blob:",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": frame_ancestors,
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def install(server: flask.Flask, script_hashes, allowed_frame_origins) -> None:
    """Add the headers to every response ``server`` sends.

    ``script_hashes`` is a callable: Dash adds its own clientside callbacks while it
    sets up on the first request, so the hashes are taken then, once.
    """
    embeddable = " ".join(["'self'", *allowed_frame_origins])
    policies: dict[bool, str] = {}

    def policy(can_embed: bool) -> str:
        if not policies:
            hashes = script_hashes()
            policies[True] = content_security_policy(hashes, embeddable)
            policies[False] = content_security_policy(hashes, "'none'")
        return policies[can_embed]

    @server.after_request
    def security_headers(response: flask.Response) -> flask.Response:
        can_embed = flask.request.path.startswith(EMBEDDABLE_PREFIXES)
        response.headers["Content-Security-Policy"] = policy(can_embed)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
        if not can_embed:
            response.headers["X-Frame-Options"] = "DENY"
        return response
