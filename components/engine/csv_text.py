"""A CSV's bytes as text, and where its rows go wrong, said so that a person can fix the file.

Pure Python (no Streamlit). Both readers of user CSVs use these: the places upload
(:mod:`components.engine.upload`) and the housing data (:mod:`components.engine.data`).
The parser's own words ("Error tokenizing data. C error: ...", "invalid start byte") and
byte offsets mean nothing to the person who has to fix the file, so each problem is said
in terms they can find in a spreadsheet or a text editor: the line, the values on it, the
encoding the file was saved in, and the menu that saves it right.

- :func:`check_text`: a file that is not text at all (a workbook, a PDF, an image: known
  signatures), or is text in another encoding (UTF-16 or UTF-32, with or without the
  marker their first bytes hold), or holds a zero byte.
- :func:`decode_utf8`: UTF-8, with or without its marker; otherwise the line and the text
  before the first character saved in another encoding, and a guess at that encoding.
- :func:`table_problem`: why a text did not parse as a table: the first line with more
  values than the header names, a quote that is never closed, or else what to check.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

BINARY_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "a zip archive (an Excel .xlsx workbook is one)"),
    (b"\xd0\xcf\x11\xe0", "an old Excel .xls / Office document"),
    (b"%PDF", "a PDF document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
)
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
SAVE_AS_UTF8 = (
    "Save it as UTF-8: in Excel, File > Save As > 'CSV UTF-8 (Comma delimited)'; in "
    "LibreOffice Calc, File > Save As > 'Text CSV' with the character set 'Unicode (UTF-8)'; "
    "in Notepad, File > Save As with the encoding 'UTF-8'. Then use the saved file."
)
# The markers ("byte-order marks") that start a text file saved as UTF-32 or UTF-16; the
# UTF-32 little-endian one starts with UTF-16's, so it is looked for first.
_UNICODE_MARKERS: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe", "UTF-16"),
    (b"\xfe\xff", "UTF-16"),
)
_SCAN_BYTES = 65_536  # the zero-byte look covers the start of the file
_SHOWN_CHARACTERS = 60  # how much of a line a message quotes
_SHOWN_NAMES = 6


def _line_of(data: bytes, offset: int) -> int:
    """1-based line of the byte at ``offset``."""
    return data.count(b"\n", 0, offset) + 1


def _shortened(text: str) -> str:
    return text if len(text) <= _SHOWN_CHARACTERS else text[: _SHOWN_CHARACTERS - 1] + "…"


def check_text(data: bytes, *, error: type[Exception]) -> None:
    """Raise ``error`` when the bytes are not UTF-8 text a CSV can be: what they are instead.

    Parameters
    ----------
    data : bytes
        The file's content (not empty).
    error : exception class
        What to raise (the caller's own error type).

    Raises
    ------
    error
        For a known binary format (its name and: export as CSV), text in UTF-16 or UTF-32
        (the encoding and how to save it as UTF-8), or a zero byte in the first 64 KB (its
        line: text never holds one).
    """
    for signature, kind in BINARY_SIGNATURES:
        if data.startswith(signature):
            raise error(
                f"The file is not a CSV: it looks like {kind}. Export the table as CSV "
                "(comma-separated values) and upload that."
            )
    for marker, encoding in _UNICODE_MARKERS:
        if data.startswith(marker):
            raise error(
                f"The file is saved as {encoding} text (its first bytes say so; Excel's "
                f"'Unicode Text' is such a file), and only UTF-8 text is read. {SAVE_AS_UTF8}"
            )
    head = data[:_SCAN_BYTES]
    nul = head.find(b"\x00")
    if nul < 0:
        return
    # Latin text in UTF-16 has a zero in every other byte; no marker says which half.
    if head.count(b"\x00") * 3 >= len(head) and (
        head[0::2].count(0) * 5 >= len(head) or head[1::2].count(0) * 5 >= len(head)
    ):
        raise error(
            "The file looks like UTF-16 text (every other byte is zero), and only UTF-8 text "
            f"is read. {SAVE_AS_UTF8}"
        )
    raise error(
        f"The file is not a text file: line {_line_of(data, nul):,} holds a zero byte, which "
        "text never does, so it is probably another kind of file (a database, an archive, a "
        "spreadsheet). Export the table as CSV UTF-8 and upload that."
    )


def decode_utf8(data: bytes, *, error: type[Exception]) -> str:
    """Decode UTF-8 text, with or without its marker (``utf-8-sig``).

    Parameters
    ----------
    data : bytes
        The file's content.
    error : exception class
        What to raise.

    Returns
    -------
    str
        The text, without the marker.

    Raises
    ------
    error
        At the first character that is not UTF-8: its line, the text before it on that
        line, what it reads as in the Windows encoding (when that is a letter, the usual
        case of a file saved by Excel as plain 'CSV') and how to save the file as UTF-8.
    """
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as failure:
        # The position is in the text after the marker, which failure.object holds.
        data, offset = failure.object, failure.start
        line_start = data.rfind(b"\n", 0, offset) + 1
        before = data[max(line_start, offset - 40) : offset].decode("utf-8", errors="replace")
        before = before.strip()[-20:]
        where = f"after '{before}'" if before else "at its start"
        guess = data[offset : offset + 1].decode("cp1252", errors="ignore")
        probably = ""
        if guess.isalpha() and data[offset] >= 0xA0:
            probably = (
                f" It is probably '{guess}' in a file saved in the Windows encoding "
                "(Windows-1252 or Latin-1), which Excel uses for plain 'CSV'."
            )
        raise error(
            f"The file is not UTF-8 text: line {_line_of(data, offset):,} has a character "
            f"{where} that is saved in another encoding.{probably} {SAVE_AS_UTF8}"
        ) from failure


def shown_names(names: Sequence[object], limit: int, more: str = " ...") -> str:
    """The first ``limit`` names, comma-separated, then ``more`` when there are others."""
    return ", ".join(map(str, names[:limit])) + (more if len(names) > limit else "")


def table_problem(text: str, delimiter: str) -> str:
    """Say why a text is not a table the way its header says: the line and what to change.

    Called once the parser has refused the text (or read more values on a row than the
    header names), so it may take a second pass over the text.

    Parameters
    ----------
    text : str
        The decoded file.
    delimiter : str
        Its delimiter.

    Returns
    -------
    str
        The first line with more values than the header names (the line, its data row,
        both counts, the header's names and the line's start, and whether the extra values
        are empty, as when every line ends with a delimiter), or the line where a quote
        that is never closed starts, or else what to check.
    """
    name = DELIMITER_NAMES.get(delimiter, repr(delimiter))
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, skipinitialspace=True)
    header: list[str] | None = None
    data_row, start, last = 0, 1, 1
    try:
        for record in reader:
            record_start, start = start, reader.line_num + 1
            if not record:  # a blank line: not a row
                continue
            last = record_start
            if header is None:
                header = record
                continue
            data_row += 1
            if len(record) > len(header):
                extra = record[len(header) :]
                empty = ""
                if not any(value.strip() for value in extra):
                    empty = (
                        f" The extra value{'s are' if len(extra) > 1 else ' is'} empty: the "
                        f"line probably ends with a {name} too many."
                    )
                example = '"Paris, France"' if delimiter == "," else f'"a{delimiter}b"'
                names = shown_names([name.strip() for name in header], _SHOWN_NAMES, ", ...")
                return (
                    f"Line {record_start:,} of the file (data row {data_row:,}) has "
                    f"{len(record):,} values, but the header names {len(header):,} "
                    f"({names}): '{_shortened(delimiter.join(record))}'.{empty} "
                    f"A value with a {name} in it must be in double quotes ({example}); "
                    "otherwise remove the extra values, or name them in the header."
                )
    except csv.Error:
        # The only way a line of at most 100,000 bytes gives a value longer than the
        # reader's limit: a quote that runs on over many lines.
        return _open_quote(text, start)
    # A quote left open runs to the end of the file, so the last row holds an odd number
    # of quotes (a closed quoted value holds an even number: its two and doubled ones).
    if header is not None and _from_line(text, last).count('"') % 2:
        return _open_quote(text, last)
    return (
        f"The file could not be read as a table of {name}-separated values. Check that no row "
        f"has more values than the header, that every quote is closed, and that the values "
        f"are separated by {name}s."
    )


def _from_line(text: str, line: int) -> str:
    """The text from the start of a 1-based line to the end."""
    at = 0
    for _ in range(line - 1):
        at = text.find("\n", at) + 1
    return text[at:]


def _open_quote(text: str, line: int) -> str:
    """The message for a quote opened on ``line`` and never closed."""
    rest = _from_line(text, line)
    shown = _shortened(rest.split("\n", 1)[0].strip())
    return (
        f"Line {line:,} of the file opens a quote that is never closed: '{shown}'. Everything "
        "after it reads as one value. Close the quote, or remove it (a value with a quote in "
        'it is written with the quote doubled, inside quotes: "a ""quoted"" word").'
    )
