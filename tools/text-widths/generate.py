"""Write components/inter_advances.py: the advance width of every character of the Inter
font the app serves (assets/base/inter, regular weight), for components/chart_margins.py.

Figures are tabular, as the app's stylesheet asks (statroom.css turns on "tnum").

Run it again if the font file changes:

    .venv/bin/python tools/text-widths/generate.py

(fontTools comes with matplotlib; reading WOFF2 also needs brotli, a test dependency.)
"""

from __future__ import annotations

import pathlib

from fontTools.ttLib import TTFont

ROOT = pathlib.Path(__file__).resolve().parents[2]
FONT = ROOT / "assets/base/inter/inter-latin-400-normal.woff2"
OUT = ROOT / "components/inter_advances.py"


def main() -> None:
    OUT.write_text(module_text())
    print(f"{OUT.relative_to(ROOT)} written")


def module_text() -> str:
    """The text of components/inter_advances.py (tests compare it with the file)."""
    font = TTFont(FONT)
    units = font["head"].unitsPerEm
    metrics = font["hmtx"]
    tabular = _substitutions(font, "tnum")
    cmap = sorted(font.getBestCmap().items())
    advances = {code: metrics[tabular.get(glyph, glyph)][0] for code, glyph in cmap if code >= 32}
    # Keyed by code point (some are combining marks); one entry a line, as ruff formats it.
    body = "".join(f"    {code}: {width},\n" for code, width in advances.items())
    return (
        '"""Advance widths of Inter (regular, tabular figures) by code point, in font units; made by\n'
        'tools/text-widths/generate.py from assets/base/inter. Do not edit."""\n\n'
        f"UNITS_PER_EM = {units}\n\n"
        "ADVANCES = {\n" + body + "}\n"
    )


def _substitutions(font: TTFont, feature: str) -> dict[str, str]:
    """The single-glyph substitutions of an OpenType feature (glyph name to glyph name)."""
    table = font["GSUB"].table
    lookups = {
        index
        for record in table.FeatureList.FeatureRecord
        if record.FeatureTag == feature
        for index in record.Feature.LookupListIndex
    }
    mapping = {}
    for index in sorted(lookups):
        for subtable in table.LookupList.Lookup[index].SubTable:
            mapping.update(getattr(subtable, "mapping", {}))
    return mapping


if __name__ == "__main__":
    main()
