"""The shop classifier scores a question from its kept weights exactly as scikit-learn's models would."""

import numpy as np
import pytest
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from kefu.nlu.hybrid import PointClassifier


def test_probabilities_match_scikit_learn_and_the_weights_are_compact():
    rng = np.random.default_rng(3)
    topics = ["发货", "退货", "运费", "发票", "优惠券", "保修", "尺码", "颜色", "地址", "退款", "快递", "包装", "赠品",
              "预售", "会员", "积分", "价格", "库存", "安装", "材质", "shipping", "refund"]
    texts, owners = [], []
    for i, topic in enumerate(topics):
        for form in ("{}怎么办", "请问{}的问题", "{} question please"):
            texts.append(form.format(topic))
            owners.append(100 + i)
    owners = np.array(owners)
    vectors = rng.normal(size=(len(texts), 16)).astype(np.float32)
    extra = rng.normal(size=(len(texts), 8)).astype(np.float32)
    clf = PointClassifier(vectors, texts, owners, (extra,))

    semantic = LogisticRegression(C=10.0, max_iter=1000).fit(vectors, owners)
    second = LogisticRegression(C=10.0, max_iter=1000).fit(extra, owners)
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)
    words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"(?u)\b\w+\b")
    lexical = LogisticRegression(C=30.0, max_iter=1000).fit(
        hstack([chars.fit_transform(texts), words.fit_transform(texts)]).tocsr(), owners)
    questions = [("退货怎么办呢", vectors[3], extra[3]), ("refund question", rng.normal(size=16), rng.normal(size=8)),
                 ("完全无关的一句话", rng.normal(size=16), rng.normal(size=8))]
    for q, v, e in questions:
        x = hstack([chars.transform([q]), words.transform([q])]).tocsr()
        expected = (semantic.predict_proba(v.reshape(1, -1))[0] + lexical.predict_proba(x)[0]
                    + second.predict_proba(e.reshape(1, -1))[0]) / 3
        got = clf.proba(v, q, (e,))
        assert list(got) == [int(c) for c in semantic.classes_]
        assert list(got.values()) == pytest.approx(list(expected), abs=1e-5)
    assert clf._lexical[0].dtype == np.float32 and not hasattr(clf, "lexical")
