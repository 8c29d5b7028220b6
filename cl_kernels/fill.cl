/* Creation kernels: constant fill (strided), arange/linspace ramps, identity. */
#include "common.h"

__kernel void fill_value(__global STYPE(OUT) *out, CTYPE(OUT) value, layout_t L, long n) {
    long i = get_global_id(0);
    if (i >= n) return;
    long off[1];
    clt_offsets(&L, i, 1, off);
    ST(OUT, out, off[0], value);
}

/* out[i] = start + i * step, computed in the widest type the device has. */
__kernel void arange_float(__global STYPE(OUT) *out, ACC_FLOAT start, ACC_FLOAT step, long n) {
    long i = get_global_id(0);
    if (i >= n) return;
    ST(OUT, out, i, start + (ACC_FLOAT)i * step);
}

__kernel void arange_int(__global STYPE(OUT) *out, long start, long step, long n) {
    long i = get_global_id(0);
    if (i >= n) return;
    ST(OUT, out, i, start + i * step);
}

/* Symmetric linspace: the first half counts up from start, the second down
 * from end, so both endpoints are exact. */
__kernel void linspace(__global STYPE(OUT) *out, ACC_FLOAT start, ACC_FLOAT end, ACC_FLOAT step, long n) {
    long i = get_global_id(0);
    if (i >= n) return;
    ACC_FLOAT v = (i < n / 2) ? start + (ACC_FLOAT)i * step : end - (ACC_FLOAT)(n - 1 - i) * step;
    ST(OUT, out, i, v);
}

__kernel void eye(__global STYPE(OUT) *out, long cols, long n) {
    long i = get_global_id(0);
    if (i >= n) return;
    ST(OUT, out, i, (i / cols) == (i % cols) ? 1 : 0);
}
