/* weightinit C API test: every function, the same bits as the Rust API (golden.h is written by the Rust
 * test tests/c_abi.rs from the Rust API), and every bad input class with its status. C99, no heap for the
 * library's sake (the test itself uses static buffers). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "golden.h"
#include "weightinit.h"

static int checks = 0;
static int failures = 0;

#define CHECK(cond)                                                        \
    do {                                                                   \
        checks++;                                                          \
        if (!(cond)) {                                                     \
            failures++;                                                    \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                  \
    } while (0)

#define CHECK_STATUS(call, want) CHECK((call) == (want))

static uint32_t bits32(float x) {
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

static uint64_t bits64(double x) {
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

static uint64_t fnv1a32(const float *x, size_t n) {
    uint64_t h = 0xcbf29ce484222325ull;
    size_t i;
    int b;
    for (i = 0; i < n; i++) {
        uint32_t u = bits32(x[i]);
        for (b = 0; b < 4; b++) {
            h ^= (u >> (8 * b)) & 0xff;
            h *= 0x100000001b3ull;
        }
    }
    return h;
}

static float he[100 * 784];
/* Orthogonal [8, 12]: the 96-value matrix and the Householder product's 552 (V 12 x 8, T 8 x 8, W 8 x 48,
   8 factors); shards add the whole tensor's 96. */
static double ws[648 + 96];

static wi_init_spec spec_zero(void) {
    wi_init_spec s;
    memset(&s, 0, sizeof s);
    s.groups = 1;
    return s;
}

/* LSUV over a 3-layer ReLU network of width 8 on a batch of 32: the caller's network, two callbacks. */
typedef struct {
    double x[32 * 8];
    double w[3][8 * 8];
} lsuv_net;

static double lsuv_variance(void *user, size_t layer) {
    const lsuv_net *n = (const lsuv_net *)user;
    double h[32 * 8], z[32 * 8], sum = 0.0, sq = 0.0;
    size_t l, i, j, k;
    memcpy(h, n->x, sizeof h);
    for (l = 0; l <= layer; l++) {
        for (i = 0; i < 32; i++)
            for (j = 0; j < 8; j++) {
                double a = 0.0;
                for (k = 0; k < 8; k++) a += h[i * 8 + k] * n->w[l][k * 8 + j];
                z[i * 8 + j] = a;
            }
        for (i = 0; i < 32 * 8; i++) h[i] = z[i] > 0.0 ? z[i] : 0.0;
    }
    for (i = 0; i < 32 * 8; i++) {
        sum += z[i];
        sq += z[i] * z[i];
    }
    return sq / 256.0 - (sum / 256.0) * (sum / 256.0);
}

static void lsuv_scale(void *user, size_t layer, double factor) {
    lsuv_net *n = (lsuv_net *)user;
    size_t i;
    for (i = 0; i < 64; i++) n->w[layer][i] *= factor;
}

int main(void) {
    float f[16];
    double d[8];
    size_t i;

    CHECK(strcmp(wi_version(), GOLDEN_VERSION) == 0);
    CHECK(strcmp(wi_status_str(WI_OK), "success") == 0);
    CHECK(wi_status_str((wi_status)999) != NULL);
    for (i = 0; i <= 17; i++) CHECK(wi_status_str((wi_status)i) != NULL);

    /* Streams: the same bits as Rust. */
    CHECK_STATUS(wi_fill_uniform_f32(42, 7, 1000, -1.0f, 1.0f, f, 16), WI_OK);
    for (i = 0; i < 16; i++) CHECK(bits32(f[i]) == GOLDEN_UNIFORM_F32[i]);
    CHECK_STATUS(wi_fill_uniform_f64(42, 7, 1000, -1.0, 1.0, d, 8), WI_OK);
    for (i = 0; i < 8; i++) CHECK(bits64(d[i]) == GOLDEN_UNIFORM_F64[i]);
    CHECK_STATUS(wi_fill_normal_f32(42, 7, 123456789, 0.5f, 2.0f, f, 16), WI_OK);
    for (i = 0; i < 16; i++) CHECK(bits32(f[i]) == GOLDEN_NORMAL_F32[i]);
    CHECK_STATUS(wi_fill_normal_f64(42, 7, 123456789, 0.5, 2.0, d, 8), WI_OK);
    for (i = 0; i < 8; i++) CHECK(bits64(d[i]) == GOLDEN_NORMAL_F64[i]);
    CHECK_STATUS(wi_fill_truncated_normal_f32(1, 2, 0, 0.0f, 0.02f, -0.04f, 0.04f, WI_BOUNDS_ABSOLUTE, f, 16), WI_OK);
    for (i = 0; i < 16; i++) CHECK(bits32(f[i]) == GOLDEN_TRUNC_F32[i]);
    CHECK_STATUS(wi_fill_truncated_normal_f64(1, 2, 0, 0.0, 1.0, 5.0, 6.0, WI_BOUNDS_STD_UNITS, d, 8), WI_OK);
    for (i = 0; i < 8; i++) CHECK(bits64(d[i]) == GOLDEN_TRUNC_TAIL_F64[i] && d[i] >= 5.0 && d[i] <= 6.0);

    /* Fans and gains. */
    {
        size_t shape[4] = {64, 32, 3, 3}, fi = 0, fo = 0;
        float g = 0.0f;
        CHECK_STATUS(wi_fans(shape, 4, WI_LAYOUT_TORCH, &fi, &fo), WI_OK);
        CHECK(fi == 288 && fo == 576);
        CHECK_STATUS(wi_fans_grouped(shape, 4, WI_LAYOUT_TORCH_CONV, 4, &fi, &fo), WI_OK);
        CHECK(fi == 288 && fo == 144);
        CHECK_STATUS(wi_gain(WI_NONLINEARITY_RELU, 0.0f, &g), WI_OK);
        CHECK(bits32(g) == bits32((float)sqrt(2.0)));
        CHECK_STATUS(wi_gain(WI_NONLINEARITY_TANH, 0.0f, &g), WI_OK);
        CHECK(bits32(g) == bits32((float)(5.0 / 3.0)));
        CHECK_STATUS(wi_gain(WI_NONLINEARITY_LEAKY_RELU, 0.2f, &g), WI_OK);
        CHECK(bits32(g) == GOLDEN_GAIN_LEAKY_02);
    }

    /* Initializers with a report, and orthogonal with a caller workspace. */
    {
        size_t shape[2] = {100, 784}, wl = 99;
        wi_init_spec s = spec_zero();
        wi_init_report r;
        s.scheme = WI_SCHEME_HE_NORMAL;
        s.mode = WI_FAN_IN;
        s.nonlinearity = WI_NONLINEARITY_RELU;
        CHECK_STATUS(wi_init_workspace_len(&s, shape, 2, &wl), WI_OK);
        CHECK(wl == 0);
        CHECK_STATUS(wi_init_f32(&s, shape, 2, WI_LAYOUT_TORCH, 2024, 0, he, 100 * 784, NULL, 0, &r), WI_OK);
        CHECK(fnv1a32(he, 100 * 784) == GOLDEN_HE_FNV);
        CHECK(r.has_fans && r.fan_in == 784 && r.fan_out == 100);
        CHECK(strcmp(r.scheme, "he-normal") == 0);
        CHECK(strstr(r.formula, "kaiming_normal_") != NULL);
        CHECK(fabs(r.std - sqrt(2.0 / 784.0)) < 1e-15);
        CHECK_STATUS(wi_explain(&s, shape, 2, WI_LAYOUT_TORCH, &r), WI_OK);
        CHECK(r.fan == 784.0);
    }
    {
        size_t shape[2] = {8, 12}, wl = 0;
        float w[96];
        wi_init_spec s = spec_zero();
        s.scheme = WI_SCHEME_ORTHOGONAL;
        s.gain = 1.0;
        CHECK_STATUS(wi_init_workspace_len(&s, shape, 2, &wl), WI_OK);
        CHECK(wl == 648);
        CHECK_STATUS(wi_init_f32(&s, shape, 2, WI_LAYOUT_TORCH, 5, 1, w, 96, ws, wl, NULL), WI_OK);
        CHECK(fnv1a32(w, 96) == GOLDEN_ORTHO_FNV);
        CHECK_STATUS(wi_init_f32(&s, shape, 2, WI_LAYOUT_TORCH, 5, 1, w, 96, ws, wl - 1, NULL), WI_BUFFER_TOO_SMALL);
        CHECK_STATUS(wi_init_f32(&s, shape, 2, WI_LAYOUT_TORCH, 5, 1, w, 96, NULL, 0, NULL), WI_BUFFER_TOO_SMALL);
    }

    /* Shards: a column block and an orthogonal box equal the same boxes of the whole fill. */
    {
        size_t shape[2] = {8, 12}, start[2] = {2, 5}, len[2] = {4, 6}, wl = 0, r, c;
        float whole[96], part[24];
        wi_init_spec s = spec_zero();
        s.scheme = WI_SCHEME_HE_NORMAL;
        s.mode = WI_FAN_IN;
        s.nonlinearity = WI_NONLINEARITY_RELU;
        CHECK_STATUS(wi_init_f32(&s, shape, 2, WI_LAYOUT_TORCH, 9, 4, whole, 96, NULL, 0, NULL), WI_OK);
        CHECK_STATUS(wi_init_shard_workspace_len(&s, shape, 2, WI_LAYOUT_TORCH, start, len, &wl), WI_OK);
        CHECK(wl == 0);
        CHECK_STATUS(wi_init_shard_f32(&s, shape, 2, WI_LAYOUT_TORCH, 9, 4, start, len, part, 24, NULL, 0, NULL), WI_OK);
        for (r = 0; r < 4; r++)
            for (c = 0; c < 6; c++) CHECK(bits32(part[r * 6 + c]) == bits32(whole[(2 + r) * 12 + 5 + c]));
        s.scheme = WI_SCHEME_ORTHOGONAL;
        s.gain = 1.0;
        CHECK_STATUS(wi_init_workspace_len(&s, shape, 2, &wl), WI_OK);
        CHECK_STATUS(wi_init_f32(&s, shape, 2, WI_LAYOUT_TORCH, 5, 1, whole, 96, ws, wl, NULL), WI_OK);
        CHECK_STATUS(wi_init_shard_workspace_len(&s, shape, 2, WI_LAYOUT_TORCH, start, len, &wl), WI_OK);
        CHECK(wl == 648 + 96);
        CHECK_STATUS(wi_init_shard_f32(&s, shape, 2, WI_LAYOUT_TORCH, 5, 1, start, len, part, 24, ws, wl, NULL), WI_OK);
        for (r = 0; r < 4; r++)
            for (c = 0; c < 6; c++) CHECK(bits32(part[r * 6 + c]) == bits32(whole[(2 + r) * 12 + 5 + c]));
        /* The three box errors are distinct statuses. */
        start[1] = 7;
        CHECK_STATUS(wi_init_shard_f32(&s, shape, 2, WI_LAYOUT_TORCH, 5, 1, start, len, part, 24, ws, wl, NULL),
                     WI_SHARD_OUT_OF_BOUNDS);
        start[1] = 5;
        len[0] = 0;
        CHECK_STATUS(wi_init_shard_f32(&s, shape, 2, WI_LAYOUT_TORCH, 5, 1, start, len, part, 24, ws, wl, NULL),
                     WI_EMPTY_SHARD);
        len[0] = 4;
        CHECK_STATUS(wi_init_shard_f32(&s, shape, 2, WI_LAYOUT_TORCH, 5, 1, start, len, part, 23, ws, wl, NULL),
                     WI_BUFFER_TOO_SMALL);
        CHECK_STATUS(wi_init_shard_f32(&s, shape, 2, WI_LAYOUT_TORCH, 5, 1, NULL, len, part, 24, ws, wl, NULL),
                     WI_NULL_POINTER);
    }

    /* gemm and the elementwise kernels. */
    {
        float a[5 * 7], b[3 * 7], c[5 * 3], y[15], g[15];
        float bias[3] = {0.5f, -0.25f, 1.0f};
        float loss = 0.0f;
        unsigned char labels[5] = {0, 1, 2, 0, 1};
        for (i = 0; i < 35; i++) a[i] = (float)(i % 7) * 0.25f - 0.5f;
        for (i = 0; i < 21; i++) b[i] = (float)(i % 5) * 0.5f - 1.0f;
        for (i = 0; i < 15; i++) c[i] = 1.0f;
        /* C = 2 A B^T - C, A 5x7, B stored 3x7. */
        CHECK_STATUS(wi_gemm_f32(false, true, 5, 3, 7, 2.0f, a, 7, b, 7, -1.0f, c, 3), WI_OK);
        for (i = 0; i < 15; i++) CHECK(bits32(c[i]) == GOLDEN_GEMM_F32[i]);
        CHECK_STATUS(wi_relu_f32(c, y, 15), WI_OK);
        for (i = 0; i < 15; i++) CHECK(y[i] == (c[i] > 0.0f ? c[i] : 0.0f));
        CHECK_STATUS(wi_relu_backward_f32(c, a, g, 15), WI_OK);
        for (i = 0; i < 15; i++) CHECK(g[i] == (c[i] > 0.0f ? a[i] : 0.0f));
        CHECK_STATUS(wi_leaky_relu_f32(c, y, 15, 0.1f), WI_OK);
        CHECK_STATUS(wi_leaky_relu_backward_f32(c, a, g, 15, 0.1f), WI_OK);
        CHECK_STATUS(wi_bias_add_f32(y, 5, 3, bias), WI_OK);
        CHECK_STATUS(wi_col_sums_f32(y, 5, 3, f), WI_OK);
        CHECK_STATUS(wi_softmax_cross_entropy_f32(c, 5, 3, labels, g, &loss), WI_OK);
        CHECK(bits32(loss) == GOLDEN_XENT_LOSS);
        CHECK_STATUS(wi_sgd_momentum_f32(y, g, f, 15, 0.1f, 0.9f), WI_OK);
        CHECK_STATUS(wi_relu_f32(c, c, 15), WI_OK); /* in place is allowed */

        /* Bad input, each with its status. */
        CHECK_STATUS(wi_gemm_f32(false, false, 5, 3, 7, 1.0f, NULL, 7, b, 3, 0.0f, c, 3), WI_NULL_POINTER);
        CHECK_STATUS(wi_gemm_f32(false, false, 5, 3, 7, 1.0f, a, 6, b, 3, 0.0f, c, 3), WI_INVALID_SHAPE);
        CHECK_STATUS(wi_gemm_f32(false, false, 3, 3, 3, 1.0f, a, 3, b, 3, 0.0f, a, 3), WI_ALIASING);
        CHECK_STATUS(wi_gemm_f32(false, false, (size_t)-1, 2, 2, 1.0f, a, 2, b, 2, 0.0f, c, 2), WI_SIZE_OVERFLOW);
        CHECK_STATUS(wi_gemm_f32(false, false, 0, 0, 0, 1.0f, NULL, 0, NULL, 0, 0.0f, NULL, 0), WI_OK);
        CHECK_STATUS(wi_relu_f32(NULL, y, 15), WI_NULL_POINTER);
        CHECK_STATUS(wi_relu_f32(c, c + 1, 14), WI_ALIASING);
        CHECK_STATUS(wi_relu_backward_f32(c, a, NULL, 15), WI_NULL_POINTER);
        CHECK_STATUS(wi_softmax_cross_entropy_f32(c, 5, 3, labels, g, NULL), WI_NULL_POINTER);
        labels[2] = 3;
        CHECK_STATUS(wi_softmax_cross_entropy_f32(c, 5, 3, labels, g, &loss), WI_INVALID_PARAMETER);
        CHECK_STATUS(wi_bias_add_f32(y, (size_t)-1, 3, bias), WI_SIZE_OVERFLOW);
    }
    {
        size_t zero[2] = {3, 0}, big[2] = {(size_t)-1, 4}, one[1] = {12}, fi, fo;
        float w[12], g;
        wi_init_spec s = spec_zero();
        s.scheme = WI_SCHEME_NORMAL;
        s.std = 1.0;
        CHECK_STATUS(wi_fill_normal_f32(1, 1, 0, 0.0f, 1.0f, NULL, 4), WI_NULL_POINTER);
        CHECK_STATUS(wi_fill_normal_f32(1, 1, 0, 0.0f, 1.0f, NULL, 0), WI_OK);
        CHECK_STATUS(wi_fill_normal_f32(1, 1, 0, 0.0f, (float)NAN, f, 4), WI_INVALID_PARAMETER);
        CHECK_STATUS(wi_fill_normal_f32(1, 1, 0, 0.0f, -1.0f, f, 4), WI_INVALID_PARAMETER);
        CHECK_STATUS(wi_fill_normal_f64(1, 1, UINT64_MAX - 2, 0.0, 1.0, d, 4), WI_OFFSET_OVERFLOW);
        CHECK_STATUS(wi_fill_uniform_f32(1, 1, 0, 1.0f, 1.0f, f, 4), WI_EMPTY_RANGE);
        CHECK_STATUS(wi_fill_truncated_normal_f32(1, 1, 0, 0.0f, 1.0f, 1.0f, -1.0f, WI_BOUNDS_ABSOLUTE, f, 4), WI_EMPTY_RANGE);
        CHECK_STATUS(wi_fill_truncated_normal_f32(1, 1, 0, 0.0f, 1.0f, -1.0f, 1.0f, (wi_bounds)7, f, 4), WI_INVALID_ENUM);
        CHECK_STATUS(wi_fans(zero, 2, WI_LAYOUT_TORCH, &fi, &fo), WI_ZERO_DIMENSION);
        CHECK_STATUS(wi_fans(big, 2, WI_LAYOUT_TORCH, &fi, &fo), WI_SIZE_OVERFLOW);
        CHECK_STATUS(wi_fans(one, 1, WI_LAYOUT_TORCH, &fi, &fo), WI_RANK_TOO_SMALL);
        CHECK_STATUS(wi_fans(one, 1, (wi_layout)99, &fi, &fo), WI_INVALID_ENUM);
        CHECK_STATUS(wi_fans(NULL, 2, WI_LAYOUT_TORCH, &fi, &fo), WI_NULL_POINTER);
        CHECK_STATUS(wi_fans(zero, 2, WI_LAYOUT_TORCH, NULL, &fo), WI_NULL_POINTER);
        CHECK_STATUS(wi_gain(WI_NONLINEARITY_LEAKY_RELU, (float)NAN, &g), WI_INVALID_PARAMETER);
        CHECK_STATUS(wi_gain(WI_NONLINEARITY_RELU, 0.0f, NULL), WI_NULL_POINTER);
        CHECK_STATUS(wi_gain((wi_nonlinearity)42, 0.0f, &g), WI_INVALID_ENUM);
        CHECK_STATUS(wi_init_f32(&s, zero, 2, WI_LAYOUT_TORCH, 1, 1, w, 12, NULL, 0, NULL), WI_ZERO_DIMENSION);
        CHECK_STATUS(wi_init_f32(&s, big, 2, WI_LAYOUT_TORCH, 1, 1, w, 12, NULL, 0, NULL), WI_SIZE_OVERFLOW);
        CHECK_STATUS(wi_init_f32(&s, one, 1, WI_LAYOUT_KERAS, 1, 1, w, 11, NULL, 0, NULL), WI_LENGTH_MISMATCH);
        CHECK_STATUS(wi_init_f32(NULL, one, 1, WI_LAYOUT_KERAS, 1, 1, w, 12, NULL, 0, NULL), WI_NULL_POINTER);
        s.std = NAN;
        CHECK_STATUS(wi_init_f32(&s, one, 1, WI_LAYOUT_KERAS, 1, 1, w, 12, NULL, 0, NULL), WI_INVALID_PARAMETER);
        s.scheme = (wi_scheme)77;
        CHECK_STATUS(wi_init_f32(&s, one, 1, WI_LAYOUT_KERAS, 1, 1, w, 12, NULL, 0, NULL), WI_INVALID_ENUM);
        s.scheme = WI_SCHEME_SPARSE;
        s.sparsity = 1.5;
        s.std = 0.01;
        CHECK_STATUS(wi_init_f32(&s, zero, 2, WI_LAYOUT_TORCH, 1, 1, w, 12, NULL, 0, NULL), WI_ZERO_DIMENSION);
    }

    {
        static lsuv_net net;
        wi_lsuv_layer rep[3];
        size_t l;
        CHECK_STATUS(wi_fill_normal_f64(7, 1, 0, 0.0, 1.0, net.x, 32 * 8), WI_OK);
        CHECK_STATUS(wi_fill_normal_f64(7, 2, 0, 0.0, 3.0, &net.w[0][0], 3 * 64), WI_OK);
        CHECK_STATUS(wi_lsuv(3, 0.05, 10, lsuv_variance, lsuv_scale, &net, rep, 3), WI_OK);
        for (l = 0; l < 3; l++) {
            CHECK(rep[l].converged == 1);
            CHECK(fabs(lsuv_variance(&net, l) - 1.0) < 0.05);
        }
        CHECK_STATUS(wi_lsuv(3, 0.05, 10, NULL, lsuv_scale, &net, rep, 3), WI_NULL_POINTER);
        CHECK_STATUS(wi_lsuv(3, 0.05, 10, lsuv_variance, lsuv_scale, &net, rep, 2), WI_BUFFER_TOO_SMALL);
        CHECK_STATUS(wi_lsuv(3, 2.0, 10, lsuv_variance, lsuv_scale, &net, rep, 3), WI_INVALID_PARAMETER);
    }

    {
        /* Framework initializers by name: Keras's he_normal on a Keras conv kernel, JAX's variance_scaling. */
        static float kw[3 * 3 * 8 * 16];
        const size_t kshape[4] = {3, 3, 8, 16};
        wi_framework_args args;
        wi_init_report rep;
        size_t n = 0;
        CHECK_STATUS(wi_framework_args_default(&args), WI_OK);
        CHECK_STATUS(wi_init_named_f32("keras:he_normal", NULL, kshape, 4, 1, 2, kw, 3 * 3 * 8 * 16, NULL, 0, &rep), WI_OK);
        CHECK(rep.fan_in == 72 && fabs(rep.bound - 2.0 * sqrt(2.0 / 72.0) / 0.87962566103423978) < 1e-12);
        args.scale = 2.0;
        args.mode = "fan_avg";
        args.distribution = "normal";
        args.in_axis = 0;
        CHECK_STATUS(wi_init_named_f32("jax:variance_scaling", &args, kshape, 4, 1, 2, kw, 3 * 3 * 8 * 16, NULL, 0, &rep), WI_OK);
        CHECK(rep.fan_in == 3 * 3 * 8 && rep.fan_out == 16 * 3 * 8);
        CHECK_STATUS(wi_init_named_workspace_len("jax:orthogonal", NULL, kshape, 4, &n), WI_OK);
        CHECK(n > 0);
        CHECK_STATUS(wi_init_named_f32("keras:he-normal", NULL, kshape, 4, 1, 2, kw, 3 * 3 * 8 * 16, NULL, 0, NULL), WI_UNKNOWN_NAME);
        args.gain = 2.0;
        CHECK_STATUS(wi_init_named_f32("jax:variance_scaling", &args, kshape, 4, 1, 2, kw, 3 * 3 * 8 * 16, NULL, 0, NULL), WI_INVALID_PARAMETER);
    }

    printf("c api: %d checks, %d failed\n", checks, failures);
    return failures == 0 ? 0 : 1;
}
