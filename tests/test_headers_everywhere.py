"""Every route sends the security headers (QUALITY S-2): each route of the URLconf that
answers GET is asked by a signed-in facilitator and by a phone, and whatever the status (a
page, a redirect, a 404, a PDF), the answer carries a CSP with default-src limited, objects,
base and framing refused and no unsafe-eval, nosniff, a Referrer-Policy and no-store.
HSTS is set by the production settings (tests/test_settings.py)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.test_access_matrix import PROGRAMME_ROUTES, kwargs_for
from tests.test_csrf_everywhere import reverse_any, routes

REQUIRED_CSP = ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'")


def check(response, where) -> None:
    csp = response.get("Content-Security-Policy", "")
    assert "default-src 'self'" in csp or "default-src 'none'" in csp, where
    for directive in REQUIRED_CSP:
        assert directive in csp, (where, directive)
    assert "unsafe-eval" not in csp, where
    assert response.get("X-Content-Type-Options") == "nosniff", where
    assert response.get("Referrer-Policy") in ("same-origin", "no-referrer"), where
    assert "no-store" in response.get("Cache-Control", ""), where


@pytest.mark.django_db
def test_every_route_sends_the_security_headers(cast):
    staff = Client()
    staff.force_login(cast.facilitator)
    phone = Client()
    samples: dict[str, list[dict]] = {}
    for name, sample in routes():
        samples.setdefault(name, []).append(sample)
    checked = 0
    for name in sorted(samples):
        if name in PROGRAMME_ROUTES:
            url = reverse(name, kwargs=kwargs_for(name, cast))
        else:
            url = reverse_any(name, samples[name])
        for who, client in (("facilitator", staff), ("phone", phone)):
            response = client.get(url)
            check(response, (name, who, response.status_code))
            checked += 1
    print(f"{checked} responses over {len(samples)} routes carry the security headers")
