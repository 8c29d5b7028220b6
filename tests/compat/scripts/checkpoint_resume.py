"""The "Datasets & DataLoaders", "Optimizing Model Parameters" and "Saving and Loading a General Checkpoint"
tutorials: a custom Dataset, an MLP with BatchNorm1d, Adam with a ReduceLROnPlateau scheduler, a checkpoint
dict (epoch, model and optimizer state, loss) saved mid-training, then a fresh model and optimizer resumed
from it.

Written against PyTorch; data and initial weights come from a seeded NumPy generator and batches are not
shuffled, so every library prints the same numbers.
"""
import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset


class RegressionDataset(Dataset):
    def __init__(self, n, seed):
        rng = np.random.default_rng(seed)
        self.x = rng.uniform(-2, 2, size=(n, 6)).astype(np.float32)
        w = np.array([1.5, -2.0, 0.5, 0.0, 1.0, -0.7], dtype=np.float32)
        self.y = (np.sin(self.x @ w) + 0.1 * self.x[:, 0] ** 2).astype(np.float32)[:, None]

    def __len__(self):
        return len(self.x)

    def __getitem__(self, idx):
        return torch.from_numpy(self.x[idx]), torch.from_numpy(self.y[idx])


def build_model():
    model = nn.Sequential(nn.Linear(6, 32), nn.BatchNorm1d(32), nn.Tanh(), nn.Linear(32, 16), nn.ReLU(),
                          nn.Linear(16, 1))
    rng = np.random.default_rng(7)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.startswith("1."):
                continue  # BatchNorm keeps its ones/zeros
            p.copy_(torch.tensor(rng.uniform(-0.4, 0.4, size=tuple(p.shape)).astype(np.float32)))
    return model


def train_loop(dataloader, model, loss_fn, optimizer):
    model.train()
    total = 0.0
    for X, y in dataloader:
        pred = model(X)
        loss = loss_fn(pred, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item()
    return total / len(dataloader)


def test_loop(dataloader, model, loss_fn):
    model.eval()
    test_loss = 0.0
    with torch.no_grad():
        for X, y in dataloader:
            test_loss += loss_fn(model(X), y).item()
    return test_loss / len(dataloader)


train_loader = DataLoader(RegressionDataset(256, seed=1), batch_size=32)
test_loader = DataLoader(RegressionDataset(128, seed=2), batch_size=64)
loss_fn = nn.MSELoss()

model = build_model()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2, weight_decay=1e-4)
scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode="min", factor=0.5, patience=0)
for epoch in range(4):
    train_loss = train_loop(train_loader, model, loss_fn, optimizer)
    test_loss = test_loop(test_loader, model, loss_fn)
    scheduler.step(test_loss)
    print(f"epoch {epoch}: train {train_loss:.6f} test {test_loss:.6f} lr {optimizer.param_groups[0]['lr']}")

torch.save({
    "epoch": 4,
    "model_state_dict": model.state_dict(),
    "optimizer_state_dict": optimizer.state_dict(),
    "loss": train_loss,
}, "checkpoint.tar")
print("running_mean", model[1].running_mean[:4])
print("num_batches_tracked", model[1].num_batches_tracked.item())

# resume in a fresh model and optimizer
model2 = nn.Sequential(nn.Linear(6, 32), nn.BatchNorm1d(32), nn.Tanh(), nn.Linear(32, 16), nn.ReLU(), nn.Linear(16, 1))
optimizer2 = torch.optim.Adam(model2.parameters(), lr=1e-2, weight_decay=1e-4)
checkpoint = torch.load("checkpoint.tar", weights_only=True)
model2.load_state_dict(checkpoint["model_state_dict"])
optimizer2.load_state_dict(checkpoint["optimizer_state_dict"])
start = checkpoint["epoch"]
print(f"resumed at epoch {start}, loss {checkpoint['loss']:.6f}, lr {optimizer2.param_groups[0]['lr']}, "
      f"adam step {int(optimizer2.state_dict()['state'][0]['step'])}")
print(f"resumed test loss {test_loop(test_loader, model2, loss_fn):.6f}")
for epoch in range(start, start + 2):
    train_loss = train_loop(train_loader, model2, loss_fn, optimizer2)
    print(f"epoch {epoch}: train {train_loss:.6f} test {test_loop(test_loader, model2, loss_fn):.6f}")
    train_loop(train_loader, model, loss_fn, optimizer)
same = all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), model2.state_dict().values()))
print(f"resumed model matches the uninterrupted one: {same}")
