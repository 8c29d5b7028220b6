/* Image kernels for cltorch.vision and the DataLoader's host staging.
 *
 * -D IN: tag of the image read; OUT: tag of the image written; CT: tag
 * arithmetic runs in (f32 or f64 for interpolation and normalisation, i64 for
 * integer-to-integer rescaling). Images are read through explicit strides, so
 * HWC host layouts, crops and flips need no copy; outputs are dense.
 */
#include "common.h"

typedef CTYPE(CT) ct;

#if KIND(OUT) == 2
#define CLT_FINISH(v) (v)
#else
/* Interpolated values written to an integer image are rounded half to even. */
#define CLT_FINISH(v) rint(v)
#endif

/* out[b,c,h,w] = normalise(rescale((CT) in[b*sb + c*sc + h*sh + w*sw])), out dense (B,C,H,W).
 * mode: 0 cast, 1 divide by factor, 2 multiply by factor, 3 floor-divide by factor.
 * norm: subtract params[c] and divide by params[C + c] (floating CT only). */
__kernel void image_convert(__global STYPE(OUT) *out, __global const STYPE(IN) *in, long in_off, long C, long H,
                            long W, long sb, long sc, long sh, long sw, int mode, ct factor, int norm,
                            __global const STYPE(CT) *params, long n) {
    long i = get_global_id(0);
    if (i >= n) return;
    long w = i % W;
    long t = i / W;
    long h = t % H;
    t /= H;
    long c = t % C;
    long b = t / C;
    ct v = (ct)LD(IN, in, in_off + b * sb + c * sc + h * sh + w * sw);
    if (mode == 1) v = v / factor;
    else if (mode == 2) v = v * factor;
#if KIND(CT) == 1
    else if (mode == 3) {
        ct q = v / factor;
        if ((v % factor != 0) && ((v < 0) != (factor < 0))) q -= 1;
        v = q;
    }
#endif
#if KIND(CT) == 2
    if (norm) v = (v - (ct)LD(CT, params, c)) / (ct)LD(CT, params, C + c);
#endif
    ST(OUT, out, i, v);
}

#if KIND(CT) == 2
/* Resize planes (P,H,W) read through strides into a dense (P,OH,OW) output.
 * mode 0: nearest (floor(dst * scale)); 1: bilinear, half-pixel centres
 * (align_corners=False); 2: nearest-exact (floor((dst + 0.5) * scale)). */
__kernel void image_resize(__global STYPE(OUT) *out, __global const STYPE(IN) *in, long in_off, long H, long W,
                           long sp, long sh, long sw, long OH, long OW, ct scale_h, ct scale_w, int mode, long n) {
    long i = get_global_id(0);
    if (i >= n) return;
    long x = i % OW;
    long t = i / OW;
    long y = t % OH;
    long p = t / OH;
    long base = in_off + p * sp;
    if (mode != 1) {
        ct off = mode == 2 ? (ct)0.5 : (ct)0;
        long sy = min((long)floor(((ct)y + off) * scale_h), H - 1);
        long sx = min((long)floor(((ct)x + off) * scale_w), W - 1);
        ST(OUT, out, i, LD(IN, in, base + sy * sh + sx * sw));
        return;
    }
    ct fy = fmax(scale_h * ((ct)y + (ct)0.5) - (ct)0.5, (ct)0);
    ct fx = fmax(scale_w * ((ct)x + (ct)0.5) - (ct)0.5, (ct)0);
    long y0 = min((long)fy, H - 1);
    long x0 = min((long)fx, W - 1);
    long y1 = min(y0 + 1, H - 1);
    long x1 = min(x0 + 1, W - 1);
    ct ly = fy - (ct)y0;
    ct lx = fx - (ct)x0;
    ct v00 = (ct)LD(IN, in, base + y0 * sh + x0 * sw);
    ct v01 = (ct)LD(IN, in, base + y0 * sh + x1 * sw);
    ct v10 = (ct)LD(IN, in, base + y1 * sh + x0 * sw);
    ct v11 = (ct)LD(IN, in, base + y1 * sh + x1 * sw);
    ct v = ((ct)1 - ly) * (((ct)1 - lx) * v00 + lx * v01) + ly * (((ct)1 - lx) * v10 + lx * v11);
    ST(OUT, out, i, CLT_FINISH(v));
}

/* One tap of a zero-padded sample: the value at (y, x), or 0 outside the image. */
inline ct clt_tap(__global const STYPE(IN) *in, long base, long H, long W, long sh, long sw, long y, long x,
                  ct *inside) {
    if (y < 0 || y >= H || x < 0 || x >= W) {
        *inside = (ct)0;
        return (ct)0;
    }
    *inside = (ct)1;
    return (ct)LD(IN, in, base + y * sh + x * sw);
}

/* Affine warp of planes (P,H,W) into a dense (P,OH,OW) output. Output pixel
 * (y, x), taken relative to the output centre, maps to input pixel
 * (m3*xc + m4*yc + m5 + (H-1)/2, m0*xc + m1*yc + m2 + (W-1)/2). Samples
 * outside the input read 0; with has_fill the in-bounds weight m blends the
 * fill colour of the plane's channel (c = p % C): v*m + (1-m)*fill (bilinear),
 * or fill where m < 0.5 (nearest). mode 0 nearest (round half to even), 1 bilinear. */
__kernel void image_warp(__global STYPE(OUT) *out, __global const STYPE(IN) *in, long in_off, long H, long W,
                         long sp, long sh, long sw, long OH, long OW, long C, ct m0, ct m1, ct m2, ct m3, ct m4,
                         ct m5, int mode, int has_fill, __global const STYPE(CT) *fill, long n) {
    long i = get_global_id(0);
    if (i >= n) return;
    long x = i % OW;
    long t = i / OW;
    long y = t % OH;
    long p = t / OH;
    long base = in_off + p * sp;
    ct xc = (ct)x - (ct)(OW - 1) * (ct)0.5;
    ct yc = (ct)y - (ct)(OH - 1) * (ct)0.5;
    ct sx = m0 * xc + m1 * yc + m2 + (ct)(W - 1) * (ct)0.5;
    ct sy = m3 * xc + m4 * yc + m5 + (ct)(H - 1) * (ct)0.5;
    ct v, m, inside;
    if (mode == 0) {
        v = clt_tap(in, base, H, W, sh, sw, (long)rint(sy), (long)rint(sx), &m);
    } else {
        long x0 = (long)floor(sx);
        long y0 = (long)floor(sy);
        ct lx = sx - (ct)x0;
        ct ly = sy - (ct)y0;
        ct w00 = ((ct)1 - ly) * ((ct)1 - lx), w01 = ((ct)1 - ly) * lx, w10 = ly * ((ct)1 - lx), w11 = ly * lx;
        v = (ct)0;
        m = (ct)0;
        v += w00 * clt_tap(in, base, H, W, sh, sw, y0, x0, &inside);
        m += w00 * inside;
        v += w01 * clt_tap(in, base, H, W, sh, sw, y0, x0 + 1, &inside);
        m += w01 * inside;
        v += w10 * clt_tap(in, base, H, W, sh, sw, y0 + 1, x0, &inside);
        m += w10 * inside;
        v += w11 * clt_tap(in, base, H, W, sh, sw, y0 + 1, x0 + 1, &inside);
        m += w11 * inside;
    }
    if (has_fill) {
        ct f = (ct)LD(CT, fill, p % C);
        if (mode == 0) v = m < (ct)0.5 ? f : v;
        else v = v * m + ((ct)1 - m) * f;
    }
    ST(OUT, out, i, CLT_FINISH(v));
}
#endif
