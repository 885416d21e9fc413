"""Emotion detection: clear cases in Chinese and English, odd inputs, the cues, and `kefu emotion --eval`."""

import json
import threading
import time

import pytest
import typer
from typer.testing import CliRunner

from kefu.emotion import LABELS, Emotion, detect, get_model
from kefu.emotion import model as model_module
from kefu.emotion.cli import emotion_command
from kefu.emotion.cues import NAMES, cue_vector
from kefu.emotion.dataset import DatasetError, read_labelled
from kefu.emotion.evaluate import run_eval
from kefu.emotion.features import EMBED_CHARS, clip


@pytest.fixture(scope="module")
def model():
    return get_model()


@pytest.mark.parametrize("text,label", [
    ("你们就是骗子，我要投诉！！！", "angry"),
    ("什么垃圾质量，用一天就坏了，差评", "angry"),
    ("This is a scam, give me my money back!!!", "angry"),
    ("急！明天就要用，今天能发货吗", "anxious"),
    ("包裹好几天没更新了，是不是丢了，好担心", "anxious"),
    ("Please hurry, I need it by tomorrow", "anxious"),
    ("请问这件衣服有L码吗", "neutral"),
    ("退货的话运费谁出", "neutral"),
    ("Do you ship to Canada?", "neutral"),
    ("收到了，质量很好，谢谢亲", "positive"),
    ("客服很耐心，给你们点赞👍", "positive"),
    ("Thank you so much, it arrived early and it's perfect", "positive"),
])
def test_clear_cases(model, text, label):
    assert detect(text).label == label


@pytest.mark.parametrize("text", ["多久发货", "你们是骗子！！", "😡", "？？？", "Thanks!", "x" * 2000])
def test_scores_are_probabilities_over_the_four_labels(model, text):
    e = detect(text)
    assert isinstance(e, Emotion)
    assert tuple(e.scores) == LABELS
    assert sum(e.scores.values()) == pytest.approx(1.0, abs=1e-6)
    assert all(0.0 <= p <= 1.0 for p in e.scores.values())
    assert e.label == max(e.scores, key=e.scores.get)


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_blank_is_neutral(model, text):
    e = detect(text)
    assert e.label == "neutral" and e.scores["neutral"] == 1.0


def test_emoji_and_punctuation_only(model):
    assert detect("😡😡😡").label == "angry"
    assert detect("👍").label == "positive"
    assert detect("!!!").label in LABELS and detect("。。。").label in LABELS


def test_shouting_and_thanks_with_a_complaint(model):
    assert detect("where is my order").label == "neutral"
    assert detect("WHERE IS MY ORDER").label != "neutral"
    assert detect("谢谢，但是问题还是没有解决，已经第三次了").label == "angry"


def test_huge_and_odd_input(model):
    assert detect("退款" * 1000).label in LABELS
    assert detect("<script>alert(1)</script>" * 100).label in LABELS
    assert detect("\x00\ufeff 怎么还没发货").label in LABELS
    long = "请问" + "这个" * 1000 + "多少钱"
    assert len(clip(long)) < len(long) and clip(long).startswith("请问") and clip(long).endswith("多少钱")
    assert len(clip(long, EMBED_CHARS)) <= EMBED_CHARS + 3


def test_predict_many_matches_predict(model):
    # predict() sums the logits itself (the bot's one-message path); predict_many goes through scikit-learn.
    texts = ["", "谢谢", "急急急", "how do I return this", "😡😡！！", "你们就是骗子，我要投诉！！！", "退" * 3000,
             "   x "]
    for many, one in zip(model.predict_many(texts), [model.predict(t) for t in texts], strict=True):
        assert many.label == one.label
        assert many.scores == pytest.approx(one.scores, abs=1e-5)  # a batch sums in another order (float32)


def test_emotion_is_frozen():
    e = Emotion("neutral", {lab: 0.25 for lab in LABELS})
    with pytest.raises(AttributeError):
        e.label = "angry"


def test_get_model_loads_once_across_threads(monkeypatch):
    calls = []

    def slow_train():
        calls.append(1)
        time.sleep(0.05)
        return object()

    monkeypatch.setattr(model_module, "_model", None)
    monkeypatch.setattr(model_module, "train_default", slow_train)
    got = []
    threads = [threading.Thread(target=lambda: got.append(model_module.get_model())) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1 and len({id(g) for g in got}) == 1


@pytest.mark.parametrize("text,cue", [
    ("一点都不差", "negated_complaint"), ("从来没让我失望", "negated_complaint"),
    ("not bad at all", "negated_complaint"),
    ("一点都不满意", "negated_praise"), ("not very helpful", "negated_praise"),
    ("你们的售后真是“高效”", "sarcasm"), ("谢谢，但是还是没解决", "praise_then_contrast"),
    ("怎么还没到？？？", "punct_run"), ("WHERE IS MY ORDER", "caps_word"), ("😡", "emoji_angry"),
])
def test_cues_fire(text, cue):
    assert cue_vector(text)[NAMES.index(cue)] > 0


@pytest.mark.parametrize("text,cue", [
    ("quality is fine", "words_positive"),    # "ty" stands alone only
    ("very helpful", "words_anxious"),        # "help" is not inside "helpful"
    ("don't tell me it's late", "sarcasm"),   # apostrophes are not quotes
    ("不好意思打扰一下", "negated_praise"),
])
def test_cues_stay_quiet(text, cue):
    assert cue_vector(text)[NAMES.index(cue)] == 0


def test_training_data_is_balanced_and_mostly_chinese():
    rows = read_labelled(model_module.TRAIN_CSV)
    assert len(rows) >= 600
    assert all(sum(lab == want for _, lab in rows) >= 120 for want in LABELS)
    chinese = sum(any("\u3400" <= c <= "\u9fff" for c in t) for t, _ in rows)
    assert 0.55 < chinese / len(rows) < 0.75


def _csv(tmp_path, content: str, name="set.csv", bom=False):
    path = tmp_path / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + content.encode("utf-8"))
    return path


def test_run_eval_reports_and_writes_json_lines(model, tmp_path, capsys):
    path = _csv(tmp_path, 'text,label\n你们是骗子！！！,angry\n"请问包邮吗,顺丰吗",neutral\n'
                          "Thank you so much!,positive\n,neutral\n", bom=True)
    out = tmp_path / "out" / "pred.jsonl"
    result = run_eval(path, out)
    assert result["n"] == 4 and result["accuracy"] == 1.0
    assert set(result["per_class"]) == set(LABELS) and result["per_class"]["anxious"]["support"] == 0
    printed = capsys.readouterr().out
    assert "precision" in printed and "accuracy" in printed
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["text"] for r in lines] == ["你们是骗子！！！", "请问包邮吗,顺丰吗", "Thank you so much!", ""]
    assert set(lines[0]) == {"text", "label", "predicted", "scores"} and set(lines[0]["scores"]) == set(LABELS)


@pytest.mark.parametrize("content,message", [
    ("", "empty file"),
    ("text,label\n", "no rows"),
    ("message,label\nhi,neutral\n", "missing column(s) text"),
    ("text,emotion\nhi,neutral\n", "missing column(s) label"),
    ("text,label\nhi,neutral\nhey,happy\n", "line 3: unknown label 'happy'"),
    ("text,label\nhi\n", "line 2: unknown label nothing"),
])
def test_bad_files_are_refused_with_the_place(tmp_path, content, message):
    with pytest.raises(DatasetError) as err:
        read_labelled(_csv(tmp_path, content))
    assert message in err.value.message


def test_labels_and_header_are_forgiving(tmp_path):
    rows = read_labelled(_csv(tmp_path, "id,Text,LABEL\n1,hi, Neutral \n", bom=True))
    assert rows == [("hi", "neutral")]


def test_not_utf8_is_refused(tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes("text,label\n你好,neutral\n".encode("gbk"))
    with pytest.raises(DatasetError, match="not UTF-8"):
        read_labelled(path)


def _app():
    app = typer.Typer()
    app.command("emotion")(emotion_command)
    app.command("other")(lambda: None)  # two commands, so `emotion` is addressed by name as in the real CLI
    return app


def test_emotion_command(model, tmp_path):
    good = _csv(tmp_path, "text,label\n谢谢亲,positive\n", name="good.csv")
    out = tmp_path / "p.jsonl"
    result = CliRunner().invoke(_app(), ["emotion", "--eval", str(good), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "accuracy" in result.output and out.exists()


def test_emotion_command_fails_cleanly_on_a_bad_file(tmp_path):
    bad = _csv(tmp_path, "text,label\nhi,furious\n", name="bad.csv")
    result = CliRunner().invoke(_app(), ["emotion", "--eval", str(bad)])
    assert result.exit_code == 2
    assert "line 2: unknown label 'furious'" in result.output
    assert "Traceback" not in result.output


def test_kefu_emotion_command_prints_per_class_figures_and_writes_jsonl(tmp_path):
    import json

    from typer.testing import CliRunner

    from kefu.cli import app

    data = tmp_path / "set.csv"
    data.write_text("text,label\n气死了！！！,angry\n谢谢亲,positive\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(app, ["emotion", "--eval", str(data), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "angry" in result.output and "accuracy" in result.output
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [row["label"] for row in lines] == ["angry", "positive"]
    assert set(lines[0]) == {"text", "label", "predicted", "scores"}
