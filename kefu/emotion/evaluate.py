"""Score the emotion model on a labelled `text,label` CSV: per-class precision, recall and F1, and accuracy."""

from __future__ import annotations

import json
from pathlib import Path

from kefu.emotion.dataset import LABELS, read_labelled


def metrics(gold: list[str], predicted: list[str]) -> dict:
    """Return accuracy, macro-F1, per-class figures and the confusion counts (gold → predicted)."""
    per_class = {}
    for label in LABELS:
        tp = sum(g == label and p == label for g, p in zip(gold, predicted, strict=True))
        n_pred, n_gold = predicted.count(label), gold.count(label)
        precision = tp / n_pred if n_pred else 0.0
        recall = tp / n_gold if n_gold else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[label] = {"precision": precision, "recall": recall, "f1": f1, "support": n_gold}
    present = [c for c in per_class.values() if c["support"]]
    return {
        "n": len(gold),
        "accuracy": sum(g == p for g, p in zip(gold, predicted, strict=True)) / len(gold) if gold else 0.0,
        "macro_f1": sum(c["f1"] for c in present) / len(present) if present else 0.0,
        "per_class": per_class,
        "confusion": {g: {p: sum(a == g and b == p for a, b in zip(gold, predicted, strict=True))
                          for p in LABELS} for g in LABELS},
    }


def print_report(m: dict, title: str = "emotion") -> None:
    """Print the per-class table and the totals."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{title}: {m['n']} messages")
    for col in ("label", "precision", "recall", "F1", "support"):
        table.add_column(col, justify="left" if col == "label" else "right")
    for label, c in m["per_class"].items():
        table.add_row(label, f"{c['precision']:.3f}", f"{c['recall']:.3f}", f"{c['f1']:.3f}", str(c["support"]))
    console = Console()
    console.print(table)
    console.print(f"accuracy {m['accuracy']:.3f}   macro-F1 {m['macro_f1']:.3f}")


def run_eval(path: Path, out: Path | None = None) -> dict:
    """Label every row of path with the shipped model, print the figures, write JSON lines to out if given."""
    from kefu.emotion.model import get_model

    rows = read_labelled(path)  # fails on a bad file before the model loads
    texts = [t for t, _ in rows]
    predictions = get_model().predict_many(texts)
    result = metrics([lab for _, lab in rows], [e.label for e in predictions])
    print_report(result, title=Path(path).name)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        with open(out, "w", encoding="utf-8") as f:
            for (text, label), e in zip(rows, predictions, strict=True):
                f.write(json.dumps({"text": text, "label": label, "predicted": e.label,
                                    "scores": {k: round(v, 4) for k, v in e.scores.items()}},
                                   ensure_ascii=False) + "\n")
    return result
