"""How long the name guard takes: a post against a programme of 2,000 names, and 10 kB of
adversarial text (the guard must stay linear).

    .venv/bin/python benchmarks/name_guard.py

Prints the best per-check time of several batches (a busy machine only slows some) beside a
baseline from the same run: one `str.casefold()` of the same post, the least any check does.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from seminars.nameguard import check, guard_for  # noqa: E402

FIRST = ["Mette", "Anne", "Lars", "Birgitta", "Karin", "Søren", "Åsa", "Jens", "Ingrid", "Ole"]
MIDDLE = ["Marie", "Louise", "Erik", "Johan", "Sofie", "Emil", "Maja", "Karl", "Ida", "Anders"]
LAST = [
    f"{stem}{end}"
    for stem in ("Hans", "Lars", "Nils", "Jens", "Pet")
    for end in ("en", "son", "sen", "ström")
]
POST = (
    "Vi hjælper hinanden ved overlap, ring 20 30 40 50 eller skriv til mette@skovby.dk, "
    "kl. 8.30-12.00 i 2024-2025. Morgenmødet starter med det, der gik godt i går. "
) * 3
ADVERSARIAL = {
    "a@ x 5000": "a@" * 5000,
    "digits and spaces": "1 " * 5000,
    "a name x 1700": "Mette " * 1700,
    "combining accents": "e\u0301" * 5000,
    "a wide ligature x 10000": "\ufdfa" * 10_000,
}


def best(run, *, batches: int = 7, repeat: int = 50) -> float:
    times = []
    for _ in range(batches):
        started = time.perf_counter()
        for _ in range(repeat):
            run()
        times.append((time.perf_counter() - started) / repeat)
    return min(times)


def main() -> None:
    names = [f"{f} {m} {s}" for f in FIRST for m in MIDDLE for s in LAST][:2000]
    started = time.perf_counter()
    guard = guard_for(names)
    built = time.perf_counter() - started
    post = POST[:500]
    baseline = best(post.casefold)
    per_check = best(lambda: check(post, guard))
    print(f"guard of {guard.people} names built in {built * 1000:.1f} ms")
    print(
        f"one 500-character post: {per_check * 1e6:.0f} µs per check "
        f"({per_check / baseline:.0f} x a casefold of it, {baseline * 1e6:.1f} µs)"
    )
    for label, text in ADVERSARIAL.items():
        seconds = best(lambda text=text: check(text, guard), batches=3, repeat=3)
        print(f"10 kB, {label}: {seconds * 1000:.1f} ms")


if __name__ == "__main__":
    main()
