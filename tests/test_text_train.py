"""End to end: an Embedding + LSTM sentiment classifier trained on a generated aclImdb-style corpus
through IMDB.splits, Field/LabelField vocabularies and BucketIterator, to better-than-chance accuracy."""
from __future__ import annotations

import os
import random

import cltorch
from cltorch import nn
from cltorch.text import data, datasets

POSITIVE = ["good", "great", "excellent", "wonderful", "loved", "superb"]
NEGATIVE = ["bad", "awful", "terrible", "boring", "hated", "poor"]
FILLER = ["the", "movie", "film", "was", "a", "plot", "actor", "story", "and", "it", "this", "really", "quite"]


def _write_corpus(root, seed=0, per_class=(60, 30)):
    """root/imdb/aclImdb/{train,test}/{pos,neg}/*.txt: filler words with one or two sentiment words mixed in."""
    rng = random.Random(seed)
    for split, n in zip(("train", "test"), per_class):
        for label, words in (("pos", POSITIVE), ("neg", NEGATIVE)):
            folder = os.path.join(root, "imdb", "aclImdb", split, label)
            os.makedirs(folder)
            for i in range(n):
                tokens = [rng.choice(FILLER) for _ in range(rng.randint(3, 14))]
                for _ in range(rng.randint(1, 2)):
                    tokens.insert(rng.randrange(len(tokens) + 1), rng.choice(words).capitalize())
                with open(os.path.join(folder, f"{i}_{rng.randint(1, 10)}.txt"), "w", encoding="utf-8") as f:
                    f.write(" ".join(tokens) + ".")


class SentimentLSTM(nn.Module):
    """Embedding -> LSTM over the packed, length-sorted batch -> a logit from the last hidden state."""

    def __init__(self, vocab_size: int, pad_idx: int, dim: int = 16):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, dim, padding_idx=pad_idx)
        self.lstm = nn.LSTM(dim, dim)
        self.fc = nn.Linear(dim, 1)

    def forward(self, text, lengths):
        packed = nn.utils.rnn.pack_padded_sequence(self.embedding(text), lengths.to("cpu"))
        _, (hidden, _) = self.lstm(packed)
        return self.fc(hidden[-1]).squeeze(1)


def _accuracy(model, iterator) -> float:
    correct = total = 0
    with cltorch.no_grad():
        for (text, lengths), label in iterator:
            pred = (model(text, lengths) > 0).float()
            correct += int((pred == label).sum().item())
            total += len(label)
    return correct / total


def test_embedding_lstm_learns_sentiment_through_bucket_iterator(tmp_path):
    _write_corpus(str(tmp_path))
    cltorch.manual_seed(0)
    TEXT = data.Field(tokenize="basic_english", include_lengths=True)
    LABEL = data.LabelField(dtype=cltorch.float)
    train, test = datasets.IMDB.splits(TEXT, LABEL, root=str(tmp_path))
    train, valid = train.split(split_ratio=0.8, stratified=True)
    TEXT.build_vocab(train)
    LABEL.build_vocab(train)
    assert LABEL.vocab.itos == ["neg", "pos"] and TEXT.vocab.stoi["great"] > 1
    train_it, valid_it, test_it = data.BucketIterator.splits((train, valid, test), batch_size=16,
                                                             sort_within_batch=True, device="cpu")
    model = SentimentLSTM(len(TEXT.vocab), TEXT.vocab.stoi[TEXT.pad_token])
    chance = _accuracy(model, test_it)
    optimizer = cltorch.optim.Adam(model.parameters(), lr=0.02)
    criterion = nn.BCEWithLogitsLoss()
    for _ in range(6):
        for batch in train_it:
            text, lengths = batch.text
            optimizer.zero_grad()
            loss = criterion(model(text, lengths), batch.label)
            loss.backward()
            optimizer.step()
    test_acc = _accuracy(model, test_it)
    assert test_acc >= 0.8, (chance, test_acc)
    assert _accuracy(model, valid_it) >= 0.7
