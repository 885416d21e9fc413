"""Reading and writing knowledge-base files: CSV (UTF-8, GBK), Excel, JSON, and every kind of bad input."""

from __future__ import annotations

import datetime as dt
import io
import json
from types import SimpleNamespace

import openpyxl
import pytest

from kefu.knowledge import io as kbio
from kefu.knowledge.schemas import KnowledgeIn

HEADER = "category,question,similar_questions,answer\n"


def parse_csv(text: str, encoding: str = "utf-8") -> kbio.ParseResult:
    return kbio.parse(text.encode(encoding), "csv")


def codes(result: kbio.ParseResult) -> list[tuple[int | None, str, str]]:
    return [(e["row"], e["field"], e["code"]) for e in result.errors]


# --- good files ------------------------------------------------------------------------------------------

def test_csv_rows_with_similar_questions_split_on_bars_and_lines():
    r = parse_csv(HEADER + '物流,什么时候发货？,多久发货|| 下单后几天发货 ||多久发货||,48 小时内发货\n'
                  '售后 / 退货,怎么退货？,"七天无理由吗\n可以退吗\r\n\n",7 天无理由退货\n')
    assert r.errors == [] and r.total == 2
    first, second = (p.data for p in r.rows)
    assert first.similar_questions == ["多久发货", "下单后几天发货"]  # trimmed, blanks and repeats dropped
    assert second.similar_questions == ["七天无理由吗", "可以退吗"]
    assert second.category == "售后/退货"  # path segments trimmed
    assert [p.row for p in r.rows] == [2, 3]  # the header is row 1
    assert r.rows[0].fields == {"category", "question", "similar_questions", "answer"}


def test_gbk_and_utf8_bom_files_are_decoded():
    text = HEADER + "物流,包邮吗？,运费多少,满 99 元包邮\n"
    for encoding, expected in (("gbk", "gb18030"), ("gb18030", "gb18030"), ("utf-8-sig", "utf-8-sig"),
                               ("utf-16", "utf-16")):
        r = parse_csv(text, encoding)
        assert r.errors == [], encoding
        assert r.encoding == expected
        assert r.rows[0].data.question == "包邮吗？" and r.rows[0].data.similar_questions == ["运费多少"]


def test_optional_columns_in_any_order_and_chinese_headers():
    r = parse_csv("答案,标准问题,标签,启用,生效时间,失效时间\n"
                  "满 99 元包邮,包邮吗？,运费，促销||新品,否,2026-01-01,2026-02-01T08:00:00+08:00\n")
    assert r.errors == []
    p = r.rows[0].data
    assert (p.question, p.answer, p.tags, p.enabled) == ("包邮吗？", "满 99 元包邮", ["运费", "促销", "新品"], False)
    assert p.valid_from == dt.datetime(2026, 1, 1, tzinfo=dt.UTC)  # no zone: UTC
    assert p.valid_to == dt.datetime(2026, 2, 1, tzinfo=dt.UTC)  # converted to UTC
    assert r.rows[0].fields == {"answer", "question", "tags", "enabled", "valid_from", "valid_to"}


def test_json_list_and_points_object_with_row_numbers():
    points = [{"question": "q1", "answer": "a1", "similar_questions": ["s1", "s1", " "], "tags": ["t"]},
              {"question": "q2", "answer": "a2", "similar_questions": "x||y", "id": 7, "created_at": "ignored"}]
    for doc in (points, {"points": points}):
        r = kbio.parse(json.dumps(doc, ensure_ascii=False).encode(), "json")
        assert r.errors == []
        assert [(p.row, p.data.similar_questions) for p in r.rows] == [(1, ["s1"]), (2, ["x", "y"])]


def test_blank_lines_and_trailing_empty_spreadsheet_rows_are_not_points():
    r = parse_csv(HEADER + ",q1,,a1\n\n,,,\n,q2,,a2\n")
    assert r.total == 2 and [p.row for p in r.rows] == [2, 5]


def test_format_detection():
    assert kbio.detect_format("kb.CSV", b"") == "csv"
    assert kbio.detect_format("kb.xlsx", b"") == "xlsx"
    assert kbio.detect_format("kb.json", b"") == "json"
    assert kbio.detect_format("upload", b"PK\x03\x04rest") == "xlsx"
    assert kbio.detect_format("upload", b'\xef\xbb\xbf  [{"question"') == "json"
    assert kbio.detect_format("upload", b"question,answer") == "csv"
    with pytest.raises(kbio.ImportFileError, match="xls"):
        kbio.detect_format("old.xls", b"\xd0\xcf\x11\xe0")


# --- bad files -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("data", [b"", b"   \n\n", b"\xef\xbb\xbf", HEADER.encode(), b"question,answer\n\n,,\n"])
def test_empty_files(data):
    r = kbio.parse(data, "csv")
    assert r.rows == [] and [e["code"] for e in r.errors] == ["empty"]


def test_empty_json_and_xlsx():
    assert kbio.parse(b"[]", "json").errors[0]["code"] == "empty"
    assert kbio.parse(b'{"points": []}', "json").errors[0]["code"] == "empty"
    book = openpyxl.Workbook()
    buf = io.BytesIO()
    book.save(buf)
    assert kbio.parse(buf.getvalue(), "xlsx").errors[0]["code"] == "empty"


def test_wrong_columns_name_what_is_missing_and_what_was_found():
    r = parse_csv("标题,内容\n发货,48小时\n")
    assert codes(r) == [(1, "header", "columns")]
    assert "question, answer" in r.errors[0]["problem"] and "标题, 内容" in r.errors[0]["problem"]
    r = parse_csv("question,Answer,question\nq,a,q\n")
    assert codes(r) == [(1, "question", "columns")] and "twice" in r.errors[0]["problem"]
    r = parse_csv("question,answer,colour\nq,a,red\n")
    assert r.errors == [] and [w["code"] for w in r.warnings] == ["unknown_column"]


def test_undecodable_bytes_are_an_encoding_error():
    r = kbio.parse(HEADER.encode() + b"x,\xff\xfe\xfd\x80,y,z\n", "csv")
    assert [e["code"] for e in r.errors] == ["encoding"] and "UTF-8" in r.errors[0]["problem"]


def test_not_json_and_wrong_json_shapes():
    assert kbio.parse(b"{not json", "json").errors[0]["code"] == "format"
    assert kbio.parse(b'{"items": []}', "json").errors[0]["code"] == "format"
    assert kbio.parse(b'"just text"', "json").errors[0]["code"] == "format"
    r = kbio.parse(json.dumps([{"question": "q", "answer": "a"}, "text", {"question": "q2", "answer": "a",
                                                                        "colour": "red"}]).encode(), "json")
    assert codes(r) == [(2, "", "invalid"), (3, "colour", "invalid")]
    assert [p.row for p in r.rows] == [1]


def test_not_an_xlsx_file():
    r = kbio.parse(b"PK\x03\x04 this is not a zip", "xlsx")
    assert [e["code"] for e in r.errors] == ["format"]


def test_missing_question_or_answer_with_row_numbers():
    r = parse_csv(HEADER + "c,,,a\nc,q,,\nc,  ,s,  \nc,ok,,fine\n")
    assert codes(r) == [(2, "question", "missing"), (3, "answer", "missing"), (4, "question", "missing"),
                        (4, "answer", "missing")]
    assert [p.row for p in r.rows] == [5]
    assert r.total == 4


def test_over_long_fields_are_reported_with_their_length():
    r = parse_csv(HEADER + f'{"c" * 201},{"q" * 501},"ok||{"s" * 501}",{"a" * 5001}\n')
    got = {(e["field"], e["code"]) for e in r.errors}
    assert got == {("category", "too_long"), ("question", "too_long"), ("similar_questions", "too_long"),
                   ("answer", "too_long")}
    texts = " ".join(e["problem"] for e in r.errors)
    assert "501 characters long; at most 500" in texts and "similar question 2" in texts
    assert "5001 characters long; at most 5000" in texts


def test_a_huge_cell_is_too_long_not_a_crash():
    r = parse_csv(HEADER + f'c,q,,"{"答" * 200_000}"\n')
    assert codes(r) == [(2, "answer", "too_long")]


def test_duplicate_question_in_the_file_is_an_error_on_the_later_row():
    r = parse_csv(HEADER + "c,发货,,a\nc,退货,,b\nc,发货,,c\n")
    assert codes(r) == [(4, "question", "duplicate_in_file")]
    assert "row 2" in r.errors[0]["problem"]
    assert [p.data.answer for p in r.rows] == ["a", "b"]


def test_same_similar_question_under_two_points_is_a_warning():
    r = parse_csv(HEADER + "c,发货,多久到||运费,a\nc,到货,多久到,b\nc,运费,,c\n")
    assert r.errors == [] and len(r.rows) == 3
    assert [(w["row"], w["code"]) for w in r.warnings] == [(2, "similar_elsewhere"), (3, "similar_elsewhere")]
    assert "'运费' is the standard question of row 4" in r.warnings[0]["problem"]
    assert "'多久到' is also under row 2" in r.warnings[1]["problem"]


def test_bad_optional_values():
    r = parse_csv("question,answer,enabled,valid_from,valid_to,image_url,link_url,buttons,tags\n"
                  "q1,a,maybe,,,,,,\n"
                  "q2,a,,next week,,,,,\n"
                  "q3,a,,2026-02-01,2026-01-01,,,,\n"
                  "q4,a,,,,javascript:alert(1),,,\n"
                  "q5,a,,,,,ftp://x.example/,,\n"
                  "q6,a,,,,,,[{\"label\": \"go\"}],\n"
                  "q7,a,,,,,,not json,\n"
                  f"q8,a,,,,,,,{'长' * 31}\n"
                  f"q9,a,,,,,,,{'||'.join(f't{i}' for i in range(21))}\n"
                  "q10,a,是,2026-01-01,,https://img.example/a.png,http://shop.example/p?id=1,"
                  "\"[{\"\"label\"\": \"\"退货\"\", \"\"value\"\": \"\"怎么退货\"\"}, "
                  "{\"\"label\"\": \"\"官网\"\", \"\"url\"\": \"\"https://shop.example\"\"}]\",t1||t2\n")
    assert [(e["row"], e["field"]) for e in r.errors] == [
        (2, "enabled"), (3, "valid_from"), (4, ""), (5, "image_url"), (6, "link_url"), (7, "buttons"),
        (8, "buttons"), (9, "tags"), (10, "tags")]
    assert "valid_to must be after valid_from" in r.errors[2]["problem"]
    good = r.rows[0].data
    assert good.buttons[0].model_dump() == {"label": "退货", "value": "怎么退货"}
    assert good.buttons[1].model_dump() == {"label": "官网", "url": "https://shop.example"}
    assert (good.image_url, good.tags) == ("https://img.example/a.png", ["t1", "t2"])


def test_errors_per_row_are_capped():
    r = parse_csv("question,answer,enabled,valid_from,valid_to,buttons,tags,image_url\n"
                  f",,x,y,z,w,{'t' * 40},bad\n")
    assert len(r.errors) == kbio.MAX_REPORTED_PER_ROW


# --- xlsx ------------------------------------------------------------------------------------------------

def test_xlsx_with_numbers_dates_booleans_and_one_similar_question_per_line():
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Question", "Answer", "Similar Questions", "Enabled", "Valid From", None])
    sheet.append([12345, 3.0, "a\nb||c", False, dt.datetime(2026, 3, 1, 9, 30), None])
    sheet.append([None, None, None, None, None, None])
    sheet.append([None, "公式不算", None, None, None, None])
    sheet.cell(4, 1).value, sheet.cell(4, 1).data_type = "=1+1", "s"  # text that looks like a formula
    buf = io.BytesIO()
    book.save(buf)
    r = kbio.parse(buf.getvalue(), "xlsx")
    assert r.errors == [], r.errors
    p = r.rows[0].data
    assert (p.question, p.answer, p.similar_questions, p.enabled) == ("12345", "3", ["a", "b", "c"], False)
    assert p.valid_from == dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC)
    assert r.rows[1].row == 4 and r.rows[1].data.question == "=1+1"


# --- export round trip -----------------------------------------------------------------------------------

def stored(**kw) -> SimpleNamespace:
    """Something shaped like a stored point, from validated input."""
    data = KnowledgeIn(**kw).to_row()
    return SimpleNamespace(**data)


POINTS = [
    stored(category="物流/快递", question="用什么快递？", similar_questions=["发什么快递", "可以发顺丰吗"],
           answer="默认中通，\n可加价发顺丰。", tags=["快递", "运费"], enabled=False,
           valid_from=dt.datetime(2026, 1, 1, tzinfo=dt.UTC), valid_to=dt.datetime(2026, 12, 31, 16, tzinfo=dt.UTC),
           image_url="https://img.example/k.png", link_url="https://shop.example/ship",
           buttons=[{"label": "查物流", "value": "物流查询"}, {"label": "官网", "url": "https://shop.example"}]),
    stored(question='=HYPERLINK("http://evil.example","x")', answer="a, \"quoted\" answer"),
    stored(category="", question="plain", answer="only the required fields"),
]


@pytest.mark.parametrize("fmt", kbio.FORMATS)
def test_export_then_import_gives_the_same_points(fmt):
    data = kbio.export_points(POINTS, fmt)
    r = kbio.parse(data, kbio.detect_format(f"kb.{fmt}", data))
    assert r.errors == [] and r.warnings == []
    assert [p.data.to_row() for p in r.rows] == [KnowledgeIn(**vars(p)).to_row() for p in POINTS]


def test_csv_export_opens_in_excel_as_utf8_and_xlsx_keeps_formulas_as_text():
    data = kbio.export_points(POINTS, "csv")
    assert data.startswith(b"\xef\xbb\xbf" + b"category,question,similar_questions,answer,tags")
    assert "发什么快递||可以发顺丰吗" in data.decode("utf-8-sig")
    book = openpyxl.load_workbook(io.BytesIO(kbio.export_points(POINTS, "xlsx")))
    sheet = book.active
    assert sheet.cell(2, 3).value == "发什么快递\n可以发顺丰吗"
    assert sheet.cell(3, 2).data_type == "s" and sheet.cell(3, 2).value.startswith("=HYPERLINK")
