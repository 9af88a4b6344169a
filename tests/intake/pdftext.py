"""Text out of the PDFs WeasyPrint writes, for tests, without a PDF library: inflate each
stream, read the glyph-to-character maps (ToUnicode), and decode every shown string (TJ).
Good enough to find a name in a page; not a general PDF reader."""

import re
import zlib


def pdf_text(content: bytes) -> str:
    streams = []
    for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", content, re.S):
        try:
            streams.append(zlib.decompress(m.group(1)))
        except zlib.error:
            continue
    glyphs = {}
    for s in streams:
        for block in re.findall(rb"beginbfchar(.*?)endbfchar", s, re.S):
            for code, text in re.findall(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block):
                glyphs[code.lower()] = bytes.fromhex(text.decode()).decode("utf-16-be")
    lines = []
    for s in streams:
        for array in re.findall(rb"\[(.*?)\]\s*TJ", s, re.S):
            lines.append(
                "".join(
                    glyphs.get(code.lower(), "?")
                    for run in re.findall(rb"<([0-9a-fA-F]+)>", array)
                    for code in re.findall(rb"[0-9a-fA-F]{4}", run)
                )
            )
    return "\n".join(lines)
