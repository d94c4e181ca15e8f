"""A logo for the report's cover, checked before it is stored.

A logo is a file from outside that ends up in a PDF a municipality may publish and on a
facilitator's page, so nothing of the upload is kept as it came:

- PNG, JPEG, GIF and WebP are decoded by Pillow (after their size in pixels is checked, so a
  small file cannot unpack into gigabytes), shrunk to at most `MAX_SIDE` pixels a side and
  encoded again as PNG: metadata (a photo's GPS position), extra frames and bytes after the
  image are gone.
- SVG is read as XML only when it declares no DOCTYPE or entities (no billion laughs, no
  external entities), only SVG's drawing elements and presentation attributes are allowed,
  every reference must point inside the file (`#id`), and no style may load anything.
  Anything else (a script, an event handler, `foreignObject`, an `<image>`, a link, an
  `@import`, a `url()` to the outside) refuses the whole file with a message that says
  why. What is allowed is written out again from the parsed tree, so comments, processing
  instructions and anything the parser skipped are not stored either.

Every refusal is a `ValidationError` with words for the facilitator; nothing raises past it.
"""

from __future__ import annotations

import io
import re
import warnings
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_SIDE = 1200  # pixels: plenty for 60 mm at 300 dpi
RASTER_FORMATS = {"PNG", "JPEG", "GIF", "WEBP"}

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
# SVG's drawing elements; no script, foreignObject, image, a, use of other files, animation
# (which can change an href) or font loading.
SVG_ELEMENTS = {
    "svg", "g", "defs", "title", "desc", "symbol", "use", "path", "rect", "circle",
    "ellipse", "line", "polyline", "polygon", "text", "tspan", "textPath", "linearGradient",
    "radialGradient", "stop", "clipPath", "mask", "pattern", "marker", "style", "switch",
}  # fmt: skip
# Editors (Inkscape, Illustrator) add their own elements in their own namespaces; those are
# dropped, as is the metadata block they keep them in.
DROPPED_ELEMENTS = {"metadata"}
REFERENCE = re.compile(r"url\s*\(\s*(['\"]?)\s*(?!#)", re.IGNORECASE)  # url() not to #id
FORBIDDEN_TEXT = re.compile(r"@import|javascript:|expression\s*\(|<!", re.IGNORECASE)


@dataclass(frozen=True)
class CleanLogo:
    content: bytes
    content_type: str  # image/png or image/svg+xml
    width: int
    height: int


def clean(upload) -> CleanLogo:
    """The logo to store from an uploaded file, or a ValidationError saying what is wrong."""
    if upload.size > settings.LOGO_MAX_BYTES:
        raise ValidationError(
            _("The logo is %(size)s; it may be at most %(limit)s. Save it smaller and try again.")
            % {"size": _megabytes(upload.size), "limit": _megabytes(settings.LOGO_MAX_BYTES)},
            code="too_large",
        )
    data = upload.read(settings.LOGO_MAX_BYTES + 1)
    if not data:
        raise ValidationError(_("The file is empty."), code="empty")
    if _looks_like_svg(data):
        return clean_svg(data)
    return clean_raster(data)


def _megabytes(size: int) -> str:
    return _("%(number)s MB") % {"number": f"{size / 1024 / 1024:.1f}".replace(".0", "")}


def _not_an_image() -> ValidationError:
    return ValidationError(
        _("The file is not an image we can use. Upload the logo as PNG, JPEG or SVG."),
        code="not_an_image",
    )


def clean_raster(data: bytes) -> CleanLogo:
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():  # the pixel count is checked below, with a message
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
        with image:
            if image.format not in RASTER_FORMATS:
                raise _not_an_image()
            width, height = image.size
            if width < 1 or height < 1 or width * height > settings.LOGO_MAX_PIXELS:
                raise ValidationError(
                    _(
                        "The image is %(width)s × %(height)s pixels, too large to use as a "
                        "logo. Save it at most %(side)s pixels wide and try again."
                    )
                    % {"width": width, "height": height, "side": MAX_SIDE},
                    code="too_many_pixels",
                )
            image.seek(0)  # the first frame of an animation
            image.load()
            image = image.convert("RGBA" if _has_transparency(image) else "RGB")
            image.thumbnail((MAX_SIDE, MAX_SIDE))
            out = io.BytesIO()
            image.save(out, format="PNG", optimize=True)
            return CleanLogo(out.getvalue(), "image/png", image.width, image.height)
    except ValidationError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError) as error:
        raise _not_an_image() from error


def _has_transparency(image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info


def _looks_like_svg(data: bytes) -> bool:
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<?xml", b"<svg", b"<!--", b"<!doctype svg"))


def _svg_refused(reason: str) -> ValidationError:
    return ValidationError(
        _("This SVG cannot be used: %(reason)s Save it as PNG, or as a plain SVG, and try again.")
        % {"reason": reason},
        code="unsafe_svg",
    )


def clean_svg(data: bytes) -> CleanLogo:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _svg_refused(_("it is not written in UTF-8.")) from None
    if re.search(r"<!(DOCTYPE|ENTITY)", text, re.IGNORECASE):
        raise _svg_refused(_("it declares a DOCTYPE or entities."))
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)  # its encoding is UTF-8, checked above
    try:
        # No DOCTYPE and no entities (refused above), so none of the XML attacks applies.
        root = ET.fromstring(text)  # noqa: S314  # nosec B314
    except ET.ParseError:
        raise _not_an_image() from None
    if root.tag != f"{{{SVG_NS}}}svg":
        raise _not_an_image()
    _check_svg(root)
    width, height = _svg_size(root)
    ET.register_namespace("", SVG_NS)
    ET.register_namespace("xlink", XLINK_NS)
    content = ET.tostring(root, encoding="utf-8", xml_declaration=False)
    return CleanLogo(content, "image/svg+xml", width, height)


def _check_svg(element) -> None:
    """Refuse the file if anything in it could run or fetch; drop editors' own elements."""
    for child in list(element):
        namespace, _sep, name = child.tag.rpartition("}")
        if namespace.lstrip("{") != SVG_NS:
            element.remove(child)  # an editor's own element
            continue
        if name in DROPPED_ELEMENTS:
            element.remove(child)
            continue
        if name not in SVG_ELEMENTS:
            raise _svg_refused(_("it holds a “%(element)s” element.") % {"element": name[:40]})
        _check_svg(child)
    for attribute, value in list(element.attrib.items()):
        namespace, _sep, name = attribute.rpartition("}")
        namespace = namespace.lstrip("{")
        if name.lower().startswith("on"):
            raise _svg_refused(_("it holds an event handler (%(name)s).") % {"name": name[:40]})
        if name == "href" and not value.strip().startswith("#"):
            raise _svg_refused(_("it refers to another file or address."))
        if namespace not in ("", SVG_NS, XLINK_NS):
            del element.attrib[attribute]  # an editor's own attribute
            continue
        if REFERENCE.search(value) or FORBIDDEN_TEXT.search(value):
            raise _svg_refused(_("it refers to another file or address."))
    if element.text and (REFERENCE.search(element.text) or FORBIDDEN_TEXT.search(element.text)):
        raise _svg_refused(_("its styles refer to another file or address."))


def _svg_size(root) -> tuple[int, int]:
    """Width and height in user units, from the viewBox or the width and height."""
    numbers = re.findall(r"-?[\d.]+(?:e-?\d+)?", root.get("viewBox", ""))
    if len(numbers) == 4:
        width, height = float(numbers[2]), float(numbers[3])
    else:
        try:
            width = float(re.match(r"[\d.]+", root.get("width", "")).group())
            height = float(re.match(r"[\d.]+", root.get("height", "")).group())
        except (AttributeError, ValueError):
            raise _svg_refused(_("it has neither a viewBox nor a width and height.")) from None
    if not (0 < width < 1e6 and 0 < height < 1e6):
        raise _svg_refused(_("its size is not usable."))
    return max(1, round(width)), max(1, round(height))
