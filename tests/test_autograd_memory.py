"""A training-style loop frees its graphs: device memory stays flat over 1,000 steps."""
import cltorch as torch


def test_memory_flat_over_1000_steps():
    torch.manual_seed(0)
    x = torch.randn(64, 8)
    y = torch.randn(64, 1)
    w = torch.zeros(8, 1, requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([w, b], lr=0.01)
    alloc = torch.cuda  # memory_allocated accepts any device name, 'cpu' included
    readings = []
    for step in range(1000):
        loss = ((x @ w + b - y) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step in (10, 500, 999):
            readings.append((alloc.memory_allocated("cpu"), torch.backend.active_runtimes()[0].allocator.live_blocks))
    assert readings[0] == readings[1] == readings[2], readings
    assert loss.item() < 1.5
