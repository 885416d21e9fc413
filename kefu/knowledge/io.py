"""Read knowledge points from CSV, Excel (.xlsx) and JSON files, and write them back out in the same formats.

Parsing knows nothing of the database: it turns a file into validated rows, each with its row number, plus a
list of errors (rows that cannot be imported) and warnings (rows that can, but look doubtful). Row numbers are
what a person sees: the header is row 1 in CSV and Excel, so the first point is row 2; in JSON the first point
is 1. Comparing with the points already stored is the importer's job (kefu/knowledge/importer.py).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import json
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from kefu.knowledge.schemas import (
    ITEM_SEPARATOR,
    MAX_ANSWER,
    MAX_CATEGORY,
    MAX_QUESTION,
    MAX_SIMILAR,
    TAG_SEPARATOR,
    KnowledgeIn,
    split_items,
)

FORMATS = ("csv", "xlsx", "json")
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}
MAX_ROWS = 100_000

# Every column a file may have, in export order. question and answer are required.
COLUMNS = ("category", "question", "similar_questions", "answer", "tags", "enabled", "valid_from", "valid_to",
           "image_url", "link_url", "buttons")
REQUIRED = ("question", "answer")
# Header names people write in Chinese spreadsheets, mapped to the column they mean.
ALIASES = {
    "分类": "category", "类别": "category", "类目": "category",
    "问题": "question", "标准问题": "question", "标准问": "question",
    "相似问题": "similar_questions", "相似问法": "similar_questions", "相似问": "similar_questions",
    "similar": "similar_questions", "similar_question": "similar_questions",
    "答案": "answer", "回答": "answer", "回复": "answer",
    "标签": "tags", "tag": "tags",
    "启用": "enabled", "是否启用": "enabled",
    "生效时间": "valid_from", "开始时间": "valid_from",
    "失效时间": "valid_to", "结束时间": "valid_to",
    "图片": "image_url", "图片链接": "image_url", "image": "image_url",
    "链接": "link_url", "link": "link_url", "url": "link_url",
    "按钮": "buttons",
}
# Keys a JSON export carries that an import does not need.
JSON_IGNORED = {"id", "created_at", "updated_at"}
TRUE_WORDS = {"true", "1", "yes", "y", "on", "是", "启用", "开启", "t"}
FALSE_WORDS = {"false", "0", "no", "n", "off", "否", "停用", "禁用", "关闭", "f"}
MAX_REPORTED_PER_ROW = 5

# Answers and cells may be long; the csv module's default limit (128 KiB) would stop at the first huge cell
# with a bare exception instead of our "too long" report.
csv.field_size_limit(max(csv.field_size_limit(), 32 * 1024 * 1024))


def problem(row: int | None, field_name: str, text: str, code: str) -> dict[str, Any]:
    return {"row": row, "field": field_name, "problem": text, "code": code}


class ImportFileError(Exception):
    """The file as a whole cannot be read (empty, not text, not a spreadsheet, missing columns …)."""

    def __init__(self, text: str, code: str, row: int | None = None, field_name: str = "file"):
        super().__init__(text)
        self.problem = problem(row, field_name, text, code)


@dataclass
class ParsedRow:
    """One importable point: its row number, the validated data and which fields the file gave."""

    row: int
    data: KnowledgeIn
    fields: frozenset[str]


@dataclass
class ParseResult:
    rows: list[ParsedRow] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    total: int = 0  # data rows in the file (blank lines not counted)
    encoding: str = ""


# --- reading ---------------------------------------------------------------------------------------------

def detect_format(filename: str, data: bytes) -> str:
    """Choose csv, xlsx or json from the file name, else from the first bytes."""
    name = (filename or "").lower()
    for fmt, ends in (("csv", (".csv", ".txt")), ("xlsx", (".xlsx",)), ("json", (".json",))):
        if name.endswith(ends):
            return fmt
    if name.endswith(".xls"):
        raise ImportFileError("old Excel .xls files are not supported: save the sheet as .xlsx or CSV", "format")
    if data.startswith(b"PK\x03\x04"):
        return "xlsx"
    head = data[:64].lstrip(codecs.BOM_UTF8).lstrip()
    if head[:1] in (b"[", b"{"):
        return "json"
    return "csv"


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode a text file: UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030 (a superset of GBK)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            pass
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise ImportFileError("the file is not text in UTF-8 or GBK/GB18030: save it as \"CSV UTF-8\"", "encoding")


def _header_key(name: Any) -> str:
    key = str(name if name is not None else "").strip().lstrip("\ufeff").strip().lower()
    key = re.sub(r"[\s\-]+", "_", key)
    return ALIASES.get(key, key)


def _map_header(cells: list[Any], warnings: list[dict[str, Any]]) -> dict[int, str]:
    """Map column positions to field names; refuse a header without question/answer or with a column twice."""
    mapping: dict[int, str] = {}
    seen: dict[str, int] = {}
    for i, cell in enumerate(cells):
        key = _header_key(cell)
        if not key:
            continue
        if key not in COLUMNS:
            warnings.append(problem(1, str(cell).strip(), f"unknown column {str(cell).strip()!r} ignored (known: "
                                    f"{', '.join(COLUMNS)})", "unknown_column"))
            continue
        if key in seen:
            raise ImportFileError(f"the column {key!r} appears twice (columns {seen[key] + 1} and {i + 1})",
                                  "columns", row=1, field_name=key)
        seen[key] = i
        mapping[i] = key
    missing = [c for c in REQUIRED if c not in seen]
    if missing:
        found = ", ".join(str(c).strip() for c in cells if c is not None and str(c).strip()) or "nothing"
        raise ImportFileError(
            f"missing required column{'s' if len(missing) > 1 else ''} {', '.join(missing)} in the header row "
            f"(found: {found[:200]}); the first row must name the columns, e.g. "
            "category,question,similar_questions,answer", "columns", row=1, field_name="header")
    return mapping


def _records_from_table(rows: Iterable[tuple[int, list[Any]]], result: ParseResult
                        ) -> Iterator[tuple[int, dict[str, Any]]]:
    """Turn (row number, cells) from a CSV or a sheet into (row number, {field: value}), header first."""
    mapping: dict[int, str] | None = None
    for rowno, cells in rows:
        if not any(c is not None and str(c).strip() for c in cells):
            continue  # blank lines and Excel's trailing empty rows
        if mapping is None:
            mapping = _map_header(list(cells), result.warnings)
            continue
        yield rowno, {name: cells[i] if i < len(cells) else None for i, name in mapping.items()}
    if mapping is None:
        raise ImportFileError("the file is empty", "empty")


def _csv_rows(text: str) -> Iterator[tuple[int, list[Any]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    rowno = 0
    while True:
        rowno += 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise ImportFileError(f"row {rowno}: the CSV cannot be read ({exc})", "format", row=rowno) from exc
        yield rowno, cells


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, list[Any]]]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ImportFileError("the file is not a readable Excel .xlsx workbook", "format") from exc
    try:
        sheet = book.worksheets[0] if book.worksheets else None
        if sheet is None:
            raise ImportFileError("the workbook has no sheet", "empty")
        for rowno, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield rowno, list(cells)
    finally:
        book.close()


def _json_records(text: str) -> Iterator[tuple[int, Any]]:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFileError(f"the file is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})",
                              "format") from exc
    items = doc.get("points") if isinstance(doc, dict) else doc
    if not isinstance(items, list):
        raise ImportFileError('expected a list of points, or {"points": [...]}', "format")
    if not items:
        raise ImportFileError("the file has no knowledge points", "empty")
    yield from enumerate(items, start=1)


# --- one row ---------------------------------------------------------------------------------------------

def _text(value: Any) -> str:
    """A cell as text: numbers without a spurious .0, times in ISO form."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


def _items(value: Any, separator: re.Pattern, fname: str, row: int, errors: list) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        if not all(isinstance(v, str) for v in value):
            errors.append(problem(row, fname, "must be a list of texts", "invalid"))
            return []
        return split_items(value, separator)
    return split_items(_text(value), separator)


def _enabled(value: Any, row: int, errors: list) -> bool:
    if isinstance(value, bool):
        return value
    word = _text(value).strip().lower()
    if not word or word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    errors.append(problem(row, "enabled", f"{_text(value)[:40]!r} is not true/false (or 1/0, 是/否)", "invalid"))
    return True


def _time(value: Any, fname: str, row: int, errors: list) -> dt.datetime | None:
    if value is None or isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    text = _text(value).strip()
    if not text:
        return None
    try:
        return dt.datetime.fromisoformat(text.replace("/", "-"))
    except ValueError:
        errors.append(problem(row, fname, f"{text[:40]!r} is not a date or time like 2026-01-31 or "
                                          "2026-01-31T18:00:00+08:00", "invalid"))
        return None


def _buttons(value: Any, row: int, errors: list) -> Any:
    if value is None or isinstance(value, list):
        return value
    text = _text(value).strip()
    if not text:
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        errors.append(problem(row, "buttons", 'must be JSON like [{"label": "退货流程", "value": "怎么退货"}]',
                              "invalid"))
        return None


def _too_long(row: int, fname: str, text: str, limit: int, errors: list, what: str = "") -> None:
    if len(text) > limit:
        errors.append(problem(row, fname, f"{what or fname} is {len(text)} characters long; at most {limit}",
                              "too_long"))


def parse_record(row: int, raw: Any, *, json_source: bool = False) -> tuple[ParsedRow | None, list[dict]]:
    """Validate one record; return the row (or None) and its problems."""
    errors: list[dict[str, Any]] = []
    if not isinstance(raw, dict):
        return None, [problem(row, "", "each point must be an object with question and answer", "invalid")]
    unknown = [k for k in raw if k not in COLUMNS and k not in JSON_IGNORED] if json_source else []
    if unknown:
        errors.append(problem(row, unknown[0], f"unknown field {unknown[0]!r} (known: {', '.join(COLUMNS)})",
                              "invalid"))
    fields = frozenset(k for k in raw if k in COLUMNS)
    question = _text(raw.get("question")).strip()
    answer = _text(raw.get("answer")).strip()
    category = _text(raw.get("category")).strip()
    if not question:
        errors.append(problem(row, "question", "missing question", "missing"))
    if not answer:
        errors.append(problem(row, "answer", "missing answer", "missing"))
    _too_long(row, "question", question, MAX_QUESTION, errors, "the question")
    _too_long(row, "answer", answer, MAX_ANSWER, errors, "the answer")
    _too_long(row, "category", category, MAX_CATEGORY, errors, "the category")
    similar = _items(raw.get("similar_questions"), ITEM_SEPARATOR, "similar_questions", row, errors)
    for i, q in enumerate(similar, start=1):
        _too_long(row, "similar_questions", q, MAX_SIMILAR, errors, f"similar question {i}")
    values = {
        "category": category, "question": question, "answer": answer, "similar_questions": similar,
        "tags": _items(raw.get("tags"), TAG_SEPARATOR, "tags", row, errors),
        "enabled": _enabled(raw.get("enabled"), row, errors),
        "valid_from": _time(raw.get("valid_from"), "valid_from", row, errors),
        "valid_to": _time(raw.get("valid_to"), "valid_to", row, errors),
        "image_url": _text(raw.get("image_url")).strip() or None,
        "link_url": _text(raw.get("link_url")).strip() or None,
        "buttons": _buttons(raw.get("buttons"), row, errors),
    }
    if errors:
        return None, errors[:MAX_REPORTED_PER_ROW]
    try:
        return ParsedRow(row, KnowledgeIn(**values), fields), []
    except ValidationError as exc:
        for e in exc.errors()[:MAX_REPORTED_PER_ROW]:
            loc = [str(p) for p in e.get("loc", ())]
            msg = re.sub(r"^Value error, ", "", e.get("msg", "invalid"))
            errors.append(problem(row, loc[0] if loc else "", msg + (f" ({'.'.join(loc[1:])})" if loc[1:] else ""),
                                  "invalid"))
        return None, errors


# --- the whole file --------------------------------------------------------------------------------------

def parse(data: bytes, fmt: str) -> ParseResult:
    """Read a whole file; file-level problems end up as one error with row None (or 1 for the header)."""
    result = ParseResult()
    try:
        if not data.strip():
            raise ImportFileError("the file is empty", "empty")
        if fmt == "xlsx":
            records: Iterable[tuple[int, Any]] = _records_from_table(_xlsx_rows(data), result)
        else:
            text, result.encoding = decode_text(data)
            if not text.strip():
                raise ImportFileError("the file is empty", "empty")
            if fmt == "json":
                records = _json_records(text)
            elif fmt == "csv":
                records = _records_from_table(_csv_rows(text), result)
            else:
                raise ImportFileError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}", "format")
        for rowno, raw in records:
            result.total += 1
            if result.total > MAX_ROWS:
                raise ImportFileError(f"more than {MAX_ROWS} points in one file: split it", "too_many_rows")
            parsed, errors = parse_record(rowno, raw, json_source=fmt == "json")
            result.errors.extend(errors)
            if parsed:
                result.rows.append(parsed)
        if result.total == 0:
            raise ImportFileError("the file has a header but no knowledge points", "empty")
    except ImportFileError as exc:
        result.rows = []
        result.errors.append(exc.problem)
        return result
    _check_within_file(result)
    return result


def _check_within_file(result: ParseResult) -> None:
    """A question twice is an error (the later rows); a similar question under two points is a warning."""
    first_row: dict[str, int] = {}
    keep: list[ParsedRow] = []
    for parsed in result.rows:
        q = parsed.data.question
        if q in first_row:
            result.errors.append(problem(parsed.row, "question", f"duplicate question: same as row {first_row[q]}",
                                         "duplicate_in_file"))
            continue
        first_row[q] = parsed.row
        keep.append(parsed)
    result.rows = keep
    owners: dict[str, int] = {}
    for parsed in keep:
        for q in parsed.data.similar_questions:
            if q in owners and owners[q] != parsed.row:
                result.warnings.append(problem(parsed.row, "similar_questions",
                                               f"the similar question {q!r} is also under row {owners[q]}",
                                               "similar_elsewhere"))
            else:
                owners.setdefault(q, parsed.row)
            if q in first_row and first_row[q] != parsed.row:
                result.warnings.append(problem(parsed.row, "similar_questions",
                                               f"the similar question {q!r} is the standard question of row "
                                               f"{first_row[q]}", "similar_elsewhere"))
    result.errors.sort(key=lambda e: (e["row"] or 0))


# --- writing ---------------------------------------------------------------------------------------------

def point_record(point: Any) -> dict[str, Any]:
    """A stored point as the plain record every export format writes."""
    def iso(t: dt.datetime | None) -> str | None:
        return t.astimezone(dt.UTC).isoformat() if t else None

    return {
        "category": point.category or "", "question": point.question,
        "similar_questions": list(point.similar_questions or []), "answer": point.answer,
        "tags": list(point.tags or []), "enabled": bool(point.enabled),
        "valid_from": iso(point.valid_from), "valid_to": iso(point.valid_to),
        "image_url": point.image_url, "link_url": point.link_url,
        "buttons": point.buttons or None,
    }


def _cell(record: dict[str, Any], name: str, joiner: str) -> str:
    value = record[name]
    if name in ("similar_questions", "tags"):
        return joiner.join(value)
    if name == "buttons":
        return json.dumps(value, ensure_ascii=False) if value else ""
    if name == "enabled":
        return "true" if value else "false"
    return "" if value is None else str(value)


def export_points(points: Iterable[Any], fmt: str) -> bytes:
    """Write points as csv (UTF-8 with a BOM, so Excel opens Chinese text correctly), xlsx or json."""
    records = [point_record(p) for p in points]
    if fmt == "json":
        doc = {"format": "kefu-knowledge", "version": 1, "points": records}
        return json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8")
    if fmt == "csv":
        buf = io.StringIO(newline="")
        writer = csv.writer(buf, lineterminator="\r\n")
        writer.writerow(COLUMNS)
        for r in records:
            writer.writerow([_cell(r, name, "||") for name in COLUMNS])
        return codecs.BOM_UTF8 + buf.getvalue().encode("utf-8")
    if fmt == "xlsx":
        return _xlsx(records)
    raise ValueError(f"unknown export format {fmt!r}")


def _xlsx(records: list[dict[str, Any]]) -> bytes:
    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("knowledge")
    sheet.append(list(COLUMNS))
    for r in records:
        cells = []
        for name in COLUMNS:
            # One similar question per line reads better in a spreadsheet than "||".
            cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", _cell(r, name, "\n")))
            cell.data_type = "s"  # text, never a formula, even when it starts with "="
            cells.append(cell)
        sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
