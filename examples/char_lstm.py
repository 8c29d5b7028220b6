"""A character-level LSTM language model on a built-in text snippet: Embedding -> LSTM -> Linear, trained with
truncated backpropagation through time, gradient clipping and Adam; prints loss and perplexity, then samples.

    python examples/char_lstm.py [--epochs N] [--text FILE] [--quick] [--device cpu|cuda]
"""
from __future__ import annotations

import argparse
import math

import cltorch as torch
from cltorch import nn

SNIPPET = """\
Twinkle, twinkle, little star, how I wonder what you are.
Up above the world so high, like a diamond in the sky.
When the blazing sun is gone, when he nothing shines upon,
then you show your little light, twinkle, twinkle, all the night.
Then the traveller in the dark thanks you for your tiny spark;
he could not see which way to go, if you did not twinkle so.
"""


class CharLSTM(nn.Module):
    """Next-character logits from an embedding and a stacked LSTM (batch_first)."""

    def __init__(self, vocab: int, embed: int = 32, hidden: int = 128, layers: int = 1):
        super().__init__()
        self.embed = nn.Embedding(vocab, embed)
        self.lstm = nn.LSTM(embed, hidden, num_layers=layers, batch_first=True)
        self.head = nn.Linear(hidden, vocab)

    def forward(self, x, state=None):
        """(batch, time) character ids -> (logits (batch, time, vocab), LSTM state)."""
        out, state = self.lstm(self.embed(x), state)
        return self.head(out), state


def batches(ids, batch_size: int, seq_len: int):
    """(input, target) chunks of a (batch_size, T) layout of the id stream, seq_len steps at a time."""
    n = (len(ids) - 1) // batch_size
    data = ids[:n * batch_size].view(batch_size, n)
    target = ids[1:n * batch_size + 1].view(batch_size, n)
    for start in range(0, n - 1, seq_len):
        end = min(start + seq_len, n)
        yield data[:, start:end], target[:, start:end]


def sample(model, stoi, itos, prompt: str, length: int, device) -> str:
    """Greedy continuation of prompt, one character at a time, carrying the LSTM state."""
    model.eval()
    with torch.no_grad():
        x = torch.tensor([[stoi[c] for c in prompt]], device=device)
        logits, state = model(x)
        out = prompt
        for _ in range(length):
            nxt = logits[0, -1].argmax().item()
            out += itos[nxt]
            logits, state = model(torch.tensor([[nxt]], device=device), state)
    return out


def main(argv=None) -> dict:
    """Train the model on the snippet (or --text), printing the loss per epoch and a sample at the end."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--text", default=None, help="train on this text file instead of the snippet")
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--seq-len", type=int, default=32)
    parser.add_argument("--lr", type=float, default=1e-2)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--quick", action="store_true", help="small settings (for tests)")
    args = parser.parse_args(argv)
    if args.quick:
        args.epochs = min(args.epochs, 12)
    text = SNIPPET
    if args.text:
        with open(args.text, encoding="utf-8") as f:
            text = f.read()

    torch.manual_seed(0)
    itos = sorted(set(text))
    stoi = {c: i for i, c in enumerate(itos)}
    ids = torch.tensor([stoi[c] for c in text], dtype=torch.long, device=args.device)
    print(f"{len(text)} characters, vocabulary of {len(itos)}")
    model = CharLSTM(len(itos)).to(args.device)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    criterion = nn.CrossEntropyLoss()

    losses = []
    for epoch in range(1, args.epochs + 1):
        model.train()
        state, total, steps = None, 0.0, 0
        for x, y in batches(ids, args.batch_size, args.seq_len):
            if state is not None:
                state = tuple(s.detach() for s in state)  # truncated BPTT: keep the state, cut the graph
            logits, state = model(x, state)
            loss = criterion(logits.reshape(-1, len(itos)), y.reshape(-1))
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            total += loss.item()
            steps += 1
        losses.append(total / steps)
        if epoch == 1 or epoch % max(1, args.epochs // 6) == 0 or epoch == args.epochs:
            print(f"epoch {epoch:3d}  loss {losses[-1]:.4f}  perplexity {math.exp(losses[-1]):.2f}")
    print(f"initial loss {losses[0]:.4f}  (uniform guess: {math.log(len(itos)):.4f})")
    print(f"final loss {losses[-1]:.4f}")
    print("sample: " + repr(sample(model, stoi, itos, "Twinkle", 60, args.device)))
    return {"losses": losses}


if __name__ == "__main__":
    main()
