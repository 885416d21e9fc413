"""Name product attributes in both languages: 颜色 is color, 容量 is capacity, so either finds the other."""

from __future__ import annotations

import re

# Canonical Chinese key → English names and the words customers use when they ask about it. The first English
# name is the one English answers show.
ATTRIBUTES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "颜色": (("color", "colour"), ("颜色", "什么色", "色的", "color", "colour")),
    "尺码": (("size",), ("尺码", "码数", "多大码", "什么码", "size")),
    "容量": (("capacity", "volume"), ("容量", "多大", "多少毫升", "装多少", "能装", "多少ml", "capacity", "volume",
                                       "how big", "how much does it hold", "ml")),
    "材质": (("material",), ("材质", "材料", "什么做的", "面料", "成分", "material", "made of", "fabric")),
    "重量": (("weight",), ("重量", "多重", "几斤", "多少克", "重不重", "weight", "how heavy", "weigh")),
    "尺寸": (("dimensions",), ("尺寸", "长宽高", "多宽", "多高", "大小", "多大", "dimensions", "how wide", "how tall",
                               "how big", "size of")),
    "产地": (("origin",), ("产地", "哪里产", "哪产的", "哪里生产", "origin", "made in", "where is it made")),
    "规格": (("specification",), ("规格", "spec")),
    "背光": (("backlight",), ("背光", "灯光", "发光", "rgb", "backlight", "backlit", "light up")),
    "线长": (("cable length",), ("线长", "线多长", "线有多长", "线长度", "cable", "cord")),
    "连接方式": (("connection",), ("连接", "无线", "有线", "蓝牙", "接收器", "wireless", "bluetooth", "wired",
                                    "connection", "dongle")),
    "轴体": (("switches",), ("轴体", "什么轴", "轴", "switch")),
    "键数": (("keys",), ("键数", "多少键", "几个键", "keys")),
    "续航": (("battery life",), ("续航", "电池", "充一次", "用多久", "充电", "battery", "rechargeable")),
    "接口": (("port",), ("接口", "充电口", "type-c", "typec", "usb", "port")),
    "兼容": (("compatible with",), ("兼容", "适配", "适用", "支持", "能用", "可以用", "能放", "放得下", "装得下",
                                     "装下", "compatible", "work with", "works with", "support", "fit")),
    "适用": (("suitable for",), ("适用", "适合", "左手", "右手", "suitable", "left-handed", "right-handed")),
    "适用年龄": (("age",), ("适用年龄", "几岁", "多大孩子", "年龄", "age")),
    "内含": (("contents",), ("内含", "里面有", "里有什么", "包含", "有什么茶", "含什么", "contents", "inside")),
    "笔尖": (("tip",), ("笔尖", "几毫米", "多粗", "粗细", "tip")),
    "DPI": (("DPI",), ("dpi", "分辨率")),
    "保质期": (("shelf life",), ("保质期", "能放多久", "过期", "shelf life", "expire")),
    "净含量": (("net weight",), ("净含量", "多少克", "几克", "net weight")),
    "冲泡方法": (("brewing",), ("冲泡", "怎么泡", "水温", "brew")),
    "等级": (("grade",), ("等级", "几级", "grade")),
    "年份": (("harvest",), ("年份", "新茶", "哪年", "哪一年", "几几年", "harvest", "year")),
    "洗涤": (("care",), ("洗涤", "怎么洗", "机洗", "手洗", "洗碗机", "wash", "dishwasher")),
    "微波炉": (("microwave safe",), ("微波炉", "微波", "microwave")),
    "保温": (("insulation",), ("保温", "保冷", "保温多久", "keeps warm", "insulated", "keep hot")),
    "版型": (("fit",), ("版型", "修身", "宽松", "偏大", "偏小", "fit", "oversized")),
    "弹力": (("stretch",), ("弹力", "弹性", "stretch")),
    "厚度": (("thickness",), ("厚度", "厚不厚", "薄", "thick")),
    "防水": (("waterproof",), ("防水", "waterproof", "water resistant")),
    "保修": (("warranty",), ("保修期", "质保", "warranty")),
    "纸张": (("paper",), ("纸张", "什么纸", "纸", "paper")),
    "页数": (("pages",), ("页数", "多少页", "几页", "pages")),
}

# Any other English key written in a file maps to its Chinese one here (Color → 颜色).
_EN_TO_ZH = {en.lower(): zh for zh, (ens, _) in ATTRIBUTES.items() for en in ens}


def canonical(key: str) -> str:
    """The one name of an attribute key, whichever language the file used ("Colour" → 颜色)."""
    k = re.sub(r"\s+", " ", key.strip())
    return _EN_TO_ZH.get(k.lower(), k)


def label(key: str, locale: str) -> str:
    """The attribute's name in the customer's language (unknown keys as written)."""
    if locale == "en":
        entry = ATTRIBUTES.get(canonical(key))
        return entry[0][0] if entry else key
    return key


def words(key: str) -> tuple[str, ...]:
    """The words a question uses for an attribute key: its names and its usual question words."""
    entry = ATTRIBUTES.get(canonical(key))
    own = (key.lower(),)
    return own + entry[1] if entry else own
