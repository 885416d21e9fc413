"""Read a labelled `text,label` CSV and refuse bad rows with the line they are on."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from kefu.errors import KefuError

LABELS = ("angry", "anxious", "neutral", "positive")


class DatasetError(KefuError):
    """A labelled file the user must fix (the message says where)."""

    code = "bad_dataset"


def read_labelled(path: Path) -> list[tuple[str, str]]:
    """Return (text, label) pairs from a UTF-8 CSV (a BOM is fine) with at least the columns text and label."""
    try:
        content = Path(path).read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DatasetError(f"{path}: not UTF-8 text (byte {exc.start}); save the file as UTF-8 CSV") from exc
    except OSError as exc:
        raise DatasetError(f"{path}: cannot read ({exc.strerror})") from exc
    reader = csv.DictReader(io.StringIO(content, newline=""))
    if not reader.fieldnames:
        raise DatasetError(f"{path}: empty file; expected a header line `text,label` and one row per message")
    columns = [c.strip().lower() for c in reader.fieldnames]
    missing = [c for c in ("text", "label") if c not in columns]
    if missing:
        raise DatasetError(f"{path}: missing column(s) {', '.join(missing)}; the header has "
                           f"{', '.join(reader.fieldnames)} (expected text,label)")
    reader.fieldnames = columns
    rows: list[tuple[str, str]] = []
    for record in reader:
        line = reader.line_num  # the line the row ends on; header is line 1
        label = (record.get("label") or "").strip().lower()
        if label not in LABELS:
            shown = repr(record.get("label")) if record.get("label") is not None else "nothing"
            raise DatasetError(f"{path}: line {line}: unknown label {shown}; use one of {', '.join(LABELS)}")
        rows.append((record.get("text") or "", label))
    if not rows:
        raise DatasetError(f"{path}: no rows under the header")
    return rows
