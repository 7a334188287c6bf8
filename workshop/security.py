"""The Content-Security-Policy header (django-csp's policy from settings, plus the page's own
WebSocket origin) and the page a login lockout (django-axes) answers with."""

from __future__ import annotations

import math

from axes.helpers import get_cool_off
from csp.middleware import CSPMiddleware, PolicyParts
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """CSP Level 3 lets 'self' match ws:// and wss:// on the page's host, but older browsers
    (Safari before 15.4, still on some phones) only match http(s) with it and would refuse the
    game's socket. So connect-src also names the socket's origin: the scheme the page's script
    uses (wss behind HTTPS, ws otherwise) and the host the request came to."""

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if report_only:
            return parts
        try:
            host = request.get_host()
        except DisallowedHost:  # already answered 400; 'self' alone is enough for that page
            return parts
        socket = f"{'wss' if request.is_secure() else 'ws'}://{host}"
        parts.update = {**(parts.update or {}), "connect-src": [socket]}
        return parts


def lockout_response(
    request: HttpRequest, original_response: HttpResponseBase | None, credentials: dict | None
) -> HttpResponse:
    """django-axes' answer once a username and address are locked: the login page's look, a
    sentence saying how long to wait, and 429 Too Many Requests."""
    minutes = math.ceil(get_cool_off(request).total_seconds() / 60)
    return render(request, "registration/locked_out.html", {"cooloff_minutes": minutes}, status=429)
