"""Browser fixtures: one Debian chromium per test session, one context per test or case.

pytest-playwright provides `browser`, `new_context` and friends; here they are pointed at
/usr/bin/chromium (never a downloaded browser) and at pytest-django's live server.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 10_000


def pytest_configure(config):
    # Playwright's sync API keeps an event loop on the test thread; without this Django
    # refuses every ORM call the test makes. tests/conftest.py sets it too.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    # pytest-playwright 0.10 defines its `base_url` fixture as a method; pytest 9 warns.
    config.addinivalue_line(
        "filterwarnings",
        "ignore:Session-scoped fixtures defined as instance methods"
        ":pytest.PytestRemovedIn10Warning",
    )


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's chromium, or a loud failure: these tests must never be skipped."""
    assert CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK), (
        f"{CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium)."
    )
    assert os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE"), (
        "DJANGO_ALLOW_ASYNC_UNSAFE must be set for Playwright against the live server."
    )
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args, live_server):
    return {**browser_context_args, "base_url": live_server.url}


@pytest.fixture
def open_context(new_context, live_server):
    """A fresh browser context in a language and viewport, with or without JavaScript."""

    def _open(*, language: str = "en", width: int = 1280, height: int = 800, javascript=True):
        context = new_context(
            locale=language,
            extra_http_headers={"Accept-Language": language},
            viewport={"width": width, "height": height},
            java_script_enabled=javascript,
        )
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        return context

    return _open


def pytest_terminal_summary(terminalreporter):
    """How many axe page scans ran (visible when tests/browser is run directly)."""
    scans = 0
    for category in ("passed", "failed"):
        for report in terminalreporter.stats.get(category, []):
            if getattr(report, "when", None) == "call":
                scans += sum(v for k, v in report.user_properties if k == "axe_scans")
    if scans:
        terminalreporter.write_line(f"axe: {scans} page scans ran")
