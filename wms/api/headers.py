"""Security headers on every response: the API's JSON, its errors, the docs and the PDA UI.

One same-origin policy for everything the service serves: scripts, styles, images and
calls come from this origin only, never inline, and no other site may frame a page
(clickjacking a PDA's "confirm" button). The Swagger page is the one exception: its
template starts Swagger UI with an inline script, so that page alone gets a policy that
admits exactly that script by its hash.
"""

from __future__ import annotations

import base64
import hashlib
import re

from flask import Flask, Response, request

#: The policy of every response: the PDA app's own scripts from this origin, nothing inline.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)

#: Headers that are the same on every response.
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    # For browsers that predate frame-ancestors.
    "X-Frame-Options": "DENY",
    # URLs of the UI (document numbers, search terms) stay in the warehouse.
    "Referrer-Policy": "no-referrer",
}

#: Endpoint of flask-smorest's Swagger UI page.
SWAGGER_UI_ENDPOINT = "api-docs.openapi_swagger_ui"

_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def register_security_headers(app: Flask) -> None:
    """Add the security headers to every response the app sends."""
    app.after_request(add_security_headers)


def add_security_headers(response: Response) -> Response:
    """after_request: the security headers; a view's own Content-Security-Policy is kept."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.endpoint == SWAGGER_UI_ENDPOINT and response.mimetype == "text/html":
        response.headers.setdefault("Content-Security-Policy", swagger_ui_policy(response.get_data(as_text=True)))
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    return response


def swagger_ui_policy(page: str) -> str:
    """The general policy, with the page's own inline scripts admitted by their SHA-256."""
    hashes = " ".join(f"'sha256-{_sha256(script)}'" for script in _INLINE_SCRIPT.findall(page))
    return f"{CONTENT_SECURITY_POLICY}; script-src 'self' {hashes}".rstrip()


def _sha256(text: str) -> str:
    return base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")
