"""QR codes as inline SVG (segno): join links on the run-sheet and the projector, printed links."""

from __future__ import annotations

import segno
from django.utils.safestring import SafeString, mark_safe


def qr_svg(
    url: str,
    *,
    scale: int = 6,
    border: int | None = None,
    svgclass: str = "qr",
    title: str | None = None,
) -> SafeString:
    """An SVG QR code of a URL we built ourselves; no XML declaration, sized by CSS.

    `border=0` leaves the quiet zone to the padding around the code (the printed slips).
    `title` is the code's text alternative inside the SVG: WeasyPrint tags an SVG as a PDF
    figure and takes its /Alt from there (PDF/UA-1 wants one on every figure).
    """
    svg = segno.make(url, error="m").svg_inline(
        scale=scale,
        border=border,
        dark="#000",
        light="#fff",
        omitsize=True,
        svgclass=svgclass,
        title=title,
    )
    # segno writes the markup itself, from our own URL: no user text reaches it.
    return mark_safe(svg)  # noqa: S308  # nosec B308 B703
