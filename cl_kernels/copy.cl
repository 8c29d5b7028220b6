/* Strided copy with dtype conversion: out[...] = (OUT) a[...].
 * Serves contiguous(), .to(dtype), copy_() and clone(). */
#include "common.h"

__kernel void copy_cast(__global STYPE(OUT) *out, __global const STYPE(A) *a, layout_t L, long n) {
    long i = get_global_id(0);
    if (i >= n) return;
    long off[2];
    clt_offsets(&L, i, 2, off);
    ST(OUT, out, off[0], LD(A, a, off[1]));  /* ST converts (bool: != 0) */
}
