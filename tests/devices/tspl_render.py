"""A small TSPL renderer for the tests: the commands our labels use, drawn with Pillow.

SIZE, GAP, DIRECTION, CLS, TEXT, BARCODE (type "128", drawn in subset B), BAR, BOX and
PRINT are understood; any other command fails the test. The job is read as GBK, as the
printer reads it. Chinese text is drawn with a CJK font when the machine has one (Latin
text and, without one, all text with Pillow's own) at the height of the TSPL font named;
what matters to the tests is the barcode.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

DOTS_PER_MM = 203 / 25.4
#: Bar and space widths (in modules) of the Code 128 symbols 0-105, and the stop (106).
CODE128 = (
    "212222 222122 222221 121223 121322 131222 122213 122312 132212 221213 221312 231212 112232 122132"
    " 122231 113222 123122 123221 223211 221132 221231 213212 223112 312131 311222 321122 321221 312212"
    " 322112 322211 212123 212321 232121 111323 131123 131321 112313 132113 132311 211313 231113 231311"
    " 112133 112331 132131 113123 113321 133121 313121 211331 231131 213113 213311 213131 311123 311321"
    " 331121 312113 312311 332111 314111 221411 431111 111224 111422 121124 121421 141122 141221 112214"
    " 112412 122114 122411 142112 142211 241211 221114 413111 241112 134111 111242 121142 121241 114212"
    " 124112 124211 411212 421112 421211 212141 214121 412121 111143 111341 131141 114113 114311 411113"
    " 411311 113141 114131 311141 411131 211412 211214 211232 2331112"
).split()
START_B, STOP = 104, 106
FONT_HEIGHTS = {"TSS24.BF2": 24, "TSS16.BF2": 16, "1": 12, "2": 20, "3": 24, "4": 32, "5": 48}
CJK_FONTS = ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
             "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
ARG = re.compile(r'"((?:[^"\\]|\\\["\])*)"|([^,]+)')


def code128_b(data: str) -> list[int]:
    """The module widths (bar, space, bar, ...) of ``data`` in Code 128 subset B."""
    values = [ord(c) - 32 for c in data]
    check = (START_B + sum(i * v for i, v in enumerate(values, 1))) % 103
    return [int(w) for symbol in (START_B, *values, check, STOP) for w in CODE128[symbol]]


def _args(text: str) -> list[str]:
    return [quoted.replace('\\["]', '"') if quoted or plain is None else plain.strip()
            for quoted, plain in ARG.findall(text)]


def _font(height: int, cjk: bool):
    for path in CJK_FONTS if cjk else ():
        if Path(path).exists():
            return ImageFont.truetype(path, height)
    return ImageFont.load_default(height)


def _text(draw: ImageDraw.ImageDraw, x: int, y: int, content: str, height: int) -> None:
    """Draw runs of ASCII with Pillow's font and the rest with the CJK font."""
    for run in re.findall(r"[\x00-\x7f]+|[^\x00-\x7f]+", content):
        font = _font(height, not run.isascii())
        draw.text((x, y), run, fill=0, font=font)
        x += round(draw.textlength(run, font=font))


def render(job: bytes) -> np.ndarray:
    """The label as a grayscale image (white 255, black 0), one dot per pixel."""
    lines = job.decode("gbk").split("\r\n")
    image = draw = None
    for line in filter(None, lines):
        command, _, rest = line.partition(" ")
        args = _args(rest)
        if command == "SIZE":
            width, height = (float(a.replace("mm", "").strip()) for a in args)
            image = Image.new("L", (round(width * DOTS_PER_MM), round(height * DOTS_PER_MM)), 255)
            draw = ImageDraw.Draw(image)
        elif command in ("GAP", "DIRECTION", "CLS", "PRINT"):
            continue
        elif command == "TEXT":
            x, y, font, _rotation, xmul, ymul, content = args
            size = FONT_HEIGHTS[font] * int(ymul)
            _text(draw, int(x), int(y), content, size)
        elif command == "BARCODE":
            x, y, kind, height, readable, _rotation, narrow, _wide, content = args
            assert kind == "128", f"the renderer draws Code 128 only, not {kind}"
            position, bar = int(x), True
            for modules in code128_b(content):
                width = modules * int(narrow)
                if bar:
                    draw.rectangle((position, int(y), position + width - 1, int(y) + int(height) - 1), fill=0)
                position, bar = position + width, not bar
            if readable != "0":
                _text(draw, int(x), int(y) + int(height) + 2, content, 20)
        elif command == "BAR":
            x, y, width, height = (int(a) for a in args)
            draw.rectangle((x, y, x + width - 1, y + height - 1), fill=0)
        elif command == "BOX":
            x, y, x_end, y_end, thickness = (int(a) for a in args)
            draw.rectangle((x, y, x_end, y_end), outline=0, width=thickness)
        else:
            raise AssertionError(f"the test renderer does not know {command!r}")
    return np.asarray(image)
