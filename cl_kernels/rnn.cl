/* Recurrent layers: one fused gate kernel per time step (forward and backward)
 * and a row gather for sequence packing.
 *
 * -D T: the dtype tag (f32, f64, f16; any tag for rows_gather); arithmetic runs in CTYPE(T).
 *
 * A step's input gates gi (x @ W_ih^T, all steps precomputed by one GEMM) and
 * hidden gates gh (h_prev @ W_hh^T, one GEMM per step) arrive without biases;
 * the kernels add b_ih and b_hh. Gate blocks follow torch: LSTM i,f,g,o;
 * GRU r,z,n with n = tanh(gi_n + b_in + r * (gh_n + b_hn)).
 * Work-item (r, j) owns row r (batch) and hidden unit j. Rows r >= active
 * (finished sequences of a packed batch) carry their state unchanged and write
 * zero output; backward passes their gradients through unchanged.
 * An LSTM with proj_size writes o * tanh(c) to its "output" rows instead of the
 * state; the host projects them into the state with a GEMM (write_h = 0).
 * Every buffer position is an element offset given in the step struct. */
#include "common.h"

typedef CTYPE(T) ct;
#define BUF __global STYPE(T) *

typedef struct {
    long n, h, active, has_bias;
    long bi, bh;        /* offsets of b_ih and b_hh */
    long gi;            /* this step's rows of gi; saved activated gates are written back here */
    long gh;            /* rows of gh (dense, G*h per row) */
    long hp, hq;        /* previous / new hidden state rows (dense, hrow per row) */
    long ap, aq;        /* LSTM: previous / new cell state; GRU: aq = saved gh_n + b_hn */
    long y, y_row;      /* output rows of this step and direction */
    long hrow, write_h; /* hidden state width (h, or an LSTM's proj_size); 0: the host projects y into hs */
} rnn_step_t;

typedef struct {
    long n, h, active, has_dy;
    long g;             /* this step's saved gates; dgi and dgh rows sit at the same offset */
    long hp, hq, ap, aq;
    long dy, dy_row;    /* output-gradient rows of this step and direction */
    long dh, dc;        /* running state gradients (dense rows), updated in place */
} rnn_bstep_t;

#if KIND(T) == 2      /* the recurrences are for floating types; rows_gather below serves every dtype */
inline ct sigm(ct v) { return (ct)1 / ((ct)1 + exp(-v)); }

/* Rows past `active`: state carried, output zero. Returns 1 when the row was such a row. */
inline int carry_row(BUF hs, BUF aux, BUF y, const rnn_step_t *s, long r, long j, long id, int has_cell) {
    if (r < s->active) return 0;
    if (j < s->hrow) ST(T, hs, s->hq + r * s->hrow + j, LD(T, hs, s->hp + r * s->hrow + j));
    if (has_cell) ST(T, aux, s->aq + id, LD(T, aux, s->ap + id));
    ST(T, y, s->y + r * s->y_row + j, (ct)0);
    return 1;
}

/* pre-activation of gate block k for row r, unit j */
inline ct gate_pre(BUF gi, BUF gh, BUF b_ih, BUF b_hh, const rnn_step_t *s, long r, long j, long k, long G) {
    long c = k * s->h + j;
    ct v = (ct)LD(T, gi, s->gi + r * G + c) + (ct)LD(T, gh, s->gh + r * G + c);
    if (s->has_bias) v += (ct)LD(T, b_ih, s->bi + c) + (ct)LD(T, b_hh, s->bh + c);
    return v;
}

__kernel void lstm_cell_forward(BUF gi, BUF gh, BUF b_ih, BUF b_hh, BUF hs, BUF cs, BUF y, rnn_step_t s) {
    long id = get_global_id(0);
    if (id >= s.n * s.h) return;
    long r = id / s.h, j = id - r * s.h, G = 4 * s.h;
    if (carry_row(hs, cs, y, &s, r, j, id, 1)) return;
    ct i = sigm(gate_pre(gi, gh, b_ih, b_hh, &s, r, j, 0, G));
    ct f = sigm(gate_pre(gi, gh, b_ih, b_hh, &s, r, j, 1, G));
    ct g = tanh(gate_pre(gi, gh, b_ih, b_hh, &s, r, j, 2, G));
    ct o = sigm(gate_pre(gi, gh, b_ih, b_hh, &s, r, j, 3, G));
    ct c = f * (ct)LD(T, cs, s.ap + id) + i * g;
    ct h = o * tanh(c);
    long row = s.gi + r * G + j;
    ST(T, gi, row, i);
    ST(T, gi, row + s.h, f);
    ST(T, gi, row + 2 * s.h, g);
    ST(T, gi, row + 3 * s.h, o);
    ST(T, cs, s.aq + id, c);
    if (s.write_h) ST(T, hs, s.hq + id, h);
    ST(T, y, s.y + r * s.y_row + j, h);
}

__kernel void gru_cell_forward(BUF gi, BUF gh, BUF b_ih, BUF b_hh, BUF hs, BUF hn, BUF y, rnn_step_t s) {
    long id = get_global_id(0);
    if (id >= s.n * s.h) return;
    long r = id / s.h, j = id - r * s.h, G = 3 * s.h;
    if (carry_row(hs, hn, y, &s, r, j, id, 0)) return;
    ct rg = sigm(gate_pre(gi, gh, b_ih, b_hh, &s, r, j, 0, G));
    ct z = sigm(gate_pre(gi, gh, b_ih, b_hh, &s, r, j, 1, G));
    long c = 2 * s.h + j;
    ct hpart = (ct)LD(T, gh, s.gh + r * G + c);
    ct ipart = (ct)LD(T, gi, s.gi + r * G + c);
    if (s.has_bias) {
        hpart += (ct)LD(T, b_hh, s.bh + c);
        ipart += (ct)LD(T, b_ih, s.bi + c);
    }
    ct n = tanh(ipart + rg * hpart);
    ct h = ((ct)1 - z) * n + z * (ct)LD(T, hs, s.hp + id);
    long row = s.gi + r * G + j;
    ST(T, gi, row, rg);
    ST(T, gi, row + s.h, z);
    ST(T, gi, row + 2 * s.h, n);
    ST(T, hn, s.aq + id, hpart);
    ST(T, hs, s.hq + id, h);
    ST(T, y, s.y + r * s.y_row + j, h);
}

inline void rnn_forward(BUF gi, BUF gh, BUF b_ih, BUF b_hh, BUF hs, BUF y, const rnn_step_t *s, int relu) {
    long id = get_global_id(0);
    if (id >= s->n * s->h) return;
    long r = id / s->h, j = id - r * s->h;
    if (carry_row(hs, hs, y, s, r, j, id, 0)) return;
    ct v = gate_pre(gi, gh, b_ih, b_hh, s, r, j, 0, s->h);
    ct h = relu ? fmax(v, (ct)0) : tanh(v);
    ST(T, hs, s->hq + id, h);
    ST(T, y, s->y + r * s->y_row + j, h);
}

__kernel void rnn_tanh_cell_forward(BUF gi, BUF gh, BUF b_ih, BUF b_hh, BUF hs, BUF aux, BUF y, rnn_step_t s) {
    rnn_forward(gi, gh, b_ih, b_hh, hs, y, &s, 0);
}

__kernel void rnn_relu_cell_forward(BUF gi, BUF gh, BUF b_ih, BUF b_hh, BUF hs, BUF aux, BUF y, rnn_step_t s) {
    rnn_forward(gi, gh, b_ih, b_hh, hs, y, &s, 1);
}

/* -- backward: dgi gets the gradients of the gate pre-activations (for x, W_ih, b_ih);
 * GRU also writes dgh (for h_prev, W_hh, b_hh), which differs in the n block. The
 * state gradient dh is left for the host's GEMM dgh @ W_hh (GRU: its direct part
 * dh * z is written first and the GEMM accumulates); dc is updated here. */

/* Returns 1 for a finished row: zero gate gradients, state gradients pass through. */
inline int pass_row(BUF dgi, BUF dgh, const rnn_bstep_t *s, long r, long j, long G) {
    if (r < s->active) return 0;
    for (long k = 0; k < G; k += s->h) {
        ST(T, dgi, s->g + r * G + k + j, (ct)0);
        ST(T, dgh, s->g + r * G + k + j, (ct)0);
    }
    return 1;
}

inline ct step_dh(BUF dy, BUF dh, const rnn_bstep_t *s, long r, long j, long id) {
    ct v = (ct)LD(T, dh, s->dh + id);
    if (s->has_dy) v += (ct)LD(T, dy, s->dy + r * s->dy_row + j);
    return v;
}

__kernel void lstm_cell_backward(BUF g, BUF dgi, BUF dgh, BUF hs, BUF cs, BUF dy, BUF dh, BUF dc,
                                 rnn_bstep_t s) {
    long id = get_global_id(0);
    if (id >= s.n * s.h) return;
    long r = id / s.h, j = id - r * s.h, G = 4 * s.h;
    if (pass_row(dgi, dgh, &s, r, j, G)) return;
    long row = s.g + r * G + j;
    ct i = LD(T, g, row), f = LD(T, g, row + s.h), gg = LD(T, g, row + 2 * s.h), o = LD(T, g, row + 3 * s.h);
    ct tc = tanh((ct)LD(T, cs, s.aq + id));
    ct dht = step_dh(dy, dh, &s, r, j, id);
    ct dct = (ct)LD(T, dc, s.dc + id) + dht * o * ((ct)1 - tc * tc);
    ST(T, dgi, row, dct * gg * i * ((ct)1 - i));
    ST(T, dgi, row + s.h, dct * (ct)LD(T, cs, s.ap + id) * f * ((ct)1 - f));
    ST(T, dgi, row + 2 * s.h, dct * i * ((ct)1 - gg * gg));
    ST(T, dgi, row + 3 * s.h, dht * tc * o * ((ct)1 - o));
    ST(T, dc, s.dc + id, dct * f);
}

__kernel void gru_cell_backward(BUF g, BUF dgi, BUF dgh, BUF hs, BUF hn, BUF dy, BUF dh, BUF dc,
                                rnn_bstep_t s) {
    long id = get_global_id(0);
    if (id >= s.n * s.h) return;
    long r = id / s.h, j = id - r * s.h, G = 3 * s.h;
    if (pass_row(dgi, dgh, &s, r, j, G)) return;
    long row = s.g + r * G + j;
    ct rg = LD(T, g, row), z = LD(T, g, row + s.h), n = LD(T, g, row + 2 * s.h);
    ct dht = step_dh(dy, dh, &s, r, j, id);
    ct dn = dht * ((ct)1 - z) * ((ct)1 - n * n);
    ct dz = dht * ((ct)LD(T, hs, s.hp + id) - n) * z * ((ct)1 - z);
    ct dr = dn * (ct)LD(T, hn, s.aq + id) * rg * ((ct)1 - rg);
    ST(T, dgi, row, dr);
    ST(T, dgi, row + s.h, dz);
    ST(T, dgi, row + 2 * s.h, dn);
    ST(T, dgh, row, dr);
    ST(T, dgh, row + s.h, dz);
    ST(T, dgh, row + 2 * s.h, dn * rg);
    ST(T, dh, s.dh + id, dht * z);
}

inline void rnn_backward(BUF dgi, BUF hs, BUF dy, BUF dh, const rnn_bstep_t *s, int relu) {
    long id = get_global_id(0);
    if (id >= s->n * s->h) return;
    long r = id / s->h, j = id - r * s->h;
    if (pass_row(dgi, dgi, s, r, j, s->h)) return;
    ct h = LD(T, hs, s->hq + id);
    ct dht = step_dh(dy, dh, s, r, j, id);
    ST(T, dgi, s->g + r * s->h + j, relu ? (h > (ct)0 ? dht : (ct)0) : dht * ((ct)1 - h * h));
}

__kernel void rnn_tanh_cell_backward(BUF g, BUF dgi, BUF dgh, BUF hs, BUF aux, BUF dy, BUF dh, BUF dc,
                                     rnn_bstep_t s) {
    rnn_backward(dgi, hs, dy, dh, &s, 0);
}

__kernel void rnn_relu_cell_backward(BUF g, BUF dgi, BUF dgh, BUF hs, BUF aux, BUF dy, BUF dh, BUF dc,
                                     rnn_bstep_t s) {
    rnn_backward(dgi, hs, dy, dh, &s, 1);
}

/* LSTM with projections: out = dh + dy (the gradient of this step's projected state, zero
 * for finished rows) over (n, h) items where h is the projection size. */
__kernel void lstm_proj_grad(BUF dh, BUF dy, BUF out, rnn_bstep_t s) {
    long id = get_global_id(0);
    if (id >= s.n * s.h) return;
    long r = id / s.h, j = id - r * s.h;
    ST(T, out, s.g + id, r < s.active ? step_dh(dy, dh, &s, r, j, id) : (ct)0);
}

#endif

/* out[r, k] = idx[r] in [0, nsrc) ? src[idx[r], k] : fill, over dense rows of `inner`
 * elements: packing, unpacking and padding of sequences (indices come from the host). */
__kernel void rows_gather(BUF out, long out_off, BUF src, long src_off, __global const long *idx, long idx_off,
                          long inner, long nsrc, ct fill, long n) {
    long i = get_global_id(0);
    if (i >= n) return;
    long r = i / inner, k = i - r * inner;
    long v = idx[idx_off + r];
    ST(T, out, out_off + i, (v >= 0 && v < nsrc) ? (ct)LD(T, src, src_off + v * inner + k) : fill);
}
