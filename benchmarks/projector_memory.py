"""Does the projector's page grow in memory over a long seminar? Prints the JS heap.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench \
        .venv/bin/python benchmarks/projector_memory.py

Starts `manage.py runserver` on the benchmark database with the demo programme, opens its
projector view in Debian's chromium, and forces the live part to be fetched and swapped
again and again (as htmx's 2-second poll does whenever the count changes): 5,400 swaps
stand for three hours of a busy room. Prints the heap after garbage collection at the
start and every 900 swaps. Figures only.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
PORT = 8765
SWAPS = 5_400
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--enable-precise-memory-info",
]


def main() -> None:
    env = {**os.environ}
    env.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench")
    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    demo = json.loads(
        subprocess.run(
            [python, "manage.py", "demo", "--json"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )
    server = subprocess.Popen(
        [python, "manage.py", "runserver", f"127.0.0.1:{PORT}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{PORT}"
    try:
        for _ in range(50):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
            )
            page = browser.new_page(viewport={"width": 1920, "height": 1080})
            page.goto(base + demo["projector_url"])
            cdp = page.context.new_cdp_session(page)
            live = page.get_attribute("#live", "hx-get").split("?")[0]

            def heap() -> float:
                cdp.send("HeapProfiler.collectGarbage")
                return cdp.send("Runtime.getHeapUsage")["usedSize"] / 1024 / 1024

            count_nodes = 'document.getElementsByTagName("*").length'
            print(f"swaps {0:5d}  heap {heap():6.2f} MB  nodes {page.evaluate(count_nodes)}")
            start = time.perf_counter()
            for done in range(900, SWAPS + 1, 900):
                page.evaluate(
                    """([url, count]) => new Promise((resolve) => {
                        let left = count;
                        const next = () => {
                            if (left-- === 0) { resolve(); return; }
                            htmx.ajax("GET", url + "?v=stale", {target: "#live", swap: "outerHTML"})
                                .then(next);
                        };
                        next();
                    })""",
                    [live, 900],
                )
                nodes = page.evaluate(count_nodes)
                print(f"swaps {done:5d}  heap {heap():6.2f} MB  nodes {nodes}")
            print(f"{SWAPS} swaps in {time.perf_counter() - start:.0f} s")
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
