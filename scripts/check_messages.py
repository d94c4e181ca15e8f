"""Fail when a committed .mo file does not hold exactly what its .po file says."""

from __future__ import annotations

import gettext
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def catalog(mo: Path) -> dict:
    with mo.open("rb") as handle:
        return dict(gettext.GNUTranslations(handle)._catalog)


def main() -> int:
    failures = []
    po_files = sorted((ROOT / "locale").glob("*/LC_MESSAGES/*.po"))
    if not po_files:
        print("no .po files found")
        return 1
    for po in po_files:
        mo = po.with_suffix(".mo")
        if not mo.exists():
            failures.append(f"{mo.relative_to(ROOT)} is missing")
            continue
        with tempfile.TemporaryDirectory() as tmp:
            fresh = Path(tmp) / "fresh.mo"
            subprocess.run(["msgfmt", "--check", "-o", str(fresh), str(po)], check=True)  # noqa: S603,S607
            if catalog(fresh) != catalog(mo):
                failures.append(f"{mo.relative_to(ROOT)} differs from its .po: run compilemessages")
    for failure in failures:
        print(failure)
    print(f"{len(po_files)} catalogues checked, {len(failures)} out of date")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
