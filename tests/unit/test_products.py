"""The catalogue importer's checks and the product expert's reading of questions, without a database."""

from __future__ import annotations

import io
import json

import pytest

from kefu.commerce.interface import ProductData, VariantData
from kefu.products import importer
from kefu.products.answer import Expert, body_numbers, chosen_variants, pick_size


def jsonl(*rows) -> bytes:
    return "\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in rows).encode()


@pytest.mark.parametrize("raw, cents", [("¥59.00", 5900), ("￥1,299", 129900), ("59元", 5900), (59, 5900),
                                        (12.5, 1250), ("RMB 8.8", 880), ("0", 0)])
def test_prices_in_yuan_are_read(raw, cents):
    assert importer.parse_price(raw) == cents


@pytest.mark.parametrize("raw, reason", [("$5", "another currency"), ("€12", "another currency"),
                                         ("五十", "not a number"), ("-3", "not a number"), (-3, "negative"),
                                         ("1.999", "two decimals"), ("", "missing")])
def test_bad_prices_are_refused_with_a_reason(raw, reason):
    with pytest.raises(ValueError, match=reason):
        importer.parse_price(raw)


def test_stock_must_be_a_whole_number():
    assert importer.parse_stock("12") == 12 and importer.parse_stock(3.0) == 3
    for bad in ("有货", "12件", "2.5", 2.5, -1):
        with pytest.raises(ValueError):
            importer.parse_stock(bad)


def test_one_attribute_in_two_languages_is_refused():
    with pytest.raises(ValueError, match="two languages"):
        importer.parse_attributes({"颜色": "黑", "Colour": "black"})
    assert importer.parse_attributes("颜色:黑; 尺码：L") == {"颜色": "黑", "尺码": "L"}


def test_bad_rows_are_reported_with_their_line_numbers():
    data = jsonl(
        {"sku": "A-1", "name": "杯", "category": "杯具", "price": "¥9", "attributes": {"容量": "300ml"},
         "variants": [{"sku": "A-1-R", "attributes": {"颜色": "红"}, "stock": 1}]},
        "",
        {"sku": "A-1", "name": "重复", "price": "9"},
        {"sku": "A-2", "name": "美元", "price": "$9"},
        {"sku": "A-3", "name": "库存", "price": "9", "variants": [{"sku": "A-3-R", "attributes": {"颜色": "红"},
                                                                 "stock": "很多"}]},
        {"sku": "A-4-V", "parent_sku": "NOPE", "attributes": {"颜色": "红"}},
        {"sku": "A-5", "name": "变体撞号", "price": "9", "variants": [{"sku": "A-1-R", "attributes": {"颜色": "蓝"}}]},
        "{broken",
    )
    good, result = importer.check_file("x.jsonl", data)
    lines = {e["row"]: e for e in result.errors}
    assert sorted(lines) == [3, 4, 5, 6, 7, 8]
    assert "line 1" in lines[3]["problem"] and "another currency" in lines[4]["problem"]
    assert "不" not in lines[5]["problem"] and "whole number" in lines[5]["problem"]
    assert "NOPE" in lines[6]["problem"] and "A-1-R" in lines[7]["problem"]
    assert [p.sku for p in good] == ["A-1"] and [v.sku for v in good[0].variants] == ["A-1-R"]


def test_csv_variant_rows_join_their_parent_and_attr_columns_are_attributes():
    text = ("sku,name,category,price,stock,attr:容量,parent_sku,attributes\n"
            "M-1,马克杯,家居/杯具,¥59.00,,350ml,,\n"
            "M-1-W,,,,5,,M-1,颜色:白\n"
            "M-1-B,,,,0,,M-1,颜色:黑\n")
    good, result = importer.check_file("c.csv", text.encode("utf-8"))
    assert result.errors == []
    (mug,) = good
    assert mug.category_path == "家居 > 杯具" and mug.attributes == {"容量": "350ml"} and mug.price_cents == 5900
    assert [(v.sku, v.stock) for v in mug.variants] == [("M-1-W", 5), ("M-1-B", 0)]


def test_xlsx_is_read_like_csv():
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["货号", "名称", "分类", "价格", "库存"])
    sheet.append(["K-1", "键盘", "数码", 299, 3])
    sheet.append(["K-2", "鼠标", "数码", "US$20", 3])
    buf = io.BytesIO()
    book.save(buf)
    good, result = importer.check_file("k.xlsx", buf.getvalue())
    assert [p.sku for p in good] == ["K-1"] and good[0].price_cents == 29900
    assert result.errors[0]["row"] == 3 and "another currency" in result.errors[0]["problem"]


def test_a_file_without_products_is_refused():
    with pytest.raises(importer.CatalogueFileError):
        importer.check_file("e.jsonl", b"  \n")
    with pytest.raises(importer.CatalogueFileError, match="sku"):
        importer.check_file("e.csv", "名字,价格\n杯子,9\n".encode())


def test_height_and_weight_are_read_the_ways_shoppers_write_them():
    assert body_numbers("我175 68公斤穿什么码") == (175, 68)
    assert body_numbers("身高1米8 体重160斤") == (180, 80)
    assert body_numbers("i'm 182cm and 80kg") == (182, 80)
    assert body_numbers("穿什么码") == (None, None)


CHART = [{"尺码": "M", "身高": "165-172", "体重": "55-65"}, {"尺码": "L", "身高": "172-178", "体重": "65-75"},
         {"尺码": "XL", "身高": "178-185", "体重": "75-85"}]


def test_size_from_the_chart_and_the_bigger_one_when_height_and_weight_disagree():
    assert pick_size(CHART, 175, 70) == ("L", None)
    assert pick_size(CHART, 170, 80) == ("M", "XL")
    assert pick_size(CHART, 150, 40) == (None, None)


def test_variant_values_named_in_a_question():
    variants = [VariantData(sku=f"T-{c}-{s}", attributes={"颜色": c, "尺码": s}, stock=1)
                for c in ("黑色", "白色") for s in ("L", "XL")]
    picked, named = chosen_variants("黑色l码还有吗", variants)
    assert [v.sku for v in picked] == ["T-黑色-L"] and named == {"颜色": "黑色", "尺码": "L"}
    assert [v.sku for v in chosen_variants("黑的xl呢", variants)[0]] == ["T-黑色-XL"]


class _Shop:
    """A connector with two products, counting reads."""

    def __init__(self):
        self.items = {
            "MUG": ProductData(sku="MUG", name="陶瓷马克杯", price_cents=8900, attributes={"容量": "350ml"}),
            "KB": ProductData(sku="KB", name="机械键盘", price_cents=29900, attributes={"背光": "白光"},
                              variants=[VariantData(sku="KB-R", attributes={"轴体": "红轴"}, stock=0),
                                        VariantData(sku="KB-B", attributes={"轴体": "茶轴"}, stock=9)]),
        }

    def get_product(self, sku):
        return self.items.get(sku)

    def products(self, *, query="", limit=20):
        return list(self.items.values())


def test_the_expert_answers_from_the_catalogue_and_never_guesses():
    expert, shop = Expert(), _Shop()
    ask = lambda text, **kw: expert.answer(shop, 1, text, "zh", **kw)  # noqa: E731
    assert ask("马克杯容量多大", named=["MUG"]).text == "陶瓷马克杯的容量：350ml。"
    unstated = ask("这个杯子重不重", named=[], context_sku="MUG")
    assert unstated.kind == "not_listed" and unstated.offer_person and "重量" in unstated.text
    red = ask("红轴还有吗", named=[], context_sku="KB")
    assert red.kind == "stock" and "缺货" in red.text and "茶轴" in red.text
    assert ask("马克杯可以退货吗", named=["MUG"]) is None  # policy: the knowledge base's
    assert ask("你们几点上班", named=[]) is None  # no product in question

