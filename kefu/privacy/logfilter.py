"""Keep personal data out of log lines: phone numbers, e-mail addresses, long digit runs and SQL parameters."""

from __future__ import annotations

import logging
import re
from typing import Any

from kefu.nlu.entities import replace_phones
from kefu.privacy.masking import mask_phone

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
# Eight digits and more: ID cards, bank cards, landlines, order numbers with a phone inside.
_DIGITS = re.compile(r"(?<!\d)\d{8,}(?!\d)")
# SQLAlchemy quotes a failed statement's parameters (message texts, names) in its exceptions.
_SQL_PARAMETERS = re.compile(r"\[parameters: .*?\](?=\s*(?:\(Background on this error|$))", re.S)
_PLAIN = (int, float, bool, type(None))


def scrub(text: str) -> str:
    """The text with phone numbers, e-mail addresses, digit runs of eight or more and SQL parameters masked."""
    if not text:
        return text
    text = replace_phones(text, mask_phone)
    text = _EMAIL.sub(lambda m: "***@" + m.group().rpartition("@")[2], text)
    text = _DIGITS.sub(lambda m: "*" * (len(m.group()) - 2) + m.group()[-2:], text)
    return _SQL_PARAMETERS.sub("[parameters hidden]", text)


def _clean(arg: Any) -> Any:
    # Numbers stay numbers (a %d must still format); anything else is formatted as text first, then masked.
    return arg if isinstance(arg, _PLAIN) else scrub(str(arg))


class PersonalDataFilter(logging.Filter):
    """Mask personal data in a record's message, arguments, exception text and stack (never drops a record)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = scrub(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_clean(a) for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: _clean(v) for k, v in record.args.items()}
        if record.exc_info and not record.exc_text:
            record.exc_text = scrub(logging.Formatter().formatException(record.exc_info))
        if record.stack_info:
            record.stack_info = scrub(record.stack_info)
        return True


def install() -> None:
    """Pass every log record of this process through PersonalDataFilter as it is made, whatever logger or handler
    (uvicorn's, the test runner's) later sees it; installing twice is harmless."""
    factory = logging.getLogRecordFactory()
    if getattr(factory, "kefu_personal_data", False):
        return
    masker = PersonalDataFilter()

    def make_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = factory(*args, **kwargs)
        masker.filter(record)
        return record

    make_record.kefu_personal_data = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(make_record)
