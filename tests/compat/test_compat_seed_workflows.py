"""The seed notes' model workflows train to PyTorch's numbers: nn.Module regression, logistic and softmax
classification with mini-batches, evaluation with accuracy counting, and state_dict save/load."""
import numpy as np
import pytest

import harness  # noqa: F401  (skips this module when torch is missing)
import torch

import cltorch

X = [[73.0, 80.0, 75.0], [93.0, 88.0, 93.0], [89.0, 91.0, 90.0], [96.0, 98.0, 100.0], [73.0, 66.0, 70.0]]
Y = [[152.0], [185.0], [180.0], [196.0], [142.0]]


def same_start(ours, theirs):
    """Load torch's freshly initialised weights into our model so both start from one point."""
    state = {k: cltorch.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()}
    ours.load_state_dict(state)


def model_class(lib):
    """The notes' LinearRegressionModel, written against lib."""
    class LinearRegressionModel(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = lib.nn.Linear(3, 1)

        def forward(self, x):
            return self.linear(x)
    return LinearRegressionModel


def regression(lib, model, epochs=100):
    x, y = lib.FloatTensor(X), lib.FloatTensor(Y)
    optimizer = lib.optim.SGD(model.parameters(), lr=1e-5)
    costs = []
    for _ in range(epochs):
        cost = lib.nn.functional.mse_loss(model(x), y)
        optimizer.zero_grad()
        cost.backward()
        optimizer.step()
        costs.append(cost.item())
    return np.array(costs)


def test_module_regression_with_sgd_matches_torch():
    torch.manual_seed(0)
    theirs = model_class(torch)()
    ours = model_class(cltorch)()
    same_start(ours, theirs)
    np.testing.assert_allclose(regression(cltorch, ours), regression(torch, theirs), rtol=1e-4)
    np.testing.assert_allclose(ours.linear.weight.detach().numpy(), theirs.linear.weight.detach().numpy(),
                               rtol=1e-4, atol=1e-6)


def logistic(lib, model, loss_fn, epochs=60):
    rng = np.random.default_rng(1)
    xs = rng.normal(size=(64, 2)).astype(np.float32)
    ys = (xs[:, :1] + 0.5 * xs[:, 1:] > 0).astype(np.float32)
    x, y = lib.tensor(xs), lib.tensor(ys)
    optimizer = lib.optim.SGD(model.parameters(), lr=1.0)
    costs = []
    for _ in range(epochs):
        hypothesis = model(x)
        cost = loss_fn(hypothesis, y)
        optimizer.zero_grad()
        cost.backward()
        optimizer.step()
        costs.append(cost.item())
    model.eval()
    with lib.no_grad():
        output = model(x)
        correct = (y == (output > 0.5).float()).float().sum()
    return np.array(costs), correct.item()


@pytest.mark.parametrize("functional", [False, True])
def test_logistic_regression_sequential_bce_matches_torch(functional):
    torch.manual_seed(0)
    theirs = torch.nn.Sequential(torch.nn.Linear(2, 1), torch.nn.Sigmoid())
    ours = cltorch.nn.Sequential(cltorch.nn.Linear(2, 1), cltorch.nn.Sigmoid())
    same_start(ours, theirs)
    t_loss = torch.nn.functional.binary_cross_entropy if functional else torch.nn.BCELoss()
    o_loss = cltorch.nn.functional.binary_cross_entropy if functional else cltorch.nn.BCELoss()
    o_costs, o_correct = logistic(cltorch, ours, o_loss)
    t_costs, t_correct = logistic(torch, theirs, t_loss)
    np.testing.assert_allclose(o_costs, t_costs, rtol=1e-4, atol=1e-6)
    assert o_costs[-1] < o_costs[0] * 0.5
    assert o_correct == t_correct and o_correct >= 56


def classifier(lib):
    """A softmax classifier: Linear -> ReLU -> Linear, written against either library."""
    return lib.nn.Sequential(lib.nn.Linear(4, 16), lib.nn.ReLU(), lib.nn.Linear(16, 3))


def batches(n, batch_size, order):
    for start in range(0, n, batch_size):
        yield order[start:start + batch_size]


def softmax_training(lib, model, epochs=8, batch_size=10):
    rng = np.random.default_rng(2)
    xs = rng.normal(size=(50, 4)).astype(np.float32)
    ys = (xs @ rng.normal(size=(4, 3))).argmax(1)
    x_all, y_all = lib.tensor(xs), lib.tensor(ys)
    optimizer = lib.optim.Adam(model.parameters(), lr=0.01)
    loss_fn = lib.nn.CrossEntropyLoss()
    losses = []
    for epoch in range(epochs):
        order = np.random.default_rng(epoch).permutation(50)
        for batch_idx, idx in enumerate(batches(50, batch_size, order)):
            data, targets = x_all[lib.tensor(idx)], y_all[lib.tensor(idx)]
            optimizer.zero_grad()
            loss = loss_fn(model(data), targets)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    model.eval()
    count = 0
    with lib.no_grad():
        outputs = model(x_all)
        _, predicted = lib.max(outputs.data, 1)
        count += predicted.eq(y_all.data.view_as(predicted)).sum()
    return np.array(losses), int(count) / 50


def test_softmax_classification_cross_entropy_adam_minibatches_matches_torch():
    torch.manual_seed(0)
    theirs = classifier(torch)
    ours = classifier(cltorch)
    same_start(ours, theirs)
    o_losses, o_acc = softmax_training(cltorch, ours)
    t_losses, t_acc = softmax_training(torch, theirs)
    np.testing.assert_allclose(o_losses, t_losses, rtol=2e-4, atol=1e-5)
    assert o_acc == t_acc and o_acc > 0.8
    assert o_losses[-5:].mean() < o_losses[:5].mean()


def test_state_dict_through_torch_written_file_gives_torch_outputs(tmp_path):
    torch.manual_seed(3)
    theirs = classifier(torch)
    torch.save(theirs.state_dict(), tmp_path / "torch.pt")
    ours = classifier(cltorch)
    ours.load_state_dict(cltorch.load(tmp_path / "torch.pt"))
    x = np.random.default_rng(4).normal(size=(7, 4)).astype(np.float32)
    np.testing.assert_allclose(ours(cltorch.tensor(x)).detach().numpy(),
                               theirs(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6)
    # and back: our file loads into torch's model
    cltorch.save(ours.state_dict(), tmp_path / "ours.pt")
    again = classifier(torch)
    again.load_state_dict(torch.load(tmp_path / "ours.pt"))
    for (k, a), (_, b) in zip(again.state_dict().items(), theirs.state_dict().items()):
        assert torch.equal(a, b), k


def test_seed_save_load_idiom_round_trips(tmp_path):
    path = str(tmp_path / "model.pt")
    cltorch.manual_seed(5)
    model = model_class(cltorch)()
    cltorch.save(model.state_dict(), path)
    fresh = model_class(cltorch)()
    fresh.load_state_dict(cltorch.load(path))
    for (k, a), (_, b) in zip(model.state_dict().items(), fresh.state_dict().items()):
        assert cltorch.equal(a, b), k
