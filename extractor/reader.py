"""Find input documents and read them (.txt, .docx, .pdf, .html) into `Document`s.

The text of a `Document` is final: BOM stripped, newlines normalised to "\\n", NUL and other
control characters replaced by spaces (one for one). Every later offset refers to it.
"""

from __future__ import annotations

import codecs
import io
import logging
import os
import re
import stat
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from .models import MANIFEST, TOOL, Document
from .sentences import HEADING_NUMBER

if TYPE_CHECKING:
    import pdfplumber
    from docx.oxml.xmlchemy import BaseOxmlElement
    from pypdf import PdfReader

SUPPORTED_SUFFIXES = (".txt", ".docx", ".pdf", ".html", ".htm")
MAX_BYTES = 100 * 1024 * 1024      # larger files are refused without being read
BINARY_RATIO = 0.05                # more control bytes/characters than this: binary, not text
SAMPLE_CHARS = 60_000              # characters scored when telling GB18030 from Big5

_BOMS = (  # UTF-32 first: its LE BOM begins with the UTF-16 LE BOM
    (codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_MAGIC = (  # signatures of binary formats, to name what a mislabelled file really is
    (b"PK\x03\x04", "a ZIP archive or Office document"), (b"%PDF-", "a PDF"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Office document (.doc/.xls)"),
    (b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"), (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"), (b"\x7fELF", "an executable"), (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"), (b"7z\xbc\xaf", "a 7-Zip archive"),
)
_GB_FAMILY = {"gb2312", "gbk", "gb18030", "cp936"}
_BIG5_FAMILY = {"big5", "big5hkscs", "cp950"}
_DETECTABLE = ["utf_8", "utf_32", "utf_32_le", "utf_32_be",         # UTF-16: `_utf16_without_bom`
               "gb18030", "gbk", "gb2312", "big5", "cp950", "big5hkscs"]
_WESTERN = {"ascii", "iso8859-1", "cp1252"}   # labels often wrong on Chinese pages
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0e-\x19\x1c-\x1f]")
_NON_TEXT = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufffd]")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")
_LINE_BREAKS = re.compile("\r\n?|[\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")   # all that str.splitlines splits at
_CJK = (r"\u2e80-\u2fdf\u3001-\u303f\u3040-\u30ff\u3100-\u312f\u3200-\u32ff\u3400-\u4dbf"
        r"\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff01-\uffef\U00020000-\U0003134f")
_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([\w.:-]+)"""
                           rb"""|<\?xml[^>]*?encoding\s*=\s*["']([\w.:-]+)""", re.IGNORECASE)


class ReadError(Exception):
    """A file that cannot be read, with a one-line reason a user understands."""

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = Path(path)
        self.reason = " ".join(str(reason).split())
        super().__init__(self.path, self.reason)

    def __str__(self) -> str:
        return f"{printable(str(self.path))}: {self.reason}"


def printable(name: str) -> str:
    """A file name with control and other unprintable characters escaped (\\n, \\x1b …), so
    it prints as one line and cannot drive the terminal."""
    return name if name.isprintable() else "".join(ch if ch.isprintable() else ch.encode("unicode_escape")
                                                    .decode("ascii") for ch in name)


# ---------------------------------------------------------------- finding documents

def find_documents(inputs: list[Path]) -> Iterator[tuple[Path, str]]:
    """Yield (path, doc) for every supported file under `inputs`, sorted by doc within each input.

    `doc` is the path relative to the input folder (posix separators), or the file name for a
    file input. Hidden files/folders and Office lock files (~$*) are skipped. File inputs are
    yielded whatever their type and even if missing, so read_document reports the problem.
    A file reached through several inputs is yielded once.
    """
    seen: set[str] = set()
    for root in inputs:
        for path, doc in _walk(Path(root)):
            key = os.path.realpath(path)
            if key not in seen:
                seen.add(key)
                yield path, doc


def _walk(root: Path) -> Iterator[tuple[Path, str]]:
    """The supported files under one input, sorted by their relative name."""
    if not root.is_dir():
        yield root, root.name
        return
    found = []
    for folder, dirnames, filenames in os.walk(root):
        dirnames[:] = [name for name in dirnames if not _hidden(name) and not _earlier_outputs(Path(folder, name))]
        for name in filenames:
            path = Path(folder, name)
            if not _hidden(name) and os.path.splitext(name)[1].lower() in SUPPORTED_SUFFIXES \
                    and not _earlier_report(path):
                found.append((path.relative_to(root).as_posix(), path))
    for doc, path in sorted(found):
        yield path, doc


def _hidden(name: str) -> bool:
    return name.startswith((".", "~$"))


_REPORT_MARKS = (f'<meta name="generator" content="{TOOL}"'.encode(), "<title>统计数字核对报告</title>".encode())


def _earlier_outputs(folder: Path) -> bool:
    """An output folder of an earlier run (it holds our manifest): not input."""
    try:
        with open(folder / MANIFEST, "rb") as fh:
            return f'"tool": "{TOOL}"'.encode() in fh.read(4096)
    except OSError:
        return False


def _earlier_report(path: Path) -> bool:
    """The report.html of an earlier run (our generator tag or title near its start): not input."""
    if path.suffix.lower() not in (".html", ".htm"):
        return False
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
    except OSError:
        return False
    return any(mark in head for mark in _REPORT_MARKS)


# ---------------------------------------------------------------- reading documents

def read_document(path: Path, doc: str) -> Document:
    """Read one file into a Document; raise ReadError (and nothing else) when it cannot be read."""
    path = Path(path)
    suffix = path.suffix.lower()
    reader = _READERS.get(suffix)
    if reader is None:
        raise ReadError(path, f"unsupported file type '{path.suffix or '(none)'}' "
                              f"(supported: {', '.join(SUPPORTED_SUFFIXES)})")
    data = _read_bytes(path)
    try:
        text, encoding, problems = reader(path, data)
    except ReadError:
        raise
    except Exception as exc:  # a parser failing on a damaged file must not crash the run
        raise ReadError(path, f"corrupt or unreadable {suffix} file ({_describe(exc)})") from exc
    return Document(doc=doc, text=text, path=str(path), encoding=encoding, problems=problems)


def _read_bytes(path: Path) -> bytes:
    """The file's bytes; refuses missing, special, empty and oversized files before reading."""
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise ReadError(path, "is a directory, not a file")
        if not stat.S_ISREG(info.st_mode):
            raise ReadError(path, "not a regular file")
        if info.st_size > MAX_BYTES:
            raise ReadError(path, f"file too large ({_size(info.st_size)}; the limit is {_size(MAX_BYTES)})")
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise ReadError(path, "file not found") from None
    except PermissionError:
        raise ReadError(path, "permission denied") from None
    except OSError as exc:
        raise ReadError(path, f"cannot read file ({exc.strerror or exc})") from None
    if len(data) > MAX_BYTES:
        raise ReadError(path, f"file too large (over {_size(MAX_BYTES)}, the limit)")
    if not data:
        raise ReadError(path, "empty file")
    return data


Decoded = tuple[str, str, list[str]]   # text, encoding, problems


def _read_txt(path: Path, data: bytes) -> Decoded:
    text, encoding, problems = _decode(path, data)
    return _finish(path, text, encoding, problems, "no text (the file holds only whitespace)")


def _finish(path: Path, text: str, encoding: str, problems: list[str], empty: str,
            garbled: str = "binary file, not text") -> Decoded:
    """Refuse binary or blank text; strip the BOM, normalise line breaks, blank out control characters."""
    text = text.replace("\ufeff", "")              # the BOM, and stray ones from concatenated files
    odd = len(_NON_TEXT.findall(text))
    if odd > BINARY_RATIO * len(text):
        raise ReadError(path, f"{garbled} ({odd * 100 // len(text)}% control or undecodable characters)")
    text = _LINE_BREAKS.sub("\n", text)
    text, note = _blank_controls(text)
    if not text.strip():
        raise ReadError(path, empty)
    return text, encoding, problems + note


def _blank_controls(text: str) -> tuple[str, list[str]]:
    """Replace NUL and other control characters by spaces, one for one, noting how many."""
    found = _CONTROL.findall(text)
    if not found:
        return text, []
    nuls = found.count("\x00")
    kinds = [f"{nuls} NUL"] * bool(nuls) + [f"{len(found) - nuls} other control"] * (len(found) > nuls)
    return _CONTROL.sub(" ", text), [f"replaced {' and '.join(kinds)} character(s) with spaces"]


# ---------------------------------------------------------------- encodings

def _decode(path: Path, data: bytes) -> Decoded:
    """Decode text bytes: BOM, strict UTF-8, nearly-UTF-8, GB18030 vs Big5, then charset-normalizer."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _decode_lenient(data[len(bom):], encoding.removesuffix("-sig"), encoding)
    found = (_strict_utf8(data) if b"\x00" not in data else None) or _utf16_without_bom(data)
    if found:
        return found
    _refuse_binary(path, data)
    for attempt in (_strict_utf8, _nearly_utf8, _guess_chinese, _nearly_chinese, _guess_other):
        found = attempt(data)
        if found:
            return found
    raise ReadError(path, "cannot decode the text: encoding not recognised (not UTF-8, UTF-16, GB18030 or Big5)")


def _decode_lenient(data: bytes, codec: str, encoding: str) -> Decoded:
    """Decode with `codec`, replacing (and reporting) undecodable bytes."""
    try:
        return data.decode(codec), encoding, []
    except UnicodeDecodeError:
        text = data.decode(codec, errors="replace")
        return text, encoding, [f"invalid {encoding} data: {_bad_count(text, data)} character(s) replaced with U+FFFD"]


def _bad_count(text: str, data: bytes) -> int:
    return max(1, text.count("\ufffd") - data.count("\ufffd".encode()))


def _refuse_binary(path: Path, data: bytes) -> None:
    """Raise for data that is plainly binary: a known file signature or many control bytes."""
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise ReadError(path, f"binary file, not text (it looks like {what})")
    controls = len(_CONTROL_BYTES.findall(data))
    if controls > BINARY_RATIO * len(data):
        raise ReadError(path, f"binary file, not text ({controls * 100 // len(data)}% control bytes)")


def _strict_utf8(data: bytes) -> Decoded | None:
    try:
        return data.decode("utf-8"), "utf-8", []
    except UnicodeDecodeError:
        return None


def _nearly_utf8(data: bytes) -> Decoded | None:
    """UTF-8 with a few damaged bytes (see `_few_bad`)."""
    return _few_bad(data, "utf-8", "UTF-8")


def _few_bad(data: bytes, encoding: str, label: str) -> Decoded | None:
    """`data` decoded with the bad bytes replaced, when they are few: at least 20 good non-ASCII
    characters per bad one; the replacements are noted."""
    text = data.decode(encoding, errors="replace")
    bad = _bad_count(text, data)
    non_ascii = len(text) - len(text.encode("ascii", errors="ignore"))
    if non_ascii - bad < 20 * bad:
        return None
    return text, encoding, [f"invalid {label} data: {bad} character(s) replaced with U+FFFD"]


_UTF16_PLAUSIBLE = r"[\t\n\r\x20-\x7e\u3000-\u303f\u4e00-\u9fff\uff01-\uffef\u2010-\u203a]"
UTF16_MIN_SHARE = 0.95             # share of characters that must be ASCII, common hanzi or punctuation


def _utf16_without_bom(data: bytes) -> Decoded | None:
    """UTF-16 (LE or BE) without a BOM: the reading that decodes strictly, is almost all ASCII,
    hanzi and CJK punctuation, and whose hanzi are mostly common ones (a text in another encoding
    read as UTF-16 gives rare characters, Hangul or broken surrogates)."""
    if len(data) % 2 or len(data) < 4:
        return None
    for codec in ("utf-16-le", "utf-16-be"):
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        sample = text[:SAMPLE_CHARS]
        if len(re.findall(_UTF16_PLAUSIBLE, sample)) < UTF16_MIN_SHARE * len(sample):
            continue
        if sample.isascii() or max(_common_share(sample, "gb2312"), _common_share(sample, "big5")) >= 0.6:
            return text, codec, ["no byte-order mark: read as " + codec.upper()]
    return None


def _guess_chinese(data: bytes) -> Decoded | None:
    """GB18030 or Big5, whichever decodes strictly and reads as common Chinese; GB wins ties."""
    best: tuple[float, str, str] | None = None
    for encoding, scorer in (("gb18030", "gb2312"), ("big5", "big5"), ("cp950", "big5")):
        if encoding == "cp950" and best and best[1] == "big5":
            continue
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        score = _common_share(text, scorer)
        if best is None or score > best[0]:
            best = (score, encoding, text)
    if best is None or best[0] < 0.6:
        return None
    return best[2], best[1], []


def _nearly_chinese(data: bytes) -> Decoded | None:
    """GB18030 or Big5 with a few damaged bytes, whichever reads as common Chinese."""
    best: tuple[float, Decoded] | None = None
    for encoding, scorer in (("gb18030", "gb2312"), ("big5", "big5")):
        found = _few_bad(data, encoding, encoding.upper())
        if found:
            score = _common_share(found[0].replace("\ufffd", ""), scorer)
            if best is None or score > best[0]:
                best = (score, found)
    return best[1] if best and best[0] >= 0.6 else None


_COMMON_LEADS = {  # lead bytes of symbols/punctuation and of the frequent hanzi
    "gb2312": set(range(0xA1, 0xA4)) | set(range(0xB0, 0xD8)),     # GB2312 level 1
    "big5": set(range(0xA1, 0xC7)),                                 # Big5 常用字
}


def _common_share(text: str, charset: str) -> float:
    """Share of the non-ASCII characters that `charset` encodes among its common characters.

    Big5 bytes read as GB give kana, Cyrillic and rare hanzi; GB bytes read as Big5 give
    rare hanzi — so the right reading scores near 1 and the wrong one far lower.
    """
    sample = [c for c in text[:SAMPLE_CHARS] if ord(c) > 0x7F]
    if not sample:
        return 0.0
    leads = _COMMON_LEADS[charset]
    common = 0
    for char in sample:
        try:
            common += char.encode(charset)[0] in leads
        except UnicodeEncodeError:
            pass
    return common / len(sample)


def _guess_other(data: bytes) -> Decoded | None:
    """charset-normalizer's guess among the Chinese and Unicode encodings (UTF-16 without BOM,
    GB or Big5 text with many rare characters), GB and Big5 variants mapped to their supersets.
    Imported here: most documents are UTF-8, and a run starts faster without it."""
    from charset_normalizer import from_bytes

    match = from_bytes(data, cp_isolation=_DETECTABLE).best()
    if match is None:
        return None
    encoding = _canonical(match.encoding)
    if encoding in _GB_FAMILY or encoding in _BIG5_FAMILY:
        for candidate in _variants(encoding):
            try:
                return data.decode(candidate), candidate, []
            except UnicodeDecodeError:
                pass
    return str(match), encoding, [f"encoding guessed as {encoding}; check the text is not garbled"]


def _canonical(name: str) -> str:
    """Python's name of an encoding ('GBK' → 'gbk', 'x-gbk' → 'gbk'); LookupError if unknown."""
    try:
        return codecs.lookup(name).name
    except LookupError:
        return codecs.lookup(name.lower().removeprefix("x-")).name


# ---------------------------------------------------------------- HTML

def _read_html(path: Path, data: bytes) -> Decoded:
    from .htmltext import html_lines  # html.parser is loaded only for HTML input

    markup, encoding, problems = _decode_html(path, data)
    text = _collapse_blank_lines(html_lines(markup, _LONG_CELL))
    return _finish(path, text, encoding, problems, "no text in the HTML body")


def _decode_html(path: Path, data: bytes) -> Decoded:
    """Decode with the declared meta/XML charset when it fits the bytes, else detect."""
    declared = _declared_charset(data)
    if declared is None or any(data.startswith(bom) for bom, _ in _BOMS):
        return _decode(path, data)
    _refuse_binary(path, data)
    try:
        encoding = _canonical(declared)
    except LookupError:
        text, encoding, problems = _decode(path, data)
        return text, encoding, [f"unknown declared charset '{declared}'; read as {encoding}"] + problems
    if encoding in _WESTERN and not data.isascii():
        found = _strict_utf8(data) or _guess_chinese(data)
        if found:
            return found[0], found[1], [f"declared charset '{declared}' is wrong; read as {found[1]}"]
    for candidate in _variants(encoding):
        try:
            return data.decode(candidate), candidate, []
        except UnicodeDecodeError:
            pass
    text, detected, problems = _decode(path, data)
    return text, detected, [f"declared charset '{declared}' does not fit the bytes; read as {detected}"] + problems


def _variants(encoding: str) -> tuple[str, ...]:
    """Encodings to try for a declared one: GB labels mean GB18030, Big5 may be Microsoft's cp950."""
    if encoding in _GB_FAMILY:
        return ("gb18030",)
    if encoding in _BIG5_FAMILY:
        return ("big5", "cp950", "big5hkscs")
    return (encoding,)


def _declared_charset(data: bytes) -> str | None:
    match = _META_CHARSET.search(data[:4096])
    if match is None:
        return None
    return (match.group(1) or match.group(2)).decode("ascii")


_LONG_CELL = 60            # characters: a cell longer than this is page layout, its blocks are lines


def _collapse_blank_lines(lines: list[str]) -> str:
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")


# ---------------------------------------------------------------- DOCX

def _read_docx(path: Path, data: bytes) -> Decoded:
    _check_docx_container(path, data)
    try:
        import docx
    except ImportError:
        raise ReadError(path, "reading .docx files needs the python-docx package") from None
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:
        raise ReadError(path, f"corrupt or invalid .docx file ({_describe(exc)})") from None
    lines = list(_docx_blocks(document.element.body, document))
    return _finish(path, _collapse_blank_lines(lines), "docx", [], "no text in the document")


def _check_docx_container(path: Path, data: bytes) -> None:
    """A .docx is a ZIP; an OLE file is an encrypted .docx or an old .doc in disguise."""
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        if "EncryptedPackage".encode("utf-16-le") in data:
            raise ReadError(path, "password-protected (encrypted) Word document; save it without a password")
        raise ReadError(path, "old Word 97-2003 (.doc) file named .docx; save it as .docx")
    if not data.startswith(b"PK"):
        raise ReadError(path, "corrupt or invalid .docx file (not a ZIP package)")
    try:
        unpacked = sum(member.file_size for member in zipfile.ZipFile(io.BytesIO(data)).infolist())
    except (zipfile.BadZipFile, ValueError) as exc:
        raise ReadError(path, f"corrupt or invalid .docx file ({_describe(exc)})") from None
    if unpacked > MAX_BYTES:       # a small file of highly compressed XML (a zip bomb) counts at its real size
        raise ReadError(path, f"file too large ({_size(unpacked)} unpacked; the limit is {_size(MAX_BYTES)})")


def _docx_blocks(element: BaseOxmlElement, parent: object) -> Iterator[str]:
    """Paragraph texts of a body or table cell in reading order; a table gives one line a row,
    its cells separated by tabs (a merged cell once, the cells it covers left empty)."""
    from docx.oxml.ns import qn
    from docx.text.paragraph import Paragraph

    for child in _docx_children(element):
        if child.tag == qn("w:p"):
            yield Paragraph(child, parent).text
        elif child.tag == qn("w:tbl"):
            for row in _docx_children(child, qn("w:tr")):
                yield "\t".join(_docx_row(row, parent))


def _docx_row(row: BaseOxmlElement, parent: object) -> Iterator[str]:
    """The texts of the grid columns of a table row: the paragraphs of a short cell joined by
    spaces (a tab or line break would split the row), those of a long one (a page laid out in a
    table) kept as lines."""
    from docx.oxml.ns import qn

    for cell in _docx_children(row, qn("w:tc")):
        props = cell.find(qn("w:tcPr"))
        span = props.find(qn("w:gridSpan")) if props is not None else None
        merge = props.find(qn("w:vMerge")) if props is not None else None
        covered = merge is not None and merge.get(qn("w:val"), "continue") == "continue"
        texts = [] if covered else [t.strip() for t in _docx_blocks(cell, parent) if t.strip()]
        short = " ".join(" ".join(texts).split())
        yield short if len(short) <= _LONG_CELL else "\n".join(texts)
        yield from [""] * (int(span.get(qn("w:val"), "1")) - 1 if span is not None else 0)


def _docx_children(element: BaseOxmlElement, tag: str | None = None) -> Iterator[BaseOxmlElement]:
    """Child elements, looking through content controls (w:sdt) and custom-XML wrappers."""
    from docx.oxml.ns import qn

    for child in element.iterchildren():
        if child.tag == qn("w:sdt"):
            content = child.find(qn("w:sdtContent"))
            if content is not None:
                yield from _docx_children(content, tag)
        elif child.tag == qn("w:customXml"):
            yield from _docx_children(child, tag)
        elif tag is None or child.tag == tag:
            yield child


# ---------------------------------------------------------------- PDF

def _read_pdf(path: Path, data: bytes) -> Decoded:
    if b"%PDF" not in data[:1024]:
        raise ReadError(path, "corrupt or invalid PDF (no %PDF header)")
    try:
        import pypdf
    except ImportError:
        raise ReadError(path, "reading .pdf files needs the pypdf package") from None
    with _quiet("pypdf"):
        reader = _open_pdf(path, data, pypdf)
        pages, problems = _pdf_pages(path, reader)
    tabled = _pdf_table_pages(data)
    pages = [tabled[k] if k in tabled else join_wrapped_lines(page) for k, page in enumerate(pages)]
    text = repair_pdf_spacing("\n".join(pages))
    return _finish(path, text, "pdf", problems, "the PDF has no text layer (scanned images?); run OCR on it first",
                   garbled="the PDF's text layer is garbled (broken font encoding?)")


def _open_pdf(path: Path, data: bytes, pypdf: ModuleType) -> PdfReader:
    """A PdfReader, unlocked when only an owner password (no user password) protects the file."""
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted and reader.decrypt("") == pypdf.PasswordType.NOT_DECRYPTED:
            raise ReadError(path, "password-protected PDF; remove the password first")
    except pypdf.errors.DependencyError:
        raise ReadError(path, _NEEDS_CRYPTOGRAPHY) from None
    except ReadError:
        raise
    except Exception as exc:
        raise ReadError(path, f"corrupt or invalid PDF ({_describe(exc)})") from None
    return reader


_NEEDS_CRYPTOGRAPHY = "encrypted PDF; decrypting it needs the 'cryptography' package (pip install cryptography)"


def _pdf_pages(path: Path, reader: PdfReader) -> tuple[list[str], list[str]]:
    """Text of each page (trailing whitespace trimmed); pages that fail are noted and left empty
    (an encrypted PDF whose cipher needs a missing package is refused, not read as empty)."""
    from pypdf.errors import DependencyError

    pages: list[str] = []
    problems: list[str] = []
    for number, page in enumerate(reader.pages, 1):
        try:
            pages.append((page.extract_text() or "").rstrip())
        except DependencyError:
            raise ReadError(path, _NEEDS_CRYPTOGRAPHY) from None
        except Exception as exc:
            pages.append("")
            problems.append(f"page {number}: text could not be extracted ({_describe(exc)})")
    return pages, problems


def _pdf_table_pages(data: bytes) -> dict[int, str]:
    """The pages (0-based) on which pdfplumber's table finder sees ruled tables, read by it: the
    lines around the tables, and each table one line a row, cells separated by tabs."""
    try:
        import pdfplumber
    except ImportError:
        return {}
    found: dict[int, str] = {}
    try:
        with _quiet("pdfminer"), pdfplumber.open(io.BytesIO(data)) as pdf:
            for number, page in enumerate(pdf.pages):
                tables = page.find_tables()
                if tables:
                    found[number] = _pdf_page_with_tables(page, tables)
    except Exception:   # a PDF pdfplumber cannot read (damaged, encrypted) keeps pypdf's text
        return {}
    return found


def _pdf_page_with_tables(page: pdfplumber.page.Page, tables: list[pdfplumber.table.Table]) -> str:
    """A page's text lines outside its tables and its tables' rows, in order down the page."""
    boxes = [t.bbox for t in tables]

    def outside(obj: dict) -> bool:
        x, y = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
        return not any(x0 <= x <= x1 and top <= y <= bottom for x0, top, x1, bottom in boxes)

    pieces = [(line["top"], line["text"]) for line in page.filter(outside).extract_text_lines()]
    for table in tables:
        grid = table.extract()
        if all(len(row) == 1 for row in grid):       # a box around text, no table: its lines stay lines
            rows = [line.strip() for row in grid for line in (row[0] or "").splitlines()]
        else:
            rows = ["\t".join(" ".join((cell or "").split()) for cell in row) for row in grid]
        pieces.append((table.bbox[1], "\n".join(rows)))
    return "\n".join(text for _, text in sorted(pieces, key=lambda piece: piece[0]))


# A line that ends one of these ends its sentence (or is a heading, a caption): never joined.
_ENDS_SENTENCE = "。！？；：!?;:…”」』）)"
_FULL = 0.9             # a line this share of the page's full lines' length was broken at the page's edge
_WRAPPED_LINES = 3      # pages with fewer full lines hold no wrapped prose


def join_wrapped_lines(page: str) -> str:
    """A PDF page's visual lines joined where the page's width broke a sentence: a line about as
    long as the page's longest ones, ending with no sentence mark, goes on with the next line
    unless that one starts a paragraph (indented, or a heading number: 二、 · （三） · 1.).
    Without this every line end would end a sentence and cut figures from their words."""
    lines = page.split("\n")
    if len(lines) < _WRAPPED_LINES:
        return page
    lengths = sorted(len(line.rstrip()) for line in lines)
    full = lengths[-_WRAPPED_LINES] * _FULL          # the third-longest line sets the page's width
    if full < 10:
        return page
    out = [lines[0]]
    for line in lines[1:]:
        last = out[-1].rstrip()
        if len(last) >= full and last[-1] not in _ENDS_SENTENCE and line[:1].strip() \
                and not HEADING_NUMBER.match(line):
            glue = " " if last[-1].isascii() and last[-1].isalnum() and line[0].isascii() else ""
            out[-1] = last + glue + line
        else:
            out.append(line)
    return "\n".join(out)


def repair_pdf_spacing(text: str) -> str:
    """Remove the spaces PDF extraction puts between CJK characters, or between digits and CJK
    characters (or % signs): "2023 年12 月" → "2023年12月"; spaces between Latin words stay."""
    return _pdf_gap().sub("", text)


@cache
def _pdf_gap() -> re.Pattern:
    """The spaces PDF extraction puts between CJK characters and figures (compiled at the first
    PDF: its CJK classes take milliseconds to compile)."""
    return re.compile(rf"(?<=[{_CJK}0-9])[ \xa0]+(?=[{_CJK}])|(?<=[{_CJK}])[ \xa0]+(?=[0-9])"
                      r"|(?<=[0-9])[ \xa0]+(?=[%‰])")


@contextmanager
def _quiet(logger_name: str) -> Iterator[None]:
    """Silence a library's warnings about damaged files while it reads one."""
    logger = logging.getLogger(logger_name)
    level = logger.level
    logger.setLevel(logging.ERROR + 1)
    try:
        yield
    finally:
        logger.setLevel(level)


# ---------------------------------------------------------------- helpers

def _describe(exc: BaseException) -> str:
    """An exception as a short one-line text."""
    message = " ".join(str(exc).split()) or type(exc).__name__
    return message if len(message) <= 160 else message[:157] + "..."


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{n:,} bytes"


_READERS: dict[str, Callable[[Path, bytes], Decoded]] = {
    ".txt": _read_txt, ".docx": _read_docx, ".pdf": _read_pdf, ".html": _read_html, ".htm": _read_html,
}
