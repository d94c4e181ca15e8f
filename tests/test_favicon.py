"""The app has an icon: every page links it and /favicon.ico answers for browsers that ask."""

from __future__ import annotations

from xml.etree import ElementTree

import pytest
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.urls import reverse


def test_favicon_ico_redirects_to_the_static_svg(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response.url == static("favicon.svg")


def test_the_icon_is_a_small_svg_without_scripts():
    path = finders.find("favicon.svg")
    assert path, "static/favicon.svg exists"
    with open(path, "rb") as file:
        data = file.read()
    assert len(data) < 1024
    root = ElementTree.fromstring(data)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert not [e for e in root.iter() if e.tag.endswith("script") or "href" in str(e.attrib)]


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["login", "join"])  # base.html and base_participant.html
def test_pages_link_the_icon(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    link = f'<link rel="icon" href="{static("favicon.svg")}" type="image/svg+xml">'
    assert link in response.text
    policy = response.headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert "'self'" in directives["img-src"].split()
