"""Fonts the renderers draw with. They come from Debian packages rather than the repository,
so a missing font must say which package to install instead of failing deep inside PIL."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PIL import ImageFont

_DEJAVU = Path("/usr/share/fonts/truetype/dejavu")

# name -> (path, Debian package that ships it)
FONTS: dict[str, tuple[Path, str]] = {
    "ocrb": (Path("/usr/share/fonts/opentype/ocr-b/OCRB.otf"), "fonts-ocr-b"),
    "gothic": (Path("/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf"), "fonts-ipafont-gothic"),
    "mincho": (Path("/usr/share/fonts/opentype/ipafont-mincho/ipam.ttf"), "fonts-ipafont-mincho"),
    "sans": (_DEJAVU / "DejaVuSans.ttf", "fonts-dejavu-core"),
    "sans_bold": (_DEJAVU / "DejaVuSans-Bold.ttf", "fonts-dejavu-core"),
    "sans_oblique": (_DEJAVU / "DejaVuSans-Oblique.ttf", "fonts-dejavu-extra"),
    "sans_condensed": (_DEJAVU / "DejaVuSansCondensed.ttf", "fonts-dejavu-extra"),
    "sans_condensed_bold": (_DEJAVU / "DejaVuSansCondensed-Bold.ttf", "fonts-dejavu-extra"),
    "serif": (_DEJAVU / "DejaVuSerif.ttf", "fonts-dejavu-core"),
    "serif_bold": (_DEJAVU / "DejaVuSerif-Bold.ttf", "fonts-dejavu-core"),
    "serif_italic": (_DEJAVU / "DejaVuSerif-Italic.ttf", "fonts-dejavu-extra"),
    "mono": (_DEJAVU / "DejaVuSansMono.ttf", "fonts-dejavu-core"),
}


class FontMissing(FileNotFoundError):
    """A font the renderers need is not installed."""


def font_path(name: str) -> Path:
    """Path of a named font, or FontMissing naming the package that provides it."""
    path, package = FONTS[name]
    if not path.is_file():
        raise FontMissing(
            f"font {name!r} not found at {path}; install the Debian package {package} "
            f"(apt-get install {package})"
        )
    return path


@cache
def font(name: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(font_path(name)), size)
