"""Which text encoding a file Buildboard reads is in: UTF-8 (with or without a BOM), or UTF-16 with its BOM
(what Excel saves as "Unicode text"). Anything else — another encoding, a spreadsheet, a binary file — is
refused naming the file, before a single row is read."""

from __future__ import annotations

import codecs
from pathlib import Path

from bot.domain.errors import OperatorError

CHUNK = 1 << 20
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
# What a few binary formats people pick by mistake start with.
BINARY_STARTS = {
    b"PK\x03\x04": "a ZIP archive (an .xlsx workbook?)",
    b"\xd0\xcf\x11\xe0": "an old Excel/Office file (.xls)",
    b"%PDF": "a PDF",
    b"\x1f\x8b": "gzip-compressed",
    b"SQLite format 3\x00": "a SQLite database",
}


class NotText(OperatorError):
    """The file is not text in an encoding Buildboard reads."""


def _refuse(path: Path, what: str) -> NotText:
    return NotText(f'{path}: {what}; save it as CSV in UTF-8 (or Excel\'s "Unicode text") and import it again')


def text_encoding(path: str | Path) -> str:
    """The codec to open `path` with ("utf-8-sig" or "utf-16"), or NotText naming the file and what it is.

    The whole file is checked (in chunks, so a large file costs one fast pass and little memory): a stray
    byte on line 300,000 is refused before line 1 is imported.
    """
    path = Path(path)
    with path.open("rb") as handle:
        head = handle.read(CHUNK)
        if head.startswith(UTF16_BOMS):
            encoding = "utf-16"
        else:
            for magic, what in BINARY_STARTS.items():
                if head.startswith(magic):
                    raise _refuse(path, f"this is {what}, not a text file")
            encoding = "utf-8-sig"
        decoder = codecs.getincrementaldecoder(encoding)()
        offset = 0
        chunk = head
        while True:
            if encoding != "utf-16" and b"\x00" in chunk:  # valid UTF-8, but no text file holds NUL bytes
                raise _refuse(path, "a binary file (it holds NUL bytes), not text")
            try:
                text = decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                at = offset + exc.start
                if encoding == "utf-16":
                    raise _refuse(path, f"not valid UTF-16 text (at byte {at:,})") from None
                raise _refuse(path, f"not UTF-8 text (byte {at:,} is 0x{chunk[exc.start]:02x})") from None
            if "\x00" in text:
                raise _refuse(path, "a binary file (it holds NUL bytes), not text")
            if not chunk:
                return encoding
            offset += len(chunk)
            chunk = handle.read(CHUNK)


def reading_encoding(path: str | Path) -> str:
    """How to open a file for reading, from its first bytes alone: "utf-16" after a UTF-16 BOM, else "utf-8-sig"."""
    with Path(path).open("rb") as handle:
        return "utf-16" if handle.read(2).startswith(UTF16_BOMS) else "utf-8-sig"


def check_text_file(path: str | Path) -> str:
    """`text_encoding(path)`: raise NotText unless the file can be read as text."""
    return text_encoding(path)
