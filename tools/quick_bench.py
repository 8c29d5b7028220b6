"""Quick speed check against NumPy (medians): SGEMM, sum, add, per-op dispatch. The full suite is issue 8."""
import time, numpy as np, cltorch as torch
def med(f, n=7):
    ts=[]
    for _ in range(n):
        t=time.perf_counter(); f(); ts.append(time.perf_counter()-t)
    return sorted(ts)[n//2]
for N in (512, 1024):
    a=np.random.rand(N,N).astype(np.float32); b=np.random.rand(N,N).astype(np.float32)
    ta,tb=torch.tensor(a),torch.tensor(b)
    (ta@tb).sum().item()
    tc=med(lambda: (ta@tb)._runtime.synchronize()); tn=med(lambda: a@b)
    print(f"sgemm {N}: cltorch {2*N**3/tc/1e9:.0f} GFLOPS, numpy {2*N**3/tn/1e9:.0f} GFLOPS")
x=np.random.rand(4*1024*1024).astype(np.float32); tx=torch.tensor(x)
tx.sum().item()
print(f"sum 4M: cltorch {med(lambda: tx.sum().item())*1e3:.2f} ms, numpy {med(lambda: x.sum())*1e3:.2f} ms")
y=tx+1; y._runtime.synchronize()
print(f"add 4M: cltorch {med(lambda: (tx+tx)._runtime.synchronize())*1e3:.2f} ms, numpy {med(lambda: x+x)*1e3:.2f} ms")
s=torch.ones(16); s+s
t=time.perf_counter()
for _ in range(2000): s+s
print(f"dispatch 16-element add: {(time.perf_counter()-t)/2000*1e6:.1f} us host time")
