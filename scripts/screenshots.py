"""Screenshot pages of a running server at phone and desktop size, for a look by eye.

    python scripts/screenshots.py http://127.0.0.1:8000 /programmes/1/ /p/ ...
Logs in as the demo facilitator first when --login USER:PASSWORD is given.
PNGs land in artifacts/screenshots/.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORTS = {"phone": (360, 640), "desktop": (1280, 800)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("base")
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--login", help="USER:PASSWORD")
    parser.add_argument("--lang", default="en")
    parser.add_argument("--out", default="artifacts/screenshots")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for label, (width, height) in VIEWPORTS.items():
            context = browser.new_context(
                viewport={"width": width, "height": height}, locale=args.lang
            )
            page = context.new_page()
            if args.login:
                user, password = args.login.split(":", 1)
                page.goto(args.base + "/accounts/login/")
                page.fill("input[name=login]", user)
                page.fill("input[name=password]", password)
                page.click("#main form button[type=submit] >> nth=0")
            for path in args.paths:
                page.goto(args.base + path)
                name = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"
                target = out / f"{name}-{args.lang}-{label}.png"
                page.screenshot(path=str(target), full_page=True)
                print(target)
            context.close()
        browser.close()


if __name__ == "__main__":
    main()
