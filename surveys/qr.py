"""QR codes as inline SVG (segno), for join links on the run-sheet and the projector."""

from __future__ import annotations

import segno
from django.utils.safestring import SafeString, mark_safe


def qr_svg(url: str, *, scale: int = 6) -> SafeString:
    """An SVG QR code of a URL we built ourselves; no XML declaration, sized by CSS."""
    svg = segno.make(url, error="m").svg_inline(
        scale=scale, dark="#000", light="#fff", omitsize=True, svgclass="qr"
    )
    return mark_safe(svg)  # noqa: S308 - segno's own markup of our own URL
