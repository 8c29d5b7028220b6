"""Classifying names with a character-level LSTM, after the "NLP From Scratch" tutorials: one-letter indices,
nn.Embedding + nn.LSTM over padded and packed batches, NLLLoss on log_softmax, and a manual SGD update.

Written against PyTorch. The weights start from a seeded NumPy generator and batches come in a fixed order,
so every library prints the same numbers.
"""
import string

import numpy as np
import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_sequence

all_letters = string.ascii_letters + " .,;'"
n_letters = len(all_letters)

category_lines = {
    "English": ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson", "Wright"],
    "Italian": ["Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "Marino", "Greco"],
    "Japanese": ["Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito", "Yamamoto", "Nakamura", "Kobayashi",
                 "Kato"],
    "Russian": ["Ivanov", "Smirnov", "Kuznetsov", "Popov", "Vasiliev", "Petrov", "Sokolov", "Mikhailov", "Novikov",
                "Fedorov"],
}
all_categories = list(category_lines)
n_categories = len(all_categories)


def line_to_indices(line):
    return torch.tensor([all_letters.find(letter) for letter in line], dtype=torch.long)


class NameClassifier(nn.Module):
    def __init__(self, n_letters, embed_size, hidden_size, output_size):
        super().__init__()
        self.embedding = nn.Embedding(n_letters, embed_size)
        self.lstm = nn.LSTM(embed_size, hidden_size, batch_first=True)
        self.h2o = nn.Linear(hidden_size, output_size)
        self.softmax = nn.LogSoftmax(dim=1)

    def forward(self, padded, lengths):
        packed = pack_padded_sequence(self.embedding(padded), lengths, batch_first=True, enforce_sorted=False)
        _, (hidden, _) = self.lstm(packed)
        return self.softmax(self.h2o(hidden[-1]))


rng = np.random.default_rng(0)
model = NameClassifier(n_letters, 16, 32, n_categories)
with torch.no_grad():
    for name, param in model.named_parameters():
        param.copy_(torch.tensor(rng.uniform(-0.3, 0.3, size=tuple(param.shape)).astype(np.float32)))

examples = [(line, i) for i, c in enumerate(all_categories) for line in category_lines[c]]
order = rng.permutation(len(examples))  # a fixed shuffle
examples = [examples[i] for i in order]
batches = [examples[i:i + 8] for i in range(0, len(examples), 8)]

criterion = nn.NLLLoss()
learning_rate = 0.5


def make_batch(batch):
    lines = [line_to_indices(line) for line, _ in batch]
    lengths = torch.tensor([len(x) for x in lines])
    targets = torch.tensor([c for _, c in batch])
    return pad_sequence(lines, batch_first=True), lengths, targets


def train(batch):
    padded, lengths, targets = make_batch(batch)
    model.zero_grad()
    output = model(padded, lengths)
    loss = criterion(output, targets)
    loss.backward()
    # Add parameters' gradients to their values, multiplied by learning rate
    for p in model.parameters():
        p.data.add_(p.grad.data, alpha=-learning_rate)
    return output, loss.item()


def category_from_output(output):
    top_n, top_i = output.topk(1)
    category_i = top_i[0].item()
    return all_categories[category_i], category_i


for epoch in range(1, 16):
    total = 0.0
    for batch in batches:
        output, loss = train(batch)
        total += loss
    if epoch % 3 == 0:
        guess, _ = category_from_output(output)
        print(f"epoch {epoch} loss {total / len(batches):.5f} last batch first guess {guess}")

with torch.no_grad():
    padded, lengths, targets = make_batch(examples)
    output = model(padded, lengths)
    accuracy = (output.argmax(1) == targets).float().mean().item()
    print(f"train accuracy {accuracy:.4f}")
    for line in ["Dovesky", "Jackson", "Satoshi", "Rossini"]:
        out = model(line_to_indices(line).unsqueeze(0), torch.tensor([len(line)]))
        value, index = out.topk(2, dim=1)
        print(f"> {line}: " + ", ".join(f"({value[0][i].item():.4f}) {all_categories[index[0][i].item()]}"
                                        for i in range(2)))
