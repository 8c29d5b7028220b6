"""IMDB sentiment with the classic torchtext workflow: Field/LabelField, IMDB.splits, GloVe-format vectors,
BucketIterator and a bidirectional LSTM over packed sequences (as in the well-known sentiment tutorials).

Reads the aclImdb tree under --data (data/imdb/aclImdb/{train,test}/{pos,neg}/*.txt) and GloVe vectors
(glove.6B.50d.txt) from --vectors-cache. When either is absent, a small aclImdb-style corpus and a
GloVe-format vector file are generated in a temporary folder (and it says so).

    python examples/imdb_sentiment.py [--data DIR] [--vectors-cache DIR] [--epochs N] [--quick] [--device cpu|cuda]
"""
from __future__ import annotations

import argparse
import atexit
import os
import random
import shutil
import tempfile

import numpy as np

import cltorch as torch
from cltorch import nn
from cltorch.text import data, datasets

POSITIVE = ["good", "great", "excellent", "wonderful", "loved", "superb", "brilliant", "enjoyable", "moving",
            "fantastic", "charming", "delightful"]
NEGATIVE = ["bad", "awful", "terrible", "boring", "hated", "poor", "dull", "weak", "mess", "horrible",
            "tedious", "disappointing"]
FILLER = ["the", "movie", "film", "was", "a", "plot", "actor", "story", "and", "it", "this", "really", "quite",
          "of", "with", "acting", "scene", "director", "ending", "cast", "i", "but", "is", "very", "music"]


def write_corpus(root: str, per_class: tuple, seed: int = 0) -> None:
    """root/imdb/aclImdb/{train,test}/{pos,neg}/<id>_<rating>.txt: filler with sentiment words (mostly of the class)."""
    rng = random.Random(seed)
    for split, n in zip(("train", "test"), per_class):
        for label, words, other in (("pos", POSITIVE, NEGATIVE), ("neg", NEGATIVE, POSITIVE)):
            folder = os.path.join(root, "imdb", "aclImdb", split, label)
            os.makedirs(folder)
            for i in range(n):
                tokens = [rng.choice(FILLER) for _ in range(rng.randint(6, 30))]
                picks = [rng.choice(words) for _ in range(rng.randint(2, 3))]
                if rng.random() < 0.3:
                    picks.append(rng.choice(other))
                for w in picks:
                    tokens.insert(rng.randrange(len(tokens) + 1), w.capitalize() if rng.random() < 0.3 else w)
                rating = rng.randint(7, 10) if label == "pos" else rng.randint(1, 4)
                with open(os.path.join(folder, f"{i}_{rating}.txt"), "w", encoding="utf-8") as f:
                    f.write(" ".join(tokens) + ".")


def write_glove(path: str, dim: int, seed: int = 0) -> None:
    """A GloVe text file ('word v1 ... vD' per line) where sentiment words lean along a shared direction."""
    rng = np.random.default_rng(seed)
    direction = rng.standard_normal(dim)
    direction /= np.linalg.norm(direction)
    with open(path, "w", encoding="utf-8") as f:
        for word in FILLER + POSITIVE + NEGATIVE + [".", ",", "extra", "words", "unused"]:
            vec = 0.4 * rng.standard_normal(dim)
            vec += 1.5 * direction * (1 if word in POSITIVE else -1 if word in NEGATIVE else 0)
            f.write(word + " " + " ".join(f"{v:.5f}" for v in vec) + "\n")


def prepare(data_root: str, cache: str, per_class: tuple, dim: int) -> tuple:
    """(data root, vectors cache, note): the real folders when present, else generated ones in a temp folder."""
    have_imdb = os.path.isdir(os.path.join(data_root, "imdb", "aclImdb", "train"))
    have_glove = os.path.isfile(os.path.join(cache, f"glove.6B.{dim}d.txt"))
    if have_imdb and have_glove:
        return data_root, cache, f"IMDB from {data_root}, GloVe from {cache}"
    tmp = tempfile.mkdtemp(prefix="cltorch-imdb-")
    atexit.register(shutil.rmtree, tmp, ignore_errors=True)
    notes = []
    if not have_imdb:
        data_root = tmp
        write_corpus(tmp, per_class)
        notes.append(f"generated aclImdb-style reviews ({per_class[0]} + {per_class[0]} train)")
    if not have_glove:
        cache = os.path.join(tmp, "vector_cache")
        os.makedirs(cache)
        write_glove(os.path.join(cache, f"glove.6B.{dim}d.txt"), dim)
        notes.append(f"generated glove.6B.{dim}d.txt")
    return data_root, cache, "; ".join(notes) + " (real files not found)"


class RNN(nn.Module):
    """Embedding (GloVe-initialised) -> bidirectional LSTM over packed sequences -> linear on both last states."""

    def __init__(self, vocab_size, embedding_dim, hidden_dim, pad_idx):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embedding_dim, padding_idx=pad_idx)
        self.rnn = nn.LSTM(embedding_dim, hidden_dim, bidirectional=True)
        self.fc = nn.Linear(hidden_dim * 2, 1)

    def forward(self, text, text_lengths):
        """(time, batch) token ids and lengths -> (batch, 1) logits."""
        embedded = self.embedding(text)
        packed = nn.utils.rnn.pack_padded_sequence(embedded, text_lengths.to("cpu"))
        _, (hidden, _) = self.rnn(packed)
        hidden = torch.cat((hidden[-2, :, :], hidden[-1, :, :]), dim=1)
        return self.fc(hidden)


def binary_accuracy(preds, y):
    """Fraction of rounded sigmoid predictions that equal the labels."""
    return (torch.round(torch.sigmoid(preds)) == y).float().mean()


def run_epoch(model, iterator, criterion, optimizer=None) -> tuple:
    """(mean loss, mean accuracy) over iterator; trains when an optimizer is given."""
    model.train(optimizer is not None)
    epoch_loss = epoch_acc = 0.0
    with torch.set_grad_enabled(optimizer is not None):
        for batch in iterator:
            text, text_lengths = batch.text
            predictions = model(text, text_lengths).squeeze(1)
            loss = criterion(predictions, batch.label)
            if optimizer is not None:
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
            epoch_loss += loss.item()
            epoch_acc += binary_accuracy(predictions, batch.label).item()
    return epoch_loss / len(iterator), epoch_acc / len(iterator)


def main(argv=None) -> dict:
    """Build the vocabulary with vectors, train, and print loss and accuracy per epoch and on the test set."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="data")
    parser.add_argument("--vectors-cache", default=".vector_cache")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--per-class", type=int, default=300, help="generated reviews per class (train)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--quick", action="store_true", help="small settings (for tests)")
    args = parser.parse_args(argv)
    if args.quick:
        args.epochs, args.per_class = min(args.epochs, 4), min(args.per_class, 80)
    dim = 50

    torch.manual_seed(1234)
    random.seed(1234)
    root, cache, note = prepare(args.data, args.vectors_cache, (args.per_class, args.per_class // 2), dim)
    print(f"data: {note}")
    TEXT = data.Field(tokenize="basic_english", include_lengths=True)
    LABEL = data.LabelField(dtype=torch.float)
    train_data, test_data = datasets.IMDB.splits(TEXT, LABEL, root=root)
    train_data, valid_data = train_data.split(split_ratio=0.8, random_state=random.getstate())
    print(f"examples: {len(train_data)} train, {len(valid_data)} valid, {len(test_data)} test")
    TEXT.build_vocab(train_data, max_size=25000, vectors=f"glove.6B.{dim}d", vectors_cache=cache,
                     unk_init=torch.Tensor.normal_)
    LABEL.build_vocab(train_data)
    print(f"vocabulary: {len(TEXT.vocab)} tokens; labels {LABEL.vocab.itos}")
    train_it, valid_it, test_it = data.BucketIterator.splits((train_data, valid_data, test_data),
                                                             batch_size=args.batch_size, sort_within_batch=True,
                                                             device=args.device)

    pad_idx = TEXT.vocab.stoi[TEXT.pad_token]
    unk_idx = TEXT.vocab.stoi[TEXT.unk_token]
    model = RNN(len(TEXT.vocab), dim, 32, pad_idx)
    model.embedding.weight.data.copy_(TEXT.vocab.vectors)
    model.embedding.weight.data[unk_idx] = torch.zeros(dim)
    model.embedding.weight.data[pad_idx] = torch.zeros(dim)
    model = model.to(args.device)
    optimizer = torch.optim.Adam(model.parameters(), lr=5e-3)
    criterion = nn.BCEWithLogitsLoss().to(args.device)

    losses = []
    for epoch in range(1, args.epochs + 1):
        train_loss, train_acc = run_epoch(model, train_it, criterion, optimizer)
        valid_loss, valid_acc = run_epoch(model, valid_it, criterion)
        losses.append(train_loss)
        print(f"epoch {epoch}  train loss {train_loss:.3f}  train acc {train_acc:.3f}  "
              f"valid loss {valid_loss:.3f}  valid acc {valid_acc:.3f}")
    test_loss, test_acc = run_epoch(model, test_it, criterion)
    print(f"final loss {losses[-1]:.4f}")
    print(f"test loss {test_loss:.3f}")
    print(f"test accuracy {test_acc:.3f}")
    return {"losses": losses, "test_accuracy": test_acc}


if __name__ == "__main__":
    main()
