"""Text out of the PDFs WeasyPrint writes, for tests, without a PDF library: inflate each
stream, read the glyph-to-character maps (ToUnicode), and decode every shown string (TJ).
Good enough to find a name in a page; not a general PDF reader.

Each font (regular, bold) has its own map and the same glyph code can mean different letters
in each: the text is given decoded with all maps merged, then once with each font's map, so
a phrase set in any one font is found whichever font's map won the merge."""

import re
import zlib


def pdf_text(content: bytes) -> str:
    streams = []
    for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", content, re.S):
        try:
            streams.append(zlib.decompress(m.group(1)))
        except zlib.error:
            continue
    fonts = []
    for s in streams:
        glyphs = {}
        for block in re.findall(rb"beginbfchar(.*?)endbfchar", s, re.S):
            for code, text in re.findall(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block):
                glyphs[code.lower()] = bytes.fromhex(text.decode()).decode("utf-16-be")
        if glyphs:
            fonts.append(glyphs)
    merged = {code: text for glyphs in fonts for code, text in glyphs.items()}
    arrays = [a for s in streams for a in re.findall(rb"\[(.*?)\]\s*TJ", s, re.S)]
    decoded = []
    for glyphs in [merged, *fonts] if len(fonts) > 1 else [merged]:
        decoded += [
            "".join(
                glyphs.get(code.lower(), "?")
                for run in re.findall(rb"<([0-9a-fA-F]+)>", array)
                for code in re.findall(rb"[0-9a-fA-F]{4}", run)
            )
            for array in arrays
        ]
    return "\n".join(decoded)
