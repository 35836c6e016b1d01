"""Drafts as numbered sections and paragraphs; text from PDF; differences between versions.

Pure functions over text: no SQL, no HTTP. A draft's text is Markdown (a PDF's extracted text
is turned into the same shape), so the same splitter numbers both. Paragraph keys are
``"<section>.<paragraph>"`` (``"2.3"``: the third paragraph of section 2); a comment on the
whole document uses the key ``""``.
"""

from __future__ import annotations

import difflib
import io
import re
from dataclasses import dataclass

from onemg.errors import InvalidInputError

_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_FENCE = re.compile(r"^(```|~~~)")
# A numbered heading in text taken from a PDF: "2 Scope", "3.1 Data access", "4. Roles".
_PDF_HEADING = re.compile(r"^(\d+(?:\.\d+)*)\.?\s+([A-Z][^.]{0,78})$")
MAX_DRAFT_BYTES = 5_000_000


@dataclass(frozen=True)
class Paragraph:
    """One numbered paragraph (its Markdown source)."""

    key: str
    text: str


@dataclass(frozen=True)
class Section:
    """A numbered section: its heading and paragraphs."""

    number: int
    title: str
    paragraphs: tuple[Paragraph, ...]


def _blocks(lines: list[str]) -> list[str]:
    """Blank-line separated blocks; a fenced code block stays whole."""
    blocks: list[str] = []
    current: list[str] = []
    fenced = False
    for line in lines:
        if _FENCE.match(line.strip()):
            fenced = not fenced
        if not line.strip() and not fenced:
            if current:
                blocks.append("\n".join(current))
                current = []
            continue
        current.append(line)
    if current:
        blocks.append("\n".join(current))
    return blocks


def split_sections(text: str) -> tuple[Section, ...]:
    """Number the sections (one per heading) and their paragraphs.

    Text before the first heading is section 1, titled "Introduction"; an empty section keeps
    its number so that keys stay stable when a heading has no text under it yet.
    """
    sections: list[tuple[str, list[str]]] = []
    fenced = False
    for line in text.replace("\r\n", "\n").split("\n"):
        if _FENCE.match(line.strip()):
            fenced = not fenced
        heading = None if fenced else _HEADING.match(line)
        if heading:
            sections.append((heading.group(2), []))
            continue
        if not sections:
            if not line.strip():
                continue
            sections.append(("Introduction", []))
        sections[-1][1].append(line)
    return tuple(
        Section(
            n,
            title,
            tuple(Paragraph(f"{n}.{p}", block) for p, block in enumerate(_blocks(body), 1)),
        )
        for n, (title, body) in enumerate(sections, 1)
    )


def paragraph_keys(text: str) -> set[str]:
    """Every paragraph key of ``text``."""
    return {p.key for s in split_sections(text) for p in s.paragraphs}


def check_markdown(data: bytes, filename: str) -> str:
    """The text of an uploaded Markdown draft (UTF-8, not empty)."""
    if len(data) > MAX_DRAFT_BYTES:
        raise InvalidInputError(f"{filename}: larger than {MAX_DRAFT_BYTES // 1_000_000} MB")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInputError(
            f"{filename}: not UTF-8 text (byte {exc.start}); save it as UTF-8 Markdown"
        ) from None
    if not text.strip():
        raise InvalidInputError(f"{filename}: the draft is empty")
    return text


def pdf_to_markdown(data: bytes, filename: str) -> str:
    """The text of a PDF draft as Markdown: numbered headings become headings.

    Raises:
        InvalidInputError: not a PDF, encrypted, or without extractable text (a scan).
    """
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    if len(data) > MAX_DRAFT_BYTES:
        raise InvalidInputError(f"{filename}: larger than {MAX_DRAFT_BYTES // 1_000_000} MB")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise InvalidInputError(f"{filename}: the PDF is encrypted; upload it unprotected")
        pages = [page.extract_text(extraction_mode="layout") or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError) as exc:
        raise InvalidInputError(f"{filename}: not a readable PDF ({exc})") from None
    out: list[str] = []
    for page in pages:
        for raw in page.split("\n"):
            line = " ".join(raw.split())
            heading = _PDF_HEADING.match(line)
            if heading:
                out += ["", f"## {heading.group(2)}", ""]
            elif not line:
                out.append("")
            elif out and out[-1] and not out[-1].startswith("#"):
                out[-1] += " " + line  # a wrapped line of the same paragraph
            else:
                out.append(line)
        out.append("")
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip()
    if not text:
        raise InvalidInputError(
            f"{filename}: no text could be extracted (a scanned PDF?); upload Markdown instead"
        )
    return text + "\n"


@dataclass(frozen=True)
class DiffLine:
    """One line of a unified diff: ``kind`` is "add", "del", "same" or "hunk"."""

    kind: str
    text: str


def diff_versions(old: str, new: str, *, context: int = 2) -> list[DiffLine]:
    """The unified diff of two versions' texts, line by line (rendered escaped by templates)."""
    kinds = {"+": "add", "-": "del", " ": "same", "@": "hunk"}
    lines = list(difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=context))[
        2:
    ]  # past the "---"/"+++" file header
    return [DiffLine(kinds[line[0]], line[1:] if line[0] != "@" else line) for line in lines]
