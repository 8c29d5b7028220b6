/* Batched row gathers for the DataLoader: up to four tensors' rows in one launch.
 *
 * -D WORD: the unit rows are copied in (uint when every row, offset and stride
 * is a multiple of 4 bytes, else uchar). Row r of every output is row idx[r] of
 * its source; sizes, offsets and strides are in WORDs. Work-item i copies one
 * word; items run over tensor 0's B*w0 words, then tensor 1's, and so on. The
 * indices come from a sampler that produced them in range (or were checked on
 * the host), so they are read without a bounds check on the value.
 */
__kernel void gather_rows4(__global const long *idx, long idx_off, long B,
                           __global WORD *d0, __global const WORD *s0, long o0, long st0, long w0,
                           __global WORD *d1, __global const WORD *s1, long o1, long st1, long w1,
                           __global WORD *d2, __global const WORD *s2, long o2, long st2, long w2,
                           __global WORD *d3, __global const WORD *s3, long o3, long st3, long w3, long n) {
    long i = get_global_id(0);
    if (i >= n) return;
    __global WORD *d = d0;
    __global const WORD *s = s0;
    long o = o0, st = st0, w = w0;
    if (i >= B * w0) {
        i -= B * w0;
        d = d1; s = s1; o = o1; st = st1; w = w1;
        if (i >= B * w1) {
            i -= B * w1;
            d = d2; s = s2; o = o2; st = st2; w = w2;
            if (i >= B * w2) {
                i -= B * w2;
                d = d3; s = s3; o = o3; st = st3; w = w3;
            }
        }
    }
    long r = i / w;
    long k = i - r * w;
    d[i] = s[o + idx[idx_off + r] * st + k];
}
