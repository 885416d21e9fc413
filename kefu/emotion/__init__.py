"""Tell how a customer feels from one message: angry, anxious, neutral or positive (Chinese and English).

    from kefu.emotion import detect
    detect("怎么还没发货！！！")  # Emotion(label='angry', scores={'angry': 0.8, ...})

The model (scikit-learn and the sentence encoder) loads on first use, not on import.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kefu.emotion.dataset import LABELS

if TYPE_CHECKING:
    from kefu.emotion.model import Emotion, EmotionModel, detect, get_model

__all__ = ["LABELS", "Emotion", "EmotionModel", "detect", "get_model"]


def __getattr__(name: str):
    if name in ("Emotion", "EmotionModel", "detect", "get_model"):
        from kefu.emotion import model

        return getattr(model, name)
    raise AttributeError(f"module 'kefu.emotion' has no attribute {name!r}")
