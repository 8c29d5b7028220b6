"""The device RNG is exactly Philox-4x32-10: checked against an independent NumPy implementation.

Bit-exact agreement on integer draws is what makes a seed give the same numbers on every device.
"""
import numpy as np

import cltorch as torch

M0, M1 = np.uint64(0xD2511F53), np.uint64(0xCD9E8D57)
W0, W1 = np.uint32(0x9E3779B9), np.uint32(0xBB67AE85)
MASK = np.uint64(0xFFFFFFFF)


def philox_blocks(seed: int, first: int, count: int) -> np.ndarray:
    """count blocks of four 32-bit words for counters first..first+count-1 (rows)."""
    ctr = np.arange(first, first + count, dtype=np.uint64)
    c0, c1 = (ctr & MASK).astype(np.uint32), (ctr >> np.uint64(32)).astype(np.uint32)
    c2 = np.zeros(count, np.uint32)
    c3 = np.zeros(count, np.uint32)
    k0, k1 = np.uint32(seed & 0xFFFFFFFF), np.uint32(seed >> 32)
    for _ in range(10):
        p0 = c0.astype(np.uint64) * M0
        p1 = c2.astype(np.uint64) * M1
        hi0, lo0 = (p0 >> np.uint64(32)).astype(np.uint32), (p0 & MASK).astype(np.uint32)
        hi1, lo1 = (p1 >> np.uint64(32)).astype(np.uint32), (p1 & MASK).astype(np.uint32)
        c0, c1, c2, c3 = hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0
        k0 = np.uint32((int(k0) + int(W0)) & 0xFFFFFFFF)
        k1 = np.uint32((int(k1) + int(W1)) & 0xFFFFFFFF)
    return np.stack([c0, c1, c2, c3], axis=1)


def test_randint_words_match_reference():
    seed = 0x1234_5678_9ABC_DEF0
    torch.manual_seed(seed)
    got = torch.randint(0, 2 ** 31, (4097,)).numpy()
    words = philox_blocks(seed, 0, (4097 + 3) // 4).reshape(-1)[:4097]
    np.testing.assert_array_equal(got, words.astype(np.int64) % (2 ** 31))


def test_uniform_bits_match_reference_and_offsets_advance():
    seed = 42
    torch.manual_seed(seed)
    torch.rand(10)  # consumes 3 blocks: the next call starts at counter 3
    got = torch.rand(1023).numpy()
    words = philox_blocks(seed, 3, 256).reshape(-1)[:1023]
    expected = (words >> np.uint32(8)).astype(np.float32) * np.float32(2.0 ** -24)
    np.testing.assert_array_equal(got, expected)
