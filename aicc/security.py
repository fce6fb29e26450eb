"""Content-Security-Policy of every page (django-csp 4; settings.CONTENT_SECURITY_POLICY).

Scripts only from this origin, so an injected <script> or on*= handler in customer text cannot
run even if escaping were ever missed. Styles allow inline: Swagger UI and htmx inject <style>;
CSS cannot run code. The customer chat page alone may be framed, by AICC_WIDGET_ORIGINS
(apps/chat/views.py replaces frame-ancestors there).
"""

from __future__ import annotations

from csp.constants import NONE, SELF, UNSAFE_INLINE

CSP_DIRECTIVES = {
    "default-src": [SELF],
    "script-src": [SELF],
    "style-src": [SELF, UNSAFE_INLINE],
    "img-src": [SELF, "data:"],
    "font-src": [SELF, "data:"],
    "connect-src": [SELF],
    "object-src": [NONE],
    "base-uri": [SELF],
    "form-action": [SELF],
    "frame-ancestors": [NONE],
}
