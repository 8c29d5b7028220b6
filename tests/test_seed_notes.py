"""The user's PyTorch notes (shared/seed/pytorch-notes.ko.md): their code blocks run unchanged with
``import cltorch as torch`` (copied here verbatim, so the test needs no file outside the repository),
and the APIs their bullet points name work as written there."""
import textwrap

import numpy as np
import pytest

import cltorch
import cltorch as torch

LINEAR_REGRESSION_MODEL = '''
# 파이토치 모델 클래스 구현.
import torch
class LinearRegressionModel(torch.nn.Module):
    def __init__(self): #
        super().__init__()
        self.linear = torch.nn.Linear(1, 1)

    def forward(self, x):  # 모델을 데이터와 함께 호출하면 자동실행.
        return self.linear(x)
model = LinearRegressionModel()
'''

CUSTOM_DATASET = '''
# 커스텀 데이터셋
class CustomDataset(Dataset): 
  def __init__(self):
    self.x_data = [[73, 80, 75],
                   [93, 88, 93],
                   [89, 91, 90],
                   [96, 98, 100],
                   [73, 66, 70]]
    self.y_data = [[152], [185], [180], [196], [142]]

  # 총 데이터의 개수를 리턴
  def __len__(self): 
    return len(self.x_data)

  # 인덱스를 입력받아 그에 맞는 입출력 데이터를 Tensor로 리턴
  def __getitem__(self, idx): 
    x = torch.FloatTensor(self.x_data[idx])
    y = torch.FloatTensor(self.y_data[idx])
    return x, y
'''

OPTIMIZER_EXAMPLE = '''
# 사용 예
import torch
x1 = torch.FloatTensor([[73], [93], [89], [96], [73]])
x2 = torch.FloatTensor([[80], [88], [91], [98], [66]])
x3 = torch.FloatTensor([[75], [93], [90], [100], [70]])
y = torch.FloatTensor([[152], [185], [180], [196], [142]])

w1 = torch.zeros(1, requires_grad=True)
w2 = torch.zeros(1, requires_grad=True)
w3 = torch.zeros(1, requires_grad=True)
b = torch.zeros(1, requires_grad=True)

optimizer = torch.optim.SGD([w1, w2, w3, b], lr=1e-5)
epoch = 1000
for i in range(epoch):
    # 선형회귀 H(x) 계산
    # hypothesis = X.matmul(W) + B      # 행렬 연산으로 식을 간단히 함.
    hypothesis = x1 * w1 + x2 * w2 + x3 * w3 + b
    # cost 계산(손실함수 : MSE)
    cost = torch.mean((hypothesis - y) ** 2)
    # cost로 H(x) 개선
    optimizer.zero_grad()   # 옵티마이저 초기화
    cost.backward()         # 기울기(식을 w로 미분한 값)계산
    optimizer.step()        # 옵티마이저를 이용해 주어진 값들을 업데이트
    print(f'Epoch: {i}/{epoch} w1: {w1.item()} w2: {w2.item()} w3: {w3.item()} b: {b.item()} Cost: {cost.item()}')
'''


def run_block(code: str, scope: dict) -> dict:
    """Execute a notes block with `torch` bound to cltorch (its own `import torch` lines included)."""
    import sys
    saved = sys.modules.get("torch")
    sys.modules["torch"] = cltorch
    try:
        exec(compile(textwrap.dedent(code), "pytorch-notes.ko.md", "exec"), scope)
    finally:
        if saved is None:
            del sys.modules["torch"]
        else:
            sys.modules["torch"] = saved
    return scope


def test_linear_regression_model_block():
    scope = run_block(LINEAR_REGRESSION_MODEL, {})
    model = scope["model"]
    assert isinstance(model, cltorch.nn.Module)
    assert [tuple(p.shape) for p in model.parameters()] == [(1, 1), (1,)]
    assert tuple(model(cltorch.ones(4, 1)).shape) == (4, 1)


def test_custom_dataset_block_with_dataloader():
    from cltorch.utils.data import DataLoader, Dataset
    scope = run_block(CUSTOM_DATASET, {"Dataset": Dataset, "torch": cltorch})
    dataset = scope["CustomDataset"]()
    dataloader = DataLoader(dataset, batch_size=2, shuffle=True)
    seen = []
    for batch_idx, samples in enumerate(dataloader):
        x_train, y_train = samples
        assert x_train.dtype is cltorch.float32 and x_train.shape[1] == 3 and y_train.shape[1] == 1
        seen += y_train.reshape(-1).tolist()
    assert batch_idx == 2 and sorted(seen) == [142.0, 152.0, 180.0, 185.0, 196.0]
    assert len(dataloader.dataset) == 5


def test_optimizer_block_trains_and_prints(capsys):
    scope = run_block(OPTIMIZER_EXAMPLE, {})
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1000 and lines[0].startswith("Epoch: 0/1000 w1: 0.294")  # printed after the first step
    first = float(lines[0].rsplit("Cost: ", 1)[1])
    last = float(lines[-1].rsplit("Cost: ", 1)[1])
    assert first == pytest.approx(29661.8, rel=1e-4) and last < 1.2  # torch prints 1.0798 at epoch 999
    assert scope["w1"].item() > 0.5


# -- bullet-point APIs, section by section ----------------------------------------------
def test_device_and_tensor_bullets():
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    x = torch.tensor(3.5).to(device)
    assert x.cpu().item() == 3.5
    assert torch.FloatTensor([1, 2]).dtype is torch.float32
    assert torch.zeros(2, 3).shape == (2, 3) and torch.ones(2).sum().item() == 2
    with pytest.warns(UserWarning):
        assert torch.range(1, 4, 1).tolist() == [1.0, 2.0, 3.0, 4.0]
    assert torch.rand(3).shape == (3,) and torch.randn(2, 2).shape == (2, 2)
    r = torch.randint(0, 5, (100,))
    assert 0 <= r.min().item() and r.max().item() < 5
    assert torch.zeros_like(torch.ones(2, 2)).sum().item() == 0
    w = torch.tensor(2.0, requires_grad=True)
    (w * w * 3).backward()
    assert w.grad.item() == 12.0
    t = torch.FloatTensor([[1, 2], [3, 4]])
    assert (t + 1).tolist() == [[2, 3], [4, 5]] and (t > 2.5).tolist() == [[False, False], [True, True]]
    assert t.dim() == 2 and t.sum().item() == 10 and t.argmax().item() == 3
    assert t.max(dim=1)[0].tolist() == [2, 4] and t.mean(dim=0).tolist() == [2, 3]
    assert t.matmul(t).tolist() == [[7, 10], [15, 22]] and t.mul(t).tolist() == [[1, 4], [9, 16]]
    assert t.size(0) == 2 and t.view(-1).shape == (4,) and t.view(t.size(0), -1).shape == (2, 2)
    assert t.view(4).view_as(t).shape == (2, 2)
    assert t.unsqueeze(0).shape == (1, 2, 2) and t.unsqueeze(0).squeeze().shape == (2, 2)
    one_hot = torch.zeros(3, 4).scatter(1, torch.LongTensor([[0], [2], [3]]), 1)
    assert one_hot.tolist() == [[1, 0, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]
    d = t.detach()
    d.mul_(2.)
    assert t.tolist() == [[2, 4], [6, 8]]  # detach shares storage; mul_ writes in place
    assert isinstance(t.numpy(), np.ndarray) and t.long().dtype is torch.int64
    assert t.eq(t).all().item()
    bits = torch.ByteTensor([1, 2])
    bits.data.sub_(1)
    assert bits.tolist() == [0, 1]
    np.testing.assert_allclose(torch.log(torch.exp(t)).numpy(), t.numpy(), rtol=1e-6)
    assert torch.max(t).item() == 8 and torch.argmax(t, dim=1).tolist() == [1, 1]
    assert torch.cat([t, t], dim=0).shape == (4, 2) and torch.stack([t, t, t], dim=1).shape == (2, 3, 2)


def test_model_bullets():
    model = torch.nn.Sequential()
    model.add_module("layer1", torch.nn.Linear(2, 1))
    model.add_module("act", torch.nn.Sigmoid())
    torch.nn.init.xavier_uniform_(model.layer1.weight)
    torch.manual_seed(1)
    torch.cuda.manual_seed_all(1)
    p = next(model.parameters())
    assert p.requires_grad and p.numel() == 2
    model.eval()
    with torch.no_grad():
        out = model(torch.ones(3, 2))
    assert not out.requires_grad and not model.training
    emb = torch.nn.Embedding(5, 3, padding_idx=0)
    vectors = torch.randn(5, 3)
    emb.weight.data.copy_(vectors)
    assert torch.equal(emb.weight.data, vectors)
    frozen = torch.nn.Embedding.from_pretrained(vectors, freeze=False)
    assert frozen.weight.requires_grad
    for layer in (torch.nn.Conv2d(1, 4, 3), torch.nn.MaxPool2d(2), torch.nn.Dropout(0.5), torch.nn.ReLU(),
                  torch.nn.RNN(3, 4, batch_first=True, num_layers=2, bidirectional=True), torch.nn.LSTM(3, 4),
                  torch.nn.GRU(3, 4), torch.nn.CrossEntropyLoss(ignore_index=0), torch.nn.BCELoss()):
        assert isinstance(layer, torch.nn.Module)


def test_functional_and_loss_bullets():
    import cltorch.nn.functional as F
    z = torch.FloatTensor([[1, 2, 3], [1, -1, 0]])
    y = torch.LongTensor([2, 0])
    assert F.relu(z).min().item() == 0 and torch.sigmoid(z).shape == z.shape
    np.testing.assert_allclose(F.sigmoid(z).numpy(), torch.sigmoid(z).numpy())
    np.testing.assert_allclose(F.log_softmax(z, dim=1).numpy(), torch.log(F.softmax(z, dim=1)).numpy(), atol=1e-6)
    np.testing.assert_allclose(F.cross_entropy(z, y).item(), F.nll_loss(F.log_softmax(z, dim=1), y).item(), rtol=1e-6)
    assert F.mse_loss(z, z).item() == 0
    p = torch.FloatTensor([0.9, 0.2])
    assert F.binary_cross_entropy(p, torch.FloatTensor([1, 0]), reduction="sum").item() > 0
    loss_ = torch.nn.CrossEntropyLoss(reduction="none")(z.requires_grad_(), y)
    loss_.backward(gradient=loss_)
    _, predicted = torch.max(z.data, 1)
    assert predicted.eq(y.data.view_as(predicted)).sum().item() == 2
    target = torch.FloatTensor([1, 0])
    assert (target == (p > 0.5).float()).float().sum().item() == 2
