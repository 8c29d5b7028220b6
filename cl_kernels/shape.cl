/* Triangle masks for tril/triu over the last two dims of a strided tensor.
 * The linear index walks the output in row-major order, so the element's
 * row and column come from it; TRI_UPPER keeps col - row >= diag, otherwise
 * col - row <= diag is kept. */
#include "common.h"

inline int tri_keep(long i, long rows, long cols, long diag) {
    long col = i % cols;
    long row = (i / cols) % rows;
#ifdef TRI_UPPER
    return col - row >= diag;
#else
    return col - row <= diag;
#endif
}

/* out = a inside the triangle, 0 outside. */
__kernel void tri_copy(__global STYPE(OUT) *out, __global const STYPE(OUT) *a, layout_t L,
                       long rows, long cols, long diag, long n) {
    long i = get_global_id(0);
    if (i >= n) return;
    long off[2];
    clt_offsets(&L, i, 2, off);
    CTYPE(OUT) v = tri_keep(i, rows, cols, diag) ? (CTYPE(OUT))LD(OUT, a, off[1]) : (CTYPE(OUT))0;
    ST(OUT, out, off[0], v);
}

/* In place: zero the elements outside the triangle, leave the rest untouched. */
__kernel void tri_zero(__global STYPE(OUT) *out, layout_t L, long rows, long cols, long diag, long n) {
    long i = get_global_id(0);
    if (i >= n) return;
    if (tri_keep(i, rows, cols, diag)) return;
    long off[1];
    clt_offsets(&L, i, 1, off);
    ST(OUT, out, off[0], (CTYPE(OUT))0);
}
