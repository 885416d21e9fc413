"""Read slot values out of a customer's reply: order numbers, phones, yes/no, choices, addresses."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Any

from kefu.nlu import entities
from kefu.nlu.normalize import normalize


class SlotError(ValueError):
    """The reply was meant as the value but is not usable; `code` picks the explanation to show."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(code)
        self.code = code
        self.detail = detail


_PHONE_DIGITS = re.compile(r"\d")
_CANCEL_WORD = (r"(算了|不用了|不要了|不改了|不退了|不取消了|不催了|不查了|取消|退出|不办了|cancel|never ?mind|stop"
                r"|forget it|quit)")
_PARTICLES = r"[吧啦了吗呀啊!！。.,，~\s]*"
# "算了不改了", "算了吧，不用了": one or more call-off words with particles between them.
_CANCEL = re.compile(r"^" + _CANCEL_WORD + r"(" + _PARTICLES + _CANCEL_WORD + r")*" + _PARTICLES + r"$", re.IGNORECASE)
_YES = re.compile(r"^(是|是的|对|对的|确认|确定|好|好的|嗯|嗯嗯|可以|行|没问题|没错|ok|okay|yes|yep|y|sure|confirm"
                  r"|correct|right)[吧啦了呀啊!！。.~\s]*$", re.IGNORECASE)
_NO = re.compile(r"^(不|不是|不对|否|错了|不行|no|nope|n|wrong)[吧啦了呀啊!！。.~\s]*$", re.IGNORECASE)
_RESUME = re.compile(r"^(继续|接着|继续办理|好的继续|continue|resume|go on)[吧啦了呀啊!！。.~\s]*$", re.IGNORECASE)


def is_cancel(text: str) -> bool:
    """True when the customer calls the whole thing off ("算了", "cancel")."""
    return bool(_CANCEL.match(text.strip()))


def is_resume(text: str) -> bool:
    return bool(_RESUME.match(text.strip()))


def find_order_no(text: str) -> str | None:
    """Return an order-number-looking token (letters optional, five characters or more with a digit), if any."""
    return entities.find_order_no(text)


def find_phone(text: str) -> str | None:
    """Return the mobile number in text (spaces, dashes, +86 and full-width digits allowed), if any."""
    return entities.find_phone(text)


def order_no(text: str, ctx: Any = None) -> str | None:
    return find_order_no(text)


def phone(text: str, ctx: Any = None) -> str | None:
    if found := entities.find_phone(text):
        return found
    digits = "".join(_PHONE_DIGITS.findall(unicodedata.normalize("NFKC", text)))
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if len(digits) == 11 and digits.startswith("1"):
        return digits
    if len(digits) >= 7 and len(text.strip()) <= 24:
        raise SlotError("bad_phone")
    return None


def yes_no(text: str, ctx: Any = None) -> bool | None:
    s = text.strip()
    if _YES.match(s):
        return True
    if _NO.match(s) or is_cancel(s):
        return False
    return None


def free_text(text: str, ctx: Any = None) -> str | None:
    s = text.strip()
    return s[:500] if s else None


def contact(text: str, ctx: Any = None) -> str | None:
    """A way to reach the customer: a phone, an e-mail or a messaging id (5+ characters)."""
    s = text.strip()
    if re.search(r"\d{7,}", s) or re.search(r"[^@\s]+@[^@\s]+\.\w+", s) or re.fullmatch(r"[A-Za-z][\w-]{4,40}", s):
        return s[:100]
    # "微信号 kefu_fan88", "wechat: fan88_x", "QQ 12345678": a messaging id named as such.
    if re.search(r"(微信|wx|vx|wechat|qq|邮箱|line|whatsapp|telegram)", s, re.IGNORECASE) and \
            re.search(r"[A-Za-z0-9][\w.-]{4,40}", s):
        return s[:100]
    return None


def address(text: str, ctx: Any = None):
    from kefu.commerce.address import AddressError, parse_address

    try:
        return parse_address(text).as_dict()
    except AddressError as e:
        raise SlotError("bad_address", e.message_en if ctx is not None and ctx.locale == "en" else str(e)) from e


def choice(options: list[tuple[str, list[str]]]) -> Callable[[str, Any], str | None]:
    """A parser picking one of options [(value, [words…])] by value, word, or 1-based number."""
    def parse(text: str, ctx: Any = None) -> str | None:
        s = normalize(text).strip()
        for i, (value, words) in enumerate(options, 1):
            if s == str(i) or s == normalize(value) or any(normalize(w) and normalize(w) in s for w in words):
                return value
        return None
    return parse


PARSERS: dict[str, Callable[[str, Any], Any]] = {
    "order_no": order_no, "phone": phone, "yes_no": yes_no, "free_text": free_text, "contact": contact,
    "address": address,
}
