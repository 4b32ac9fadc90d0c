"""Our own NLU components, each on its own with the real embedding model (no Rasa training)."""
import numpy as np
import pytest
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot import settings as settings_module
from bot.nlu import sentence_embeddings
from bot.nlu.clauses import clauses
from bot.nlu.e5_featurizer import SentenceEmbeddingFeaturizer


def test_embeddings_are_normalised_and_multilingual():
    english, polish, unrelated = sentence_embeddings.embed(
        ["will the police tell the home office", "czy policja powie home office",
         "what is the weather like"])
    assert english.shape == (sentence_embeddings.DIM,)
    assert np.linalg.norm(english) == pytest.approx(1.0, abs=1e-3)
    assert english @ polish > english @ unrelated

def test_cache_stores_vectors_under_hashes_only(tmp_path):
    texts = ["my partner hurts me", "can i see a doctor for free"]
    first = sentence_embeddings.TrainingEmbeddingCache(tmp_path)
    vectors = first.embed(texts)
    first.save()
    stored = first.path.read_bytes()
    assert b"partner" not in stored and b"doctor" not in stored
    again = sentence_embeddings.TrainingEmbeddingCache(tmp_path)
    assert set(again._vectors) == {sentence_embeddings.text_key(t) for t in texts}
    np.testing.assert_allclose(again.embed(texts), vectors)

def test_a_broken_cache_file_is_rebuilt(tmp_path):
    cache = sentence_embeddings.TrainingEmbeddingCache(tmp_path)
    cache.path.write_bytes(b"not a numpy file")
    assert sentence_embeddings.TrainingEmbeddingCache(tmp_path).embed(["hello there"]).shape == (1, 384)

def test_featurizer_adds_one_scaled_sentence_feature():
    featurizer = SentenceEmbeddingFeaturizer({"scale": 10.0}, "e5")
    message = Message(data={TEXT: "my husband hits me"})
    featurizer.process([message, Message(data={TEXT: "   "})])
    sequence, sentence = message.get_dense_features(TEXT)
    assert sequence is None
    assert sentence.features.shape == (1, 384)
    assert np.linalg.norm(sentence.features) == pytest.approx(10.0, rel=1e-3)

def test_featurizer_caches_training_texts_in_var(tmp_path, monkeypatch):
    monkeypatch.setenv("SAFE_REPORT_ROOT", str(tmp_path))
    settings_module.reload()
    try:
        examples = [Message(data={TEXT: "is this chat private", "intent": "privacy_info"})]
        SentenceEmbeddingFeaturizer({}, "e5").process_training_data(TrainingData(examples))
        assert (tmp_path / "var" / "nlu-cache" / f"{sentence_embeddings.MODEL_ID}.npz").exists()
        assert examples[0].get_dense_features(TEXT)[1].features.shape == (1, 384)
    finally:
        monkeypatch.undo()
        settings_module.reload()

def test_scale_must_be_positive():
    with pytest.raises(ValueError):
        SentenceEmbeddingFeaturizer({"scale": 0}, "e5")

@pytest.mark.parametrize("text, expected", [
    ("my husband hits me, can i report him without a visa",
     ["my husband hits me", "can i report him without a visa"]),
    ("he hits me. will police tell home office?", ["he hits me", "will police tell home office"]),
    ("i am scared and i have no papers", ["i am scared", "i have no papers"]),
    ("my husband and his family beat me", ["his family beat me"]),
    ("help", []),
    ("", []),
])
def test_clauses(text, expected):
    assert clauses(text) == expected
