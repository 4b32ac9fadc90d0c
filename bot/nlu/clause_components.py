"""The intent classifier labels each clause of a message too, with the same features and weights
it uses for the whole message (bot/nlu/two_topics.py then reads the labels).

    - name: bot.nlu.clause_components.ClauseCountVectorsFeaturizer        # char n-grams
    - name: bot.nlu.e5_featurizer.SentenceEmbeddingFeaturizer             # embeds clauses too
    - name: bot.nlu.clause_components.ClauseLogisticRegressionClassifier

Why: a separate clause classifier (embeddings only) missed topics the main classifier finds,
and training it cost a further 20 s; the main classifier's own weights cost nothing to reuse and
are the ones the held-out sets measure. Only messages with two or more clauses
(bot/nlu/clauses.py) get clause features, and only at parse time: training is unchanged, and
each of these components behaves exactly like the Rasa component it extends for the message
itself. Clause features and labels stay inside the message (never in the parse result).
"""
from __future__ import annotations

import warnings
from typing import Any

import scipy.sparse
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from sklearn.exceptions import ConvergenceWarning

from bot.nlu.clauses import CLAUSE_DENSE, CLAUSE_INTENTS, CLAUSE_SPARSE, clause_spans


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class ClauseCountVectorsFeaturizer(CountVectorsFeaturizer):
    """CountVectorsFeaturizer that also gives each clause the sentence features the whole
    message would get if it were that clause alone (the message's own tokens in the span)."""

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        super().process(training_data.training_examples)  # training examples: no clauses
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        super().process(messages)
        if self.vectorizers and self.vectorizers.get(TEXT):
            for message in messages:
                self._add_clause_features(message)
        return messages

    def _add_clause_features(self, message: Message) -> None:
        text, tokens = message.get(TEXT), message.get(TOKENS_NAMES[TEXT]) or []
        spans = clause_spans(text) if isinstance(text, str) else []
        if len(spans) < 2:
            return
        features = []
        for start, end in spans:
            words = [t.lemma if self.use_lemma else t.text for t in tokens
                     if t.start >= start and t.end <= end]
            words = self._process_tokens(words, TEXT)
            features.append(self.vectorizers[TEXT].transform([" ".join(words)]).tocsr())
        message.set(CLAUSE_SPARSE, features)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class ClauseLogisticRegressionClassifier(LogisticRegressionClassifier):
    """LogisticRegressionClassifier that also labels each clause: its most likely intent, or
    None where it is less than `clause_threshold` sure."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**LogisticRegressionClassifier.get_default_config(), "clause_threshold": 0.5}

    def train(self, training_data: TrainingData) -> Resource:
        # config.yml stops lbfgs early on purpose (measured there): not a warning for operators.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            return super().train(training_data)

    def process(self, messages: list[Message]) -> list[Message]:
        super().process(messages)
        for message in messages:
            self._label_clauses(message)
        return messages

    def _label_clauses(self, message: Message) -> None:
        sparse, dense = message.get(CLAUSE_SPARSE), message.get(CLAUSE_DENSE)
        blocks = [scipy.sparse.vstack(sparse)] if sparse else []
        blocks += [scipy.sparse.csr_matrix(dense)] if dense is not None and len(dense) else []
        message.set(CLAUSE_SPARSE, None)
        message.set(CLAUSE_DENSE, None)
        if not blocks or len({block.shape[0] for block in blocks}) != 1:
            return
        rows = scipy.sparse.hstack(blocks).tocsr()
        if rows.shape[1] != getattr(self.clf, "n_features_in_", None):
            return  # a featurizer in the pipeline does not featurize clauses: no labels
        probabilities = self.clf.predict_proba(rows)
        best = probabilities.argmax(axis=1)
        threshold = self.config["clause_threshold"]
        message.set(CLAUSE_INTENTS, [str(self.clf.classes_[i]) if p[i] >= threshold else None
                                     for i, p in zip(best, probabilities)])


def clause_intents(message: Message) -> list[str | None] | None:
    """The labels ClauseLogisticRegressionClassifier left in `message` (None if it left none)."""
    labels = message.get(CLAUSE_INTENTS)
    return list(labels) if labels is not None else None



