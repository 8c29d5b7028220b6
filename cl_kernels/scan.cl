/* Inclusive scans (cumsum, cumprod) along one dim.
 *
 * -D A, CT, OUT: input tag, the tag values are converted to, output tag.
 * -D SCAN_SUM or SCAN_PROD.
 *
 * A line is the run of elements along the scanned dim. scan_lines walks whole
 * lines, one work-item each. Long lines are cut into chunks: scan_totals reduces
 * each chunk, scan_carries turns a line's chunk totals into exclusive prefixes,
 * scan_chunks rescans each chunk from its prefix. No barriers, any group size.
 */
#include "common.h"

typedef CTYPE(CT) ct;

typedef WIDE(CT) acc_t;

typedef struct {
    long kshape[MAXDIM];
    long kstride[MAXDIM];  /* input strides of the other dims */
    long ostride[MAXDIM];  /* output strides of the other dims */
    long kndim, offset, len, stride, ostride_d, nlines, chunk, nchunks;
} scan_t;

#define LOADX(p, off) ((acc_t)(ct)LD(A, p, off))

#if defined(SCAN_SUM) && KIND(CT) == 2
/* Neumaier-compensated running sum (c is dropped once s is not finite). */
typedef struct { acc_t s, c; } run_t;
inline run_t run_from(acc_t v) { run_t z = {v, (acc_t)0}; return z; }
inline void run_add(run_t *a, acc_t x) {
    acc_t t = a->s + x;
    a->c += fabs(a->s) >= fabs(x) ? (a->s - t) + x : (x - t) + a->s;
    a->s = t;
}
inline acc_t run_value(run_t a) { return isfinite(a.s) ? a.s + a.c : a.s; }
#define IDENTITY ((acc_t)0)
#elif defined(SCAN_SUM)
typedef struct { acc_t s; } run_t;
inline run_t run_from(acc_t v) { run_t z = {v}; return z; }
inline void run_add(run_t *a, acc_t x) { a->s = (acc_t)((ulong)a->s + (ulong)x); }
inline acc_t run_value(run_t a) { return a.s; }
#define IDENTITY ((acc_t)0)
#elif KIND(CT) == 2
/* Compensated running product: c collects each multiplication's exact rounding error (fma). */
typedef struct { acc_t p, c; } run_t;
inline run_t run_from(acc_t v) { run_t z = {v, (acc_t)0}; return z; }
inline void run_add(run_t *a, acc_t x) {
    acc_t t = a->p * x;
    a->c = a->c * x + fma(a->p, x, -t);
    a->p = t;
}
inline acc_t run_value(run_t a) { return isfinite(a.p) ? a.p + a.c : a.p; }
#define IDENTITY ((acc_t)1)
#else
typedef struct { acc_t p; } run_t;
inline run_t run_from(acc_t v) { run_t z = {v}; return z; }
inline void run_add(run_t *a, acc_t x) { a->p = (acc_t)((ulong)a->p * (ulong)x); }
inline acc_t run_value(run_t a) { return a.p; }
#define IDENTITY ((acc_t)1)
#endif

/* Input and output offsets of the first element of line l. */
inline void line_bases(const scan_t *S, long l, long *ib, long *ob) {
    long i = S->offset, o = 0;
    for (int d = (int)S->kndim - 1; d >= 0; --d) {
        long q = l / S->kshape[d];
        long c = l - q * S->kshape[d];
        i += c * S->kstride[d];
        o += c * S->ostride[d];
        l = q;
    }
    *ib = i;
    *ob = o;
}

/* Scan elements [k0, k1) of one line starting from the running value r. */
inline void scan_range(__global STYPE(OUT) *out, __global const STYPE(A) *a, const scan_t *S, long ib, long ob,
                       long k0, long k1, run_t r) {
    for (long k = k0; k < k1; ++k) {
        run_add(&r, LOADX(a, ib + k * S->stride));
        ST(OUT, out, ob + k * S->ostride_d, run_value(r));
    }
}

__kernel void scan_lines(__global STYPE(OUT) *out, __global const STYPE(A) *a, scan_t S) {
    long l = get_global_id(0);
    if (l >= S.nlines) return;
    long ib, ob;
    line_bases(&S, l, &ib, &ob);
    scan_range(out, a, &S, ib, ob, 0, S.len, run_from(IDENTITY));
}

/* Work-item g: the total of chunk g / nlines of line g % nlines. */
__kernel void scan_totals(__global acc_t *tot, __global const STYPE(A) *a, scan_t S) {
    long g = get_global_id(0);
    if (g >= S.nlines * S.nchunks) return;
    long c = g / S.nlines, l = g - c * S.nlines;
    long ib, ob;
    line_bases(&S, l, &ib, &ob);
    long k1 = min((c + 1) * S.chunk, S.len);
    run_t r = run_from(IDENTITY);
    for (long k = c * S.chunk; k < k1; ++k) run_add(&r, LOADX(a, ib + k * S.stride));
    tot[g] = run_value(r);
}

/* Line l: replace its chunk totals by exclusive prefixes. */
__kernel void scan_carries(__global acc_t *tot, scan_t S) {
    long l = get_global_id(0);
    if (l >= S.nlines) return;
    run_t r = run_from(IDENTITY);
    for (long c = 0; c < S.nchunks; ++c) {
        acc_t t = tot[c * S.nlines + l];
        tot[c * S.nlines + l] = run_value(r);
        run_add(&r, t);
    }
}

/* Work-item g: rescan chunk g / nlines of line g % nlines from its prefix. */
__kernel void scan_chunks(__global STYPE(OUT) *out, __global const STYPE(A) *a, __global const acc_t *tot,
                          scan_t S) {
    long g = get_global_id(0);
    if (g >= S.nlines * S.nchunks) return;
    long c = g / S.nlines, l = g - c * S.nlines;
    long ib, ob;
    line_bases(&S, l, &ib, &ob);
    scan_range(out, a, &S, ib, ob, c * S.chunk, min((c + 1) * S.chunk, S.len), run_from(tot[g]));
}
