/* Shared macros for every cltorch kernel: dtype tags, loads/stores, strided offsets.
 *
 * A dtype enters a kernel as a tag (f32 f64 f16 i64 i32 i16 i8 u8 b8) through
 * -D macros such as -DOUT=f32 -DA=f16. STYPE(tag) is the storage type,
 * CTYPE(tag) the type arithmetic happens in, LD/ST read and write one element
 * (half goes through vload_half/vstore_half so fp16 storage works everywhere).
 */
#ifndef CLT_COMMON_H
#define CLT_COMMON_H

#ifdef CLT_HAS_FP64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#define ACC_FLOAT double
#else
#define ACC_FLOAT float
#endif

#define CLT_CAT_(a, b) a##b
#define CLT_CAT(a, b) CLT_CAT_(a, b)

#define STYPE(tag) CLT_CAT(STYPE_, tag)
#define CTYPE(tag) CLT_CAT(CTYPE_, tag)
#define LD(tag, p, i) CLT_CAT(LD_, tag)(p, i)
#define ST(tag, p, i, v) CLT_CAT(ST_, tag)(p, i, v)

#define STYPE_f32 float
#define STYPE_f64 double
#define STYPE_f16 half
#define STYPE_i64 long
#define STYPE_i32 int
#define STYPE_i16 short
#define STYPE_i8 char
#define STYPE_u8 uchar
#define STYPE_b8 uchar

#define CTYPE_f32 float
#define CTYPE_f64 double
#define CTYPE_f16 float
#define CTYPE_i64 long
#define CTYPE_i32 int
#define CTYPE_i16 short
#define CTYPE_i8 char
#define CTYPE_u8 uchar
#define CTYPE_b8 uchar

#define LD_f32(p, i) ((p)[i])
#define LD_f64(p, i) ((p)[i])
#define LD_f16(p, i) vload_half((i), (p))
#define LD_i64(p, i) ((p)[i])
#define LD_i32(p, i) ((p)[i])
#define LD_i16(p, i) ((p)[i])
#define LD_i8(p, i) ((p)[i])
#define LD_u8(p, i) ((p)[i])
#define LD_b8(p, i) ((p)[i])

#define ST_f32(p, i, v) ((p)[i] = (float)(v))
#define ST_f64(p, i, v) ((p)[i] = (double)(v))
#define ST_f16(p, i, v) vstore_half((float)(v), (i), (p))
#define ST_i64(p, i, v) ((p)[i] = (long)(v))
#define ST_i32(p, i, v) ((p)[i] = (int)(v))
#define ST_i16(p, i, v) ((p)[i] = (short)(v))
#define ST_i8(p, i, v) ((p)[i] = (char)(v))
#define ST_u8(p, i, v) ((p)[i] = (uchar)(v))
#define ST_b8(p, i, v) ((p)[i] = (uchar)((v) != 0))

/* The type sums of a tag accumulate in: double/float for floats, long for integers and bool. */
#define WIDE(tag) CLT_CAT(WIDE_, tag)
#define WIDE_f64 double
#define WIDE_f32 float
#define WIDE_f16 float
#define WIDE_i64 long
#define WIDE_i32 long
#define WIDE_i16 long
#define WIDE_i8 long
#define WIDE_u8 long
#define WIDE_b8 long

/* Kind of a tag, for #if: 0 bool, 1 integer, 2 floating. */
#define KIND(tag) CLT_CAT(KIND_, tag)
#define KIND_f32 2
#define KIND_f64 2
#define KIND_f16 2
#define KIND_i64 1
#define KIND_i32 1
#define KIND_i16 1
#define KIND_i8 1
#define KIND_u8 1
#define KIND_b8 0

/* Strided layout of up to four operands over one broadcast shape.
 * The host coalesces dimensions first; kernels built with -DCLT_STRIDED walk
 * ndim dimensions, the others treat every operand as dense from its offset. */
#define MAXDIM 8
typedef struct {
    long shape[MAXDIM];
    long stride[4][MAXDIM];
    long offset[4];
    long ndim;
} layout_t;

/* Element offsets of operands 0..nops-1 for the linear index i. */
inline void clt_offsets(const layout_t *L, long i, int nops, long *off) {
    for (int k = 0; k < nops; ++k) off[k] = L->offset[k];
#ifndef CLT_STRIDED
    for (int k = 0; k < nops; ++k) off[k] += i;
#else
    for (int d = (int)L->ndim - 1; d >= 0; --d) {
        long q = i / L->shape[d];
        long c = i - q * L->shape[d];
        for (int k = 0; k < nops; ++k) off[k] += c * L->stride[k][d];
        i = q;
    }
#endif
}

#endif
