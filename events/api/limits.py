"""
The API's anonymous rate limit: so many requests per period from one client address, then 429.

django-ninja's throttle (a sliding window kept in the cache, the shared Redis one in production),
applied in a middleware before the page cache rather than on the operations: a cached answer
costs a query too, and a client that asks for the same page in a loop is still one client. The
address is the one the trusted proxies saw (web/guards.py client_ip), as for the login lock-out.
Every API request counts, whoever sends it: a cookie, which anyone can forge, earns no exemption.
"""

import math

from django.conf import settings
from django.http import JsonResponse
from ninja.throttling import AnonRateThrottle

from events.web.guards import client_ip

API_PREFIX = "/api/"


class ClientThrottle(AnonRateThrottle):
    scope = "api"

    def get_ident(self, request):
        return client_ip(request)

    def get_cache_key(self, request):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class ApiRateLimitMiddleware:
    """429 with `Retry-After` (whole seconds) once a client is past settings.API_RATE_LIMIT."""

    def __init__(self, get_response):
        self.get_response = get_response
        ClientThrottle(settings.API_RATE_LIMIT)  # A malformed rate fails at start-up, not on the first request.

    def __call__(self, request):
        if not request.path_info.startswith(API_PREFIX) or request.method == "OPTIONS":
            return self.get_response(request)
        # One per request: a throttle keeps the request's history on itself.
        throttle = ClientThrottle(settings.API_RATE_LIMIT)
        if throttle.allow_request(request):
            return self.get_response(request)
        wait = math.ceil(throttle.wait() or throttle.duration)
        response = JsonResponse(
            {"detail": f"Too many requests: at most {settings.API_RATE_LIMIT} from one address. Retry in {wait} s."},
            status=429,
        )
        response["Retry-After"] = str(wait)
        response["Cache-Control"] = "no-store"
        return response
