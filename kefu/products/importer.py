"""Import a shop's catalogue from JSON Lines, CSV or .xlsx: check every row first, then upsert by SKU in batches.

JSON Lines: one product per line, `{"sku", "name", "category", "price", "url"?, "image"?, "description"?,
"attributes": {…}, "variants": [{"sku", "attributes": {…}, "price"?, "stock"}]?, "size_chart": [{…}]?}`.
CSV / .xlsx: a header row, then one product per row (columns sku, name, category, price, stock, url, image,
description, attributes as JSON or "颜色:黑; 尺码:L", tags, size_chart as JSON, and any column `attr:KEY` or
`属性:KEY`); a row with `parent_sku` is a variant of that product (in the file or already in the shop).

A file with a bad row imports nothing unless skip_bad; nothing already stored is deleted (variants are upserted too).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from kefu.commerce.models import Product, ProductVariant
from kefu.db import utcnow
from kefu.knowledge import io as kbio
from kefu.limits import MAX_CENTS
from kefu.products.attributes import canonical

FORMATS = ("jsonl", "csv", "xlsx")
BATCH = 1000
MAX_PROBLEMS = 1000
_SKU = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
# Yuan, written the ways shop exports write it: 59, 59.00, ¥59.00, ￥1,299, 59元, RMB 59, CNY59.
_YUAN = re.compile(r"^(?:¥|￥|RMB|CNY|人民币)?\s*([0-9][0-9,]*(?:\.[0-9]+)?)\s*(?:元|RMB|CNY)?$", re.IGNORECASE)
_OTHER_CURRENCY = re.compile(r"(US\$|HK\$|\$|€|£|USD|EUR|HKD|GBP|JPY|円|美元|港币|欧元)", re.IGNORECASE)
_PATH_SPLIT = re.compile(r"\s*(?:>|/|›|»|＞|\|)\s*")
# CSV column names in Chinese or English → the JSON Lines field.
COLUMNS = {
    "sku": "sku", "货号": "sku", "商品编码": "sku", "name": "name", "名称": "name", "商品名称": "name",
    "category": "category", "分类": "category", "类目": "category", "price": "price", "价格": "price",
    "售价": "price", "stock": "stock", "库存": "stock", "url": "url", "链接": "url", "image": "image",
    "image_url": "image", "图片": "image", "description": "description", "描述": "description",
    "详情": "description", "attributes": "attributes", "规格参数": "attributes", "属性": "attributes",
    "tags": "tags", "标签": "tags", "parent_sku": "parent_sku", "父货号": "parent_sku", "所属商品": "parent_sku",
    "size_chart": "size_chart", "尺码表": "size_chart",
}


def problem(line: int | None, sku: str, field_name: str, text: str) -> dict[str, Any]:
    return {"row": line, "sku": sku, "field": field_name, "problem": text}


class CatalogueFileError(Exception):
    """The file as a whole cannot be read (empty, unknown format, no sku/name columns …)."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


@dataclass
class VariantRow:
    line: int
    sku: str
    attributes: dict[str, str]
    price_cents: int | None
    stock: int


@dataclass
class ProductRow:
    line: int
    sku: str
    name: str
    category_path: str
    price_cents: int
    stock: int | None
    url: str | None
    image_url: str | None
    description: str
    attributes: dict[str, str]
    tags: list[str]
    size_chart: list[dict[str, Any]] | None
    variants: list[VariantRow] = field(default_factory=list)


@dataclass
class ImportResult:
    total: int = 0  # products and variants read
    created: int = 0
    updated: int = 0
    variants: int = 0
    skipped: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def imported(self) -> int:
        return self.created + self.updated


# --- values ------------------------------------------------------------------------------------------------

def parse_price(value: Any) -> int:
    """Yuan → cents; "¥59.00", "1,299", "59元" are accepted, another currency or a negative price is refused."""
    if isinstance(value, bool):
        raise ValueError("price must be a number of yuan")
    if isinstance(value, (int, float, Decimal)):
        amount = Decimal(str(value))
    else:
        text = str(value).strip().replace("\u00a0", " ")
        if not text:
            raise ValueError("price is missing")
        if _OTHER_CURRENCY.search(text):
            raise ValueError(f"price {text!r} is in another currency: kefu keeps prices in yuan (¥); convert it")
        m = _YUAN.match(text)
        if not m:
            raise ValueError(f"price {text!r} is not a number of yuan (e.g. 59, 59.00 or ¥59.00)")
        try:
            amount = Decimal(m.group(1).replace(",", ""))
        except InvalidOperation as exc:
            raise ValueError(f"price {text!r} is not a number") from exc
    if amount < 0:
        raise ValueError("price cannot be negative")
    cents = amount * 100
    if cents != cents.to_integral_value():
        raise ValueError(f"price {value!r} has more than two decimals")
    if cents > MAX_CENTS:
        raise ValueError("price is too large")
    return int(cents)


def parse_stock(value: Any) -> int:
    """A whole number ≥ 0; "12件" or "有货" is refused with a reason."""
    if isinstance(value, bool):
        raise ValueError("stock must be a whole number")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        n = value
    else:
        text = str(value).strip()
        if not re.fullmatch(r"-?\d+", text):
            raise ValueError(f"stock {text!r} is not a whole number")
        n = int(text)
    if n < 0:
        raise ValueError("stock cannot be negative")
    if n > 10**9:
        raise ValueError("stock is too large")
    return n


def parse_attributes(value: Any) -> dict[str, str]:
    """Key → value pairs from a JSON object or "颜色:黑; 尺码:L"; one key in two languages is refused."""
    if value in (None, ""):
        return {}
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("{"):
            try:
                value = json.loads(text)
            except json.JSONDecodeError as exc:
                raise ValueError(f"attributes are not valid JSON ({exc.msg})") from exc
        else:
            value = {}
            for part in re.split(r"[;；\n]+", text):
                if not part.strip():
                    continue
                k, sep, v = part.partition(":") if ":" in part else part.partition("：")
                if not sep:
                    raise ValueError(f"attribute {part.strip()!r} has no value (write key:value)")
                value[k.strip()] = v.strip()
    if not isinstance(value, dict):
        raise ValueError("attributes must be an object of key → value")
    out: dict[str, str] = {}
    seen: dict[str, str] = {}
    for key, val in value.items():
        k = str(key).strip()
        if not k or len(k) > 50:
            raise ValueError(f"attribute key {k!r} must be 1–50 characters")
        if isinstance(val, (dict, list)):
            raise ValueError(f"attribute {k} must be a text or a number, not a list or object")
        v = "" if val is None else str(val).strip()
        if len(v) > 500:
            raise ValueError(f"attribute {k} is longer than 500 characters")
        name = canonical(k)
        if name in seen and seen[name] != k:
            raise ValueError(f"attributes {seen[name]!r} and {k!r} are the same attribute in two languages; "
                             "keep one")
        seen[name] = k
        out[k] = v
    if len(out) > 50:
        raise ValueError("more than 50 attributes")
    return out


def category_path(value: Any) -> str:
    """"家居/杯具", "家居 > 杯具" or ["家居", "杯具"] → "家居 > 杯具"."""
    parts = value if isinstance(value, list) else _PATH_SPLIT.split(str(value or "").strip())
    path = " > ".join(str(p).strip() for p in parts if str(p).strip())
    if len(path) > 300:
        raise ValueError("category path is longer than 300 characters")
    return path


def _size_chart(value: Any) -> list[dict[str, Any]] | None:
    if value in (None, "", []):
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise ValueError(f"size chart is not valid JSON ({exc.msg})") from exc
    if not isinstance(value, list) or not all(isinstance(r, dict) for r in value) or len(value) > 50:
        raise ValueError("size chart must be a list of up to 50 rows, e.g. [{\"尺码\": \"M\", \"身高\": \"165-175\"}]")
    return [{str(k): str(v) for k, v in r.items()} for r in value]


def _text(value: Any, limit: int, what: str, *, required: bool = False, url: bool = False) -> str:
    text = "" if value is None else str(value).strip()
    if required and not text:
        raise ValueError(f"{what} is missing")
    if len(text) > limit:
        raise ValueError(f"{what} is longer than {limit} characters")
    if url and text and not re.match(r"^https?://", text):
        raise ValueError(f"{what} must start with http:// or https://")
    return text


# --- reading ----------------------------------------------------------------------------------------------

def detect_format(filename: str, data: bytes) -> str:
    name = (filename or "").lower()
    if name.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    if name.endswith(".xlsx") or data.startswith(b"PK\x03\x04"):
        return "xlsx"
    if name.endswith((".csv", ".txt")):
        return "csv"
    return "jsonl" if data.lstrip(b"\xef\xbb\xbf \r\n\t")[:1] == b"{" else "csv"


def records(filename: str, data: bytes) -> Iterator[tuple[int, Any]]:
    """(line number, raw record) of every product or variant in the file; line numbers as an editor shows them."""
    if not data.strip():
        raise CatalogueFileError("the file is empty")
    fmt = detect_format(filename, data)
    if fmt == "jsonl":
        text, _ = kbio.decode_text(data)
        for no, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                yield no, json.loads(line)
            except json.JSONDecodeError as exc:
                yield no, ValueError(f"not valid JSON ({exc.msg}, column {exc.colno})")
        return
    try:
        rows = kbio._xlsx_rows(data) if fmt == "xlsx" else kbio._csv_rows(kbio.decode_text(data)[0])
        header: list[str] | None = None
        for no, cells in rows:
            if header is None:
                header = [str(c or "").strip() for c in cells]
                keys = [COLUMNS.get(h.lower(), COLUMNS.get(h)) for h in header]
                if "sku" not in keys or "name" not in keys and "parent_sku" not in keys:
                    raise CatalogueFileError("the first row must name the columns, with at least sku and name "
                                             f"(found: {', '.join(h for h in header if h) or 'nothing'})")
                continue
            if all(c in (None, "") for c in cells):
                continue
            yield no, _table_record(header, keys, cells)
    except kbio.ImportFileError as exc:
        raise CatalogueFileError(exc.problem["problem"]) from exc


def _table_record(header: list[str], keys: list[str | None], cells: list[Any]) -> dict[str, Any]:
    rec: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for head, key, cell in zip(header, keys, cells, strict=False):
        if cell in (None, ""):
            continue
        if key:
            rec[key] = cell
        elif m := re.match(r"^(?:attr|属性)[:：](.+)$", head, re.IGNORECASE):
            extra[m.group(1).strip()] = cell
    if extra:
        rec["_extra_attributes"] = extra
    return rec


# --- checking ---------------------------------------------------------------------------------------------

@dataclass
class _Check:
    """What the rows read so far say, to find duplicates and parents."""

    products: dict[str, ProductRow] = field(default_factory=dict)
    owner: dict[str, tuple[str, int]] = field(default_factory=dict)  # any SKU → (kind, line) where first seen
    orphans: list[tuple[int, dict[str, Any]]] = field(default_factory=list)


def _variant(line: int, raw: Any, where: str = "") -> VariantRow:
    if not isinstance(raw, dict):
        raise ValueError(f"{where}a variant must be an object")
    sku = _text(raw.get("sku"), 64, f"{where}sku", required=True)
    if not _SKU.match(sku):
        raise ValueError(f"{where}SKU {sku!r} may only use letters, digits, - and _ (64 at most)")
    attrs = parse_attributes(raw.get("attributes"))
    attrs.update(parse_attributes(raw.get("_extra_attributes")))
    if not attrs:
        raise ValueError(f"{where}variant {sku} needs the attributes that set it apart (颜色, 尺码 …)")
    price = raw.get("price")
    stock = raw.get("stock")
    return VariantRow(line, sku, attrs, None if price in (None, "") else parse_price(price),
                      0 if stock in (None, "") else parse_stock(stock))


def _product(line: int, raw: dict[str, Any]) -> ProductRow:
    sku = _text(raw.get("sku"), 64, "sku", required=True)
    if not _SKU.match(sku):
        raise ValueError(f"SKU {sku!r} may only use letters, digits, - and _ (64 at most)")
    attrs = parse_attributes(raw.get("attributes"))
    for k, v in parse_attributes(raw.get("_extra_attributes")).items():
        if canonical(k) in {canonical(a) for a in attrs} and k not in attrs:
            raise ValueError(f"attribute {k!r} is given twice, in two languages")
        attrs[k] = v
    tags = raw.get("tags") or []
    if isinstance(tags, str):
        tags = [t.strip() for t in re.split(r"[,，;；|]", tags) if t.strip()]
    if not isinstance(tags, list) or len(tags) > 20:
        raise ValueError("tags must be a list of up to 20 words")
    variants = raw.get("variants") or []
    if not isinstance(variants, list):
        raise ValueError("variants must be a list")
    stock = raw.get("stock")
    path = category_path(raw.get("category"))
    row = ProductRow(
        line=line, sku=sku, name=_text(raw.get("name"), 200, "name", required=True), category_path=path,
        price_cents=parse_price(raw.get("price", "")), stock=None if stock in (None, "") else parse_stock(stock),
        url=_text(raw.get("url"), 500, "url", url=True) or None,
        image_url=_text(raw.get("image") or raw.get("image_url"), 500, "image", url=True) or None,
        description=_text(raw.get("description"), 5000, "description"), attributes=attrs,
        tags=[str(t)[:30] for t in tags], size_chart=_size_chart(raw.get("size_chart")))
    row.variants = [_variant(line, v, f"variants[{i}]: ") for i, v in enumerate(variants)]
    return row


def _claim(check: _Check, sku: str, kind: str, line: int) -> str | None:
    if sku in check.owner:
        first_kind, first_line = check.owner[sku]
        return f"SKU {sku} is already used on line {first_line} (a {first_kind})"
    check.owner[sku] = (kind, line)
    return None


def _same_variants(row: ProductRow) -> str | None:
    seen: dict[tuple, str] = {}
    for v in row.variants:
        key = tuple(sorted((canonical(k), val) for k, val in v.attributes.items()))
        if key in seen:
            return f"variants {seen[key]} and {v.sku} have the same attributes"
        seen[key] = v.sku
    return None


def check_file(filename: str, data: bytes, *, existing: dict[str, int] | None = None,
               existing_variants: dict[str, int] | None = None) -> tuple[list[ProductRow], ImportResult]:
    """Read and check every row; returns the good products (variants attached) and the problems found.

    existing: the shop's product SKUs → ids; existing_variants: its variant SKUs → their product's id, so a
    variant row may name a product already in the shop and no SKU is taken twice.
    """
    existing = existing or {}
    existing_variants = existing_variants or {}
    result = ImportResult()
    check = _Check()
    bad_lines: set[int] = set()

    def bad(line: int, sku: str, field_name: str, text: str) -> None:
        bad_lines.add(line)
        if len(result.errors) < MAX_PROBLEMS:
            result.errors.append(problem(line, sku, field_name, text))

    for line, raw in records(filename, data):
        if isinstance(raw, ValueError):
            result.total += 1
            bad(line, "", "line", str(raw))
            continue
        if not isinstance(raw, dict):
            result.total += 1
            bad(line, "", "line", "a line must be a JSON object (one product)")
            continue
        sku = str(raw.get("sku") or "").strip()
        if raw.get("parent_sku") not in (None, ""):
            result.total += 1
            check.orphans.append((line, raw))
            continue
        result.total += 1 + len(raw.get("variants") or []) if isinstance(raw.get("variants"), list) else 1
        try:
            row = _product(line, raw)
        except ValueError as exc:
            bad(line, sku, "row", str(exc))
            continue
        for s, kind in [(row.sku, "product"), *((v.sku, "variant") for v in row.variants)]:
            clash = _claim(check, s, kind, line)
            if clash is None and kind == "product" and s in existing_variants:
                clash = f"SKU {s} is already a variant in the shop"
            if clash is None and kind == "variant" and s in existing and s != row.sku:
                clash = f"variant SKU {s} is already a product in the shop"
            if clash is None and kind == "variant" and s in existing_variants \
                    and existing_variants[s] != existing.get(row.sku):
                clash = f"variant SKU {s} belongs to another product in the shop"
            if clash:
                bad(line, s, "sku", clash)
        if (same := _same_variants(row)):
            bad(line, row.sku, "variants", same)
        check.products.setdefault(row.sku, row)
    # Variant rows (CSV/xlsx, or JSON Lines with parent_sku) join their product, in the file or in the shop.
    for line, raw in check.orphans:
        parent = str(raw.get("parent_sku")).strip()
        sku = str(raw.get("sku") or "").strip()
        try:
            variant = _variant(line, raw)
        except ValueError as exc:
            bad(line, sku, "row", str(exc))
            continue
        if parent not in check.products and parent not in existing:
            bad(line, sku, "parent_sku", f"variant {sku} names parent {parent}, which is neither in the file nor "
                                         "in the shop")
            continue
        clash = _claim(check, sku, "variant", line)
        if clash is None and sku in existing:
            clash = f"variant SKU {sku} is already a product in the shop"
        if clash is None and sku in existing_variants and existing_variants[sku] != existing.get(parent):
            clash = f"variant SKU {sku} belongs to another product in the shop"
        if clash:
            bad(line, sku, "sku", clash)
            continue
        host = check.products.get(parent)
        if host is None:  # a variant of a product already in the shop: carried by a stand-in row
            host = check.products[parent] = ProductRow(line, parent, "", "", 0, None, None, None, "", {}, [], None)
            host.line = -1
        host.variants.append(variant)
        if (same := _same_variants(host)):
            bad(line, sku, "attributes", same)
    if result.total == 0:
        raise CatalogueFileError("the file has no products")
    result.errors.sort(key=lambda e: e["row"] or 0)
    # A bad product line drops the product with its nested variants; a bad variant row drops only itself.
    good = [p for p in check.products.values() if p.line not in bad_lines]
    for p in good:
        p.variants = [v for v in p.variants if v.line == p.line or v.line not in bad_lines]
    result.skipped = len(bad_lines)
    return good, result


# --- writing ----------------------------------------------------------------------------------------------

def _product_values(row: ProductRow) -> dict[str, Any]:
    stock = row.stock if row.stock is not None else sum(v.stock for v in row.variants)
    return {"sku": row.sku, "name": row.name, "category_path": row.category_path,
            "category": row.category_path.rsplit(" > ", 1)[-1][:100], "price_cents": row.price_cents,
            "stock": stock, "url": row.url, "image_url": row.image_url, "description": row.description,
            "attributes": row.attributes, "tags": row.tags, "size_chart": row.size_chart}


def apply(db: Session, tenant_id: int, rows: list[ProductRow], result: ImportResult, existing: dict[str, int],
          existing_variants: dict[str, int], on_progress: Callable[[int, int], None] | None = None) -> None:
    """Upsert the checked rows by SKU, BATCH at a time (one transaction: the caller commits)."""
    now = utcnow()
    total = len(rows)
    for start in range(0, total, BATCH):
        chunk = rows[start:start + BATCH]
        new = [r for r in chunk if r.sku not in existing]
        old = [r for r in chunk if r.sku in existing and r.line != -1]
        if new:
            ids = db.execute(insert(Product).returning(Product.id, Product.sku), [
                {**_product_values(r), "tenant_id": tenant_id, "created_at": now, "updated_at": now} for r in new])
            existing.update({sku: pid for pid, sku in ids})
            result.created += len(new)
        if old:
            db.execute(update(Product), [
                {**_product_values(r), "id": existing[r.sku], "updated_at": now} for r in old])
            result.updated += len(old)
        new_variants, old_variants = [], []
        for r in chunk:
            for pos, v in enumerate(r.variants):
                values = {"product_id": existing[r.sku], "sku": v.sku, "attributes": v.attributes,
                          "price_cents": v.price_cents, "stock": v.stock, "position": pos}
                if v.sku in existing_variants:
                    old_variants.append({**values, "id": existing_variants[v.sku]})
                else:
                    new_variants.append({**values, "tenant_id": tenant_id})
        if new_variants:
            ids = db.execute(insert(ProductVariant).returning(ProductVariant.id, ProductVariant.sku), new_variants)
            existing_variants.update({sku: vid for vid, sku in ids})
        if old_variants:
            db.execute(update(ProductVariant), old_variants)
        result.variants += len(new_variants) + len(old_variants)
        db.flush()
        if on_progress:
            on_progress(min(start + BATCH, total), total)


def import_catalogue(db: Session, *, tenant_id: int, filename: str, data: bytes, skip_bad: bool = False,
                     on_progress: Callable[[int, int], None] | None = None) -> ImportResult:
    """Check the file, then (no bad rows, or skip_bad) upsert its products and variants; the caller commits."""
    existing = dict(db.execute(select(Product.sku, Product.id).where(Product.tenant_id == tenant_id)).all())
    variant_rows = db.execute(select(ProductVariant.sku, ProductVariant.id, ProductVariant.product_id)
                              .where(ProductVariant.tenant_id == tenant_id)).all()
    rows, result = check_file(filename, data, existing=existing,
                              existing_variants={sku: pid for sku, _, pid in variant_rows})
    if result.errors and not skip_bad:
        result.skipped = 0
        return result
    apply(db, tenant_id, rows, result, existing, {sku: vid for sku, vid, _ in variant_rows}, on_progress)
    return result
