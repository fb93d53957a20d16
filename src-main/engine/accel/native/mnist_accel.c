/*
 * MNIST Studio native kernels: matrix products and training-step kernels for the tfjs
 * WebAssembly backend, computed by the machine's OpenBLAS directly on the WebAssembly heap
 * (no copies).
 *
 * Every kernel is called as kernel(heap, arguments[, typed arrays]): the heap's ArrayBuffer,
 * then a Float64Array holding the kernel's named arguments in the order of its *_args struct
 * below (the TypeScript side, addon.ts, writes them from one object per call by the same
 * field lists). Tensors are byte offsets into the heap (the backend's own allocations, -1 for
 * an absent optional one), so results land where tfjs expects them. Each entry point decodes
 * its arguments into its struct once (decode_arguments), checks every range against the heap
 * before touching memory, then calls the maths, which knows nothing about Node-API.
 *
 * Built with Node-API only, so one binary loads in Node 20 and in Electron's Node 22.
 */
#include <cblas.h>
#include <math.h>
#include <node_api.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conv.h"
#include "sparse_rows.h"

/* Bumped whenever an argument layout or an entry point changes; addon.ts checks it. */
#define INTERFACE_VERSION 2

/* The activation codes; addon.ts maps the names (linear, relu, relu6) to them. */
#define ACTIVATION_LINEAR 0
#define ACTIVATION_RELU 1
#define ACTIVATION_RELU6 2

#define LENGTH_OF(array) (sizeof(array) / sizeof((array)[0]))

/* ---------------------------------------------------------------- arguments */

/* napi_throw_error, napi_throw_type_error or napi_throw_range_error. */
typedef napi_status(NAPI_CDECL* napi_thrower)(napi_env env, const char* code, const char* message);

/* Throws "mnist_accel.<name>: <problem>" with `thrower`; returns 0 for `return fail(...)` in checks. */
static int fail(napi_env env, napi_thrower thrower, const char* name, const char* problem) {
  char message[160];
  snprintf(message, sizeof message, "mnist_accel.%s: %s", name, problem);
  thrower(env, NULL, message);
  return 0;
}

/* One field of an argument struct: an integer (int64_t, checked to be whole) or a real (double). */
typedef struct {
  int integer;
  size_t offset;
} field;

#define INTEGER(type, member) {1, offsetof(type, member)}
#define REAL(type, member) {0, offsetof(type, member)}

/*
 * The start of every kernel: argv[0] the heap's ArrayBuffer, argv[1] a Float64Array of exactly
 * `count` values decoded into the struct at `out` by `fields`, then `extra` further arguments
 * into extra_argv. False (with an exception thrown) when any of it does not fit.
 */
static int decode_arguments(napi_env env, napi_callback_info info, const char* name, const field* fields,
                            size_t count, void* out, char** heap, size_t* heap_bytes, size_t extra,
                            napi_value* extra_argv) {
  napi_value argv[8];
  size_t argc = LENGTH_OF(argv);
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 2 + extra) {
    return fail(env, napi_throw_type_error, name, "expects the heap, the arguments and its typed arrays");
  }
  void* heap_data = NULL;
  if (napi_get_arraybuffer_info(env, argv[0], &heap_data, heap_bytes) != napi_ok) {
    return fail(env, napi_throw_type_error, name, "the heap must be an ArrayBuffer");
  }
  napi_typedarray_type type;
  size_t length = 0;
  void* values = NULL;
  if (napi_get_typedarray_info(env, argv[1], &type, &length, &values, NULL, NULL) != napi_ok ||
      type != napi_float64_array || length != count) {
    return fail(env, napi_throw_type_error, name, "the arguments must be a Float64Array of this kernel's fields");
  }
  const double* given = (const double*)values;
  for (size_t i = 0; i < count; i++) {
    char* target = (char*)out + fields[i].offset;
    if (!fields[i].integer) {
      *(double*)target = given[i];
    } else if (given[i] == floor(given[i]) && fabs(given[i]) <= 9007199254740992.0) {
      *(int64_t*)target = (int64_t)given[i];
    } else {
      return fail(env, napi_throw_type_error, name, "an integer argument is not a whole number");
    }
  }
  for (size_t i = 0; i < extra; i++) extra_argv[i] = argv[2 + i];
  *heap = (char*)heap_data;
  return 1;
}

/* A tensor on the heap: `count` floats from byte `offset` (offset < 0 for an absent optional one). */
typedef struct {
  int64_t offset;
  int64_t count;
} tensor_range;

/* True when every present tensor lies inside the heap, 4-byte aligned; else throws. */
static int tensors_inside(napi_env env, const char* name, size_t heap_bytes, const tensor_range* tensors,
                          size_t count, int optional) {
  for (size_t i = 0; i < count; i++) {
    const int64_t offset = tensors[i].offset, floats = tensors[i].count;
    if (optional && offset < 0) continue;
    if (offset < 0 || floats < 0 || (offset & 3) != 0 || (uint64_t)offset + (uint64_t)floats * 4u > heap_bytes) {
      return fail(env, napi_throw_range_error, name, "a tensor lies outside the heap");
    }
  }
  return 1;
}

static int dimensions_valid(int64_t m, int64_t n, int64_t k) {
  return m >= 1 && n >= 1 && k >= 0 && m <= INT32_MAX && n <= INT32_MAX && k <= INT32_MAX;
}

#define FLOATS(base, offset) ((float*)((base) + (offset)))

/* ---------------------------------------------------------------- matrix products */

/*
 * The zero-skipping products (sparse_rows.h) for a left operand x [m, k] with at most 30%
 * nonzeros and n >= 256 output columns (multiple of 16), on CPUs with AVX-512, when the caller
 * allows them (its `sparse` argument); else sgemm.
 */
#define SPARSE_MAX_DENSITY 0.3
static int32_t* sparse_rows_scratch = NULL;
static float* sparse_values_scratch = NULL;
static int32_t* sparse_starts_scratch = NULL;
static size_t sparse_scratch_entries = 0;
static size_t sparse_scratch_starts = 0;

static int use_sparse_products(int allowed, int64_t m, int64_t k, int64_t n, const float* x) {
#if SPARSE_PRODUCTS
  static int available = -1;
  if (available < 0) available = sparse_products_available() ? 1 : 0;
  if (!allowed || !available || k < 1 || n < 256 || n % 16 != 0 || m * k > INT32_MAX) return 0;
  if (sparse_density(x, m * k) > SPARSE_MAX_DENSITY) return 0;
  if ((size_t)(m * k) > sparse_scratch_entries) {
    int32_t* rows = (int32_t*)realloc(sparse_rows_scratch, (size_t)(m * k) * sizeof(int32_t));
    if (rows == NULL) return 0;
    sparse_rows_scratch = rows;
    float* values = (float*)realloc(sparse_values_scratch, (size_t)(m * k) * sizeof(float));
    if (values == NULL) return 0;
    sparse_values_scratch = values;
    sparse_scratch_entries = (size_t)(m * k);
  }
  if ((size_t)(k + 1) > sparse_scratch_starts) {
    int32_t* starts = (int32_t*)realloc(sparse_starts_scratch, (size_t)(k + 1) * sizeof(int32_t));
    if (starts == NULL) return 0;
    sparse_starts_scratch = starts;
    sparse_scratch_starts = (size_t)(k + 1);
  }
  return 1;
#else
  (void)allowed;
  (void)m;
  (void)k;
  (void)n;
  (void)x;
  return 0;
#endif
}

/* out [m, n] += bias (n values per column, or 1 for all; none when NULL), then the activation. */
static void add_bias_and_activate(float* out, int64_t m, int64_t n, const float* bias, int64_t bias_size,
                                  int64_t activation) {
  for (int64_t row = 0; row < m; row++) {
    float* target = out + row * n;
    if (bias != NULL) {
      for (int64_t col = 0; col < n; col++) target[col] += bias[bias_size == n ? col : 0];
    }
    if (activation == ACTIVATION_RELU) {
      for (int64_t col = 0; col < n; col++) target[col] = target[col] > 0.0f ? target[col] : 0.0f;
    } else if (activation == ACTIVATION_RELU6) {
      for (int64_t col = 0; col < n; col++) {
        const float v = target[col] > 0.0f ? target[col] : 0.0f;
        target[col] = v < 6.0f ? v : 6.0f;
      }
    }
  }
}

/*
 * batchMatMul: out[i] = activation(op(a[i]) x op(b[i]) + bias) for i < batch, row-major, where
 * op() transposes when asked. a[i] starts at a + 4 * i * a_stride bytes (a stride of 0
 * broadcasts one matrix over the batch), likewise b; out is dense [batch, m, n]. bias < 0 means
 * none; bias_size is n (per column) or 1 (scalar). sparse: the zero-skipping product may run.
 */
typedef struct {
  int64_t batch, m, n, k, transpose_a, transpose_b;
  int64_t a, a_stride, b, b_stride, out, bias, bias_size, activation, sparse;
} mat_mul_args;

static const field mat_mul_fields[] = {
    INTEGER(mat_mul_args, batch),     INTEGER(mat_mul_args, m),          INTEGER(mat_mul_args, n),
    INTEGER(mat_mul_args, k),         INTEGER(mat_mul_args, transpose_a), INTEGER(mat_mul_args, transpose_b),
    INTEGER(mat_mul_args, a),         INTEGER(mat_mul_args, a_stride),    INTEGER(mat_mul_args, b),
    INTEGER(mat_mul_args, b_stride),  INTEGER(mat_mul_args, out),         INTEGER(mat_mul_args, bias),
    INTEGER(mat_mul_args, bias_size), INTEGER(mat_mul_args, activation),  INTEGER(mat_mul_args, sparse),
};

static void mat_mul(char* base, const mat_mul_args* args) {
  const int64_t m = args->m, n = args->n, k = args->k;
  const float* bias = args->bias >= 0 ? FLOATS(base, args->bias) : NULL;
  for (int64_t i = 0; i < args->batch; i++) {
    const float* a = FLOATS(base, args->a) + i * args->a_stride;
    const float* b = FLOATS(base, args->b) + i * args->b_stride;
    float* out = FLOATS(base, args->out) + i * m * n;
    const int plain = !args->transpose_a && !args->transpose_b;
    if (plain && use_sparse_products((int)args->sparse, m, k, n, a)) {
#if SPARSE_PRODUCTS
      sparse_times_dense(m, k, n, a, b, out, sparse_rows_scratch, sparse_values_scratch, sparse_starts_scratch);
#endif
    } else if (k == 0) {
      memset(out, 0, (size_t)(m * n) * sizeof(float));
    } else {
      cblas_sgemm(CblasRowMajor, args->transpose_a ? CblasTrans : CblasNoTrans,
                  args->transpose_b ? CblasTrans : CblasNoTrans, (int)m, (int)n, (int)k, 1.0f, a,
                  args->transpose_a ? (int)m : (int)k, b, args->transpose_b ? (int)k : (int)n, 0.0f, out, (int)n);
    }
    add_bias_and_activate(out, m, n, bias, args->bias_size, args->activation);
  }
}

static napi_value batch_mat_mul(napi_env env, napi_callback_info info) {
  const char* name = "batchMatMul";
  mat_mul_args args;
  char* base;
  size_t heap_bytes;
  if (!decode_arguments(env, info, name, mat_mul_fields, LENGTH_OF(mat_mul_fields), &args, &base, &heap_bytes, 0,
                        NULL)) {
    return NULL;
  }
  if (args.batch < 1 || !dimensions_valid(args.m, args.n, args.k) || args.a_stride < 0 || args.b_stride < 0 ||
      args.activation < ACTIVATION_LINEAR || args.activation > ACTIVATION_RELU6) {
    fail(env, napi_throw_range_error, name, "invalid dimensions");
    return NULL;
  }
  if (args.bias >= 0 && args.bias_size != args.n && args.bias_size != 1) {
    fail(env, napi_throw_range_error, name, "bias must have n or 1 values");
    return NULL;
  }
  const tensor_range ranges[] = {
      {args.a, (args.batch - 1) * args.a_stride + args.m * args.k},
      {args.b, (args.batch - 1) * args.b_stride + args.k * args.n},
      {args.out, args.batch * args.m * args.n},
  };
  const tensor_range bias[] = {{args.bias, args.bias_size}};
  if (!tensors_inside(env, name, heap_bytes, ranges, LENGTH_OF(ranges), 0) ||
      !tensors_inside(env, name, heap_bytes, bias, 1, 1)) {
    return NULL;
  }
  mat_mul(base, &args);
  return NULL;
}

/* ---------------------------------------------------------------- RMSprop */

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define VECTOR_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define VECTOR_CLONES
#endif

/*
 * rmspropStep: one RMSprop step (tfjs' RMSPropOptimizer, not centered), in float32 with the
 * same operation order as the optimizer's op sequence, so results match it bit for bit (built
 * with -ffp-contract=off: no fused multiply-add). new_* are either the inputs themselves (an
 * update in place) or must not overlap any input.
 */
typedef struct {
  int64_t count, value, mean_square, moment, gradient, new_value, new_mean_square, new_moment;
  double learning_rate, decay, one_minus_decay, momentum, epsilon;
} rmsprop_args;

static const field rmsprop_fields[] = {
    INTEGER(rmsprop_args, count),       INTEGER(rmsprop_args, value),       INTEGER(rmsprop_args, mean_square),
    INTEGER(rmsprop_args, moment),      INTEGER(rmsprop_args, gradient),    INTEGER(rmsprop_args, new_value),
    INTEGER(rmsprop_args, new_mean_square), INTEGER(rmsprop_args, new_moment), REAL(rmsprop_args, learning_rate),
    REAL(rmsprop_args, decay),          REAL(rmsprop_args, one_minus_decay), REAL(rmsprop_args, momentum),
    REAL(rmsprop_args, epsilon),
};

VECTOR_CLONES
static void rmsprop_loop(size_t count, const float* restrict value, const float* restrict mean_square,
                         const float* restrict moment, const float* restrict gradient, float* restrict new_value,
                         float* restrict new_mean_square, float* restrict new_moment, float learning_rate,
                         float decay, float one_minus_decay, float momentum, float epsilon) {
  for (size_t i = 0; i < count; i++) {
    const float g = gradient[i];
    const float ms = mean_square[i] * decay + (g * g) * one_minus_decay;
    const float step = moment[i] * momentum + (g * learning_rate) / sqrtf(ms + epsilon);
    new_mean_square[i] = ms;
    new_moment[i] = step;
    new_value[i] = value[i] - step;
  }
}

/* The same update written over the inputs (value, mean square and moment updated in place). */
VECTOR_CLONES
static void rmsprop_loop_in_place(size_t count, float* restrict value, float* restrict mean_square,
                                  float* restrict moment, const float* restrict gradient, float learning_rate,
                                  float decay, float one_minus_decay, float momentum, float epsilon) {
  for (size_t i = 0; i < count; i++) {
    const float g = gradient[i];
    const float ms = mean_square[i] * decay + (g * g) * one_minus_decay;
    const float step = moment[i] * momentum + (g * learning_rate) / sqrtf(ms + epsilon);
    mean_square[i] = ms;
    moment[i] = step;
    value[i] = value[i] - step;
  }
}

static int rmsprop_in_place(const rmsprop_args* args) {
  return args->new_value == args->value && args->new_mean_square == args->mean_square &&
         args->new_moment == args->moment;
}

static void rmsprop(char* base, const rmsprop_args* args) {
  const float lr = (float)args->learning_rate, decay = (float)args->decay;
  const float one_minus_decay = (float)args->one_minus_decay, momentum = (float)args->momentum;
  const float epsilon = (float)args->epsilon;
  if (rmsprop_in_place(args)) {
    rmsprop_loop_in_place((size_t)args->count, FLOATS(base, args->value), FLOATS(base, args->mean_square),
                          FLOATS(base, args->moment), FLOATS(base, args->gradient), lr, decay, one_minus_decay,
                          momentum, epsilon);
  } else {
    rmsprop_loop((size_t)args->count, FLOATS(base, args->value), FLOATS(base, args->mean_square),
                 FLOATS(base, args->moment), FLOATS(base, args->gradient), FLOATS(base, args->new_value),
                 FLOATS(base, args->new_mean_square), FLOATS(base, args->new_moment), lr, decay, one_minus_decay,
                 momentum, epsilon);
  }
}

static napi_value rmsprop_step(napi_env env, napi_callback_info info) {
  const char* name = "rmspropStep";
  rmsprop_args args;
  char* base;
  size_t heap_bytes;
  if (!decode_arguments(env, info, name, rmsprop_fields, LENGTH_OF(rmsprop_fields), &args, &base, &heap_bytes, 0,
                        NULL)) {
    return NULL;
  }
  if (args.count < 0) {
    fail(env, napi_throw_range_error, name, "bad count");
    return NULL;
  }
  const int64_t offsets[] = {args.value,     args.mean_square,     args.moment,    args.gradient,
                             args.new_value, args.new_mean_square, args.new_moment};
  tensor_range ranges[LENGTH_OF(offsets)];
  for (size_t i = 0; i < LENGTH_OF(offsets); i++) ranges[i] = (tensor_range){offsets[i], args.count};
  if (!tensors_inside(env, name, heap_bytes, ranges, LENGTH_OF(ranges), 0)) return NULL;
  if (!rmsprop_in_place(&args)) {
    for (size_t i = 0; i < LENGTH_OF(offsets); i++) {
      for (size_t j = i + 1; j < LENGTH_OF(offsets); j++) {
        const int64_t gap = offsets[i] > offsets[j] ? offsets[i] - offsets[j] : offsets[j] - offsets[i];
        if ((i >= 4 || j >= 4) && gap < args.count * 4) {
          fail(env, napi_throw_range_error, name, "outputs overlap other tensors");
          return NULL;
        }
      }
    }
  }
  rmsprop(base, &args);
  return NULL;
}

/* ---------------------------------------------------------------- Dense backward pass */

/* d = dy * step(y) as tfjs' relu gradient: 1 where y > 0, 0 elsewhere, NaN where y is NaN. */
VECTOR_CLONES
static void relu_gradient(size_t count, const float* restrict dy, const float* restrict y, float* restrict d) {
  for (size_t i = 0; i < count; i++) {
    const float step = y[i] > 0.0f ? 1.0f : 0.0f;
    d[i] = y[i] == y[i] ? dy[i] * step : dy[i] * y[i];
  }
}

/* Scratch for the activation's gradient (m x n floats), grown as needed; JS is single-threaded. */
static float* scratch = NULL;
static size_t scratch_floats = 0;

static float* scratch_of(size_t floats) {
  if (floats > scratch_floats) {
    float* grown = (float*)realloc(scratch, floats * sizeof(float));
    if (grown == NULL) return NULL;
    scratch = grown;
    scratch_floats = floats;
  }
  return scratch;
}

/*
 * denseGrad: the backward pass of y = activation(x.W + b) for x [m, k], W [k, n], y and dy [m, n]:
 *   d = dy * activation'(y)   (relu: y > 0, as tfjs' step(y); linear: d = dy)
 *   dW = x^T.d  [k, n];  db = column sums of d [n] (db < 0: none);  dx = d.W^T [m, k] (dx < 0: none)
 * The same products tfjs' gradient asks of BatchMatMul, the sums in row order as its Sum kernel.
 */
typedef struct {
  int64_t m, k, n, x, w, y, dy, dw, db, dx, activation, sparse;
} dense_grad_args;

static const field dense_grad_fields[] = {
    INTEGER(dense_grad_args, m),  INTEGER(dense_grad_args, k),  INTEGER(dense_grad_args, n),
    INTEGER(dense_grad_args, x),  INTEGER(dense_grad_args, w),  INTEGER(dense_grad_args, y),
    INTEGER(dense_grad_args, dy), INTEGER(dense_grad_args, dw), INTEGER(dense_grad_args, db),
    INTEGER(dense_grad_args, dx), INTEGER(dense_grad_args, activation), INTEGER(dense_grad_args, sparse),
};

/* False when the scratch for relu's gradient cannot be allocated. */
static int dense_grad_math(char* base, const dense_grad_args* args) {
  const int64_t m = args->m, k = args->k, n = args->n;
  const float* x = FLOATS(base, args->x);
  const float* w = FLOATS(base, args->w);
  const float* d = FLOATS(base, args->dy);
  if (args->activation == ACTIVATION_RELU) {
    float* masked = scratch_of((size_t)(m * n));
    if (masked == NULL) return 0;
    relu_gradient((size_t)(m * n), d, FLOATS(base, args->y), masked);
    d = masked;
  }
  float* dw = FLOATS(base, args->dw);
  if (use_sparse_products((int)args->sparse, m, k, n, x)) {
#if SPARSE_PRODUCTS
    sparse_transposed_times_dense(m, k, n, x, d, dw, sparse_rows_scratch, sparse_values_scratch,
                                  sparse_starts_scratch);
#endif
  } else {
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)k, (int)n, (int)m, 1.0f, x, (int)k, d, (int)n, 0.0f,
                dw, (int)n);
  }
  if (args->db >= 0) {
    float* db = FLOATS(base, args->db);
    for (int64_t col = 0; col < n; col++) db[col] = 0.0f;
    for (int64_t row = 0; row < m; row++)
      for (int64_t col = 0; col < n; col++) db[col] += d[row * n + col];
  }
  if (args->dx >= 0) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)m, (int)k, (int)n, 1.0f, d, (int)n, w, (int)n, 0.0f,
                FLOATS(base, args->dx), (int)k);
  }
  return 1;
}

static napi_value dense_grad(napi_env env, napi_callback_info info) {
  const char* name = "denseGrad";
  dense_grad_args args;
  char* base;
  size_t heap_bytes;
  if (!decode_arguments(env, info, name, dense_grad_fields, LENGTH_OF(dense_grad_fields), &args, &base, &heap_bytes,
                        0, NULL)) {
    return NULL;
  }
  const int64_t m = args.m, k = args.k, n = args.n;
  if (!dimensions_valid(m, n, k) || k < 1 ||
      (args.activation != ACTIVATION_LINEAR && args.activation != ACTIVATION_RELU)) {
    fail(env, napi_throw_range_error, name, "invalid dimensions");
    return NULL;
  }
  const tensor_range ranges[] = {{args.x, m * k}, {args.w, k * n}, {args.y, m * n}, {args.dy, m * n}, {args.dw, k * n}};
  const tensor_range optional[] = {{args.db, n}, {args.dx, m * k}};
  if (!tensors_inside(env, name, heap_bytes, ranges, LENGTH_OF(ranges), 0) ||
      !tensors_inside(env, name, heap_bytes, optional, LENGTH_OF(optional), 1)) {
    return NULL;
  }
  if (!dense_grad_math(base, &args)) fail(env, napi_throw_error, name, "out of memory");
  return NULL;
}

/* ---------------------------------------------------------------- softmax + cross-entropy */

/*
 * softmaxCrossEntropy: Keras' categorical cross-entropy of a softmax output, computed from the
 * logits z as Keras does: p = softmax(z) per row; loss = mean over rows of sum_c y_c (logsumexp(z) - z_c).
 */
typedef struct {
  int64_t rows, classes, logits, labels, probabilities, loss;
} softmax_cross_entropy_args;

static const field softmax_cross_entropy_fields[] = {
    INTEGER(softmax_cross_entropy_args, rows),   INTEGER(softmax_cross_entropy_args, classes),
    INTEGER(softmax_cross_entropy_args, logits), INTEGER(softmax_cross_entropy_args, labels),
    INTEGER(softmax_cross_entropy_args, probabilities), INTEGER(softmax_cross_entropy_args, loss),
};

static void softmax_cross_entropy_math(char* base, const softmax_cross_entropy_args* args) {
  const int64_t rows = args->rows, classes = args->classes;
  const float* z = FLOATS(base, args->logits);
  const float* y = FLOATS(base, args->labels);
  float* p = FLOATS(base, args->probabilities);
  double total = 0.0;
  for (int64_t r = 0; r < rows; r++) {
    const float* zr = z + r * classes;
    const float* yr = y + r * classes;
    float* pr = p + r * classes;
    float top = zr[0];
    for (int64_t c = 1; c < classes; c++) top = zr[c] > top ? zr[c] : top;
    double sum = 0.0;
    for (int64_t c = 0; c < classes; c++) {
      pr[c] = expf(zr[c] - top);
      sum += pr[c];
    }
    const float inverse = (float)(1.0 / sum);
    const double log_sum = log(sum) + top;
    double row_loss = 0.0;
    for (int64_t c = 0; c < classes; c++) {
      pr[c] *= inverse;
      if (yr[c] != 0.0f) row_loss += (double)yr[c] * (log_sum - zr[c]);
    }
    total += row_loss;
  }
  *FLOATS(base, args->loss) = (float)(total / (double)rows);
}

/* softmaxCrossEntropyGrad: dz = dy * (sum_c y_c * p - y) / rows, the analytic gradient of the mean loss above. */
typedef struct {
  int64_t rows, classes, probabilities, labels, dy, dlogits;
} softmax_cross_entropy_grad_args;

static const field softmax_cross_entropy_grad_fields[] = {
    INTEGER(softmax_cross_entropy_grad_args, rows),   INTEGER(softmax_cross_entropy_grad_args, classes),
    INTEGER(softmax_cross_entropy_grad_args, probabilities), INTEGER(softmax_cross_entropy_grad_args, labels),
    INTEGER(softmax_cross_entropy_grad_args, dy),     INTEGER(softmax_cross_entropy_grad_args, dlogits),
};

static void softmax_cross_entropy_grad_math(char* base, const softmax_cross_entropy_grad_args* args) {
  const int64_t rows = args->rows, classes = args->classes;
  const float* p = FLOATS(base, args->probabilities);
  const float* y = FLOATS(base, args->labels);
  const float scale = *FLOATS(base, args->dy) / (float)rows;
  float* dz = FLOATS(base, args->dlogits);
  for (int64_t r = 0; r < rows; r++) {
    float label_sum = 0.0f;
    for (int64_t c = 0; c < classes; c++) label_sum += y[r * classes + c];
    for (int64_t c = 0; c < classes; c++) dz[r * classes + c] = scale * (label_sum * p[r * classes + c] - y[r * classes + c]);
  }
}

/* Both softmax kernels: rows x classes tensors, but one scalar (the loss, or dy). */
static int softmax_ranges_inside(napi_env env, const char* name, size_t heap_bytes, int64_t rows, int64_t classes,
                                 const int64_t offsets[4], int scalar) {
  if (!dimensions_valid(rows, classes, 0)) return fail(env, napi_throw_range_error, name, "invalid dimensions");
  tensor_range ranges[4];
  for (int i = 0; i < 4; i++) ranges[i] = (tensor_range){offsets[i], i == scalar ? 1 : rows * classes};
  return tensors_inside(env, name, heap_bytes, ranges, 4, 0);
}

static napi_value softmax_cross_entropy(napi_env env, napi_callback_info info) {
  const char* name = "softmaxCrossEntropy";
  softmax_cross_entropy_args args;
  char* base;
  size_t heap_bytes;
  if (!decode_arguments(env, info, name, softmax_cross_entropy_fields, LENGTH_OF(softmax_cross_entropy_fields), &args,
                        &base, &heap_bytes, 0, NULL)) {
    return NULL;
  }
  const int64_t offsets[4] = {args.logits, args.labels, args.probabilities, args.loss};
  if (!softmax_ranges_inside(env, name, heap_bytes, args.rows, args.classes, offsets, 3)) return NULL;
  softmax_cross_entropy_math(base, &args);
  return NULL;
}

static napi_value softmax_cross_entropy_grad(napi_env env, napi_callback_info info) {
  const char* name = "softmaxCrossEntropyGrad";
  softmax_cross_entropy_grad_args args;
  char* base;
  size_t heap_bytes;
  if (!decode_arguments(env, info, name, softmax_cross_entropy_grad_fields,
                        LENGTH_OF(softmax_cross_entropy_grad_fields), &args, &base, &heap_bytes, 0, NULL)) {
    return NULL;
  }
  const int64_t offsets[4] = {args.probabilities, args.labels, args.dy, args.dlogits};
  if (!softmax_ranges_inside(env, name, heap_bytes, args.rows, args.classes, offsets, 2)) return NULL;
  softmax_cross_entropy_grad_math(base, &args);
  return NULL;
}

/* ---------------------------------------------------------------- training batches */

/*
 * gatherBatch(heap, arguments, images, indices, labels): a training batch straight onto the
 * heap: xs[row] = images[indices[start + row]] / 255 as float32 (the same values as
 * JavaScript's pixel / 255 stored in a Float32Array) and ys one-hot. images and labels are
 * Uint8Arrays, indices an Int32Array; every index and label is checked.
 */
typedef struct {
  int64_t pixels, start, count, xs, classes, ys;
} gather_batch_args;

static const field gather_batch_fields[] = {
    INTEGER(gather_batch_args, pixels), INTEGER(gather_batch_args, start),   INTEGER(gather_batch_args, count),
    INTEGER(gather_batch_args, xs),     INTEGER(gather_batch_args, classes), INTEGER(gather_batch_args, ys),
};

typedef struct {
  const uint8_t* images;
  size_t image_bytes;
  const int32_t* indices;
  size_t index_count;
  const uint8_t* labels;
  size_t label_count;
} gather_batch_source;

static void gather_batch_math(char* base, const gather_batch_args* args, const gather_batch_source* source) {
  float scaled[256];
  for (int v = 0; v < 256; v++) scaled[v] = (float)((double)v / 255.0);
  const int32_t* picks = source->indices + args->start;
  float* xs = FLOATS(base, args->xs);
  float* ys = FLOATS(base, args->ys);
  memset(ys, 0, (size_t)(args->count * args->classes) * sizeof(float));
  for (int64_t row = 0; row < args->count; row++) {
    const int64_t example = picks[row];
    const uint8_t* pixels = source->images + example * args->pixels;
    float* target = xs + row * args->pixels;
    for (int64_t p = 0; p < args->pixels; p++) target[p] = scaled[pixels[p]];
    ys[row * args->classes + source->labels[example]] = 1.0f;
  }
}

/* A typed array of `expected` type: its data and element count; false (with a TypeError thrown) otherwise. */
static int typed_array_of(napi_env env, const char* name, napi_value value, napi_typedarray_type expected,
                          const char* problem, const void** data, size_t* length) {
  napi_typedarray_type type;
  void* values = NULL;
  if (napi_get_typedarray_info(env, value, &type, length, &values, NULL, NULL) != napi_ok || type != expected) {
    return fail(env, napi_throw_type_error, name, problem);
  }
  *data = values;
  return 1;
}

static napi_value gather_batch(napi_env env, napi_callback_info info) {
  const char* name = "gatherBatch";
  gather_batch_args args;
  gather_batch_source source;
  napi_value arrays[3];
  char* base;
  size_t heap_bytes;
  if (!decode_arguments(env, info, name, gather_batch_fields, LENGTH_OF(gather_batch_fields), &args, &base,
                        &heap_bytes, 3, arrays) ||
      !typed_array_of(env, name, arrays[0], napi_uint8_array, "images must be a Uint8Array",
                      (const void**)&source.images, &source.image_bytes) ||
      !typed_array_of(env, name, arrays[1], napi_int32_array, "indices must be an Int32Array",
                      (const void**)&source.indices, &source.index_count) ||
      !typed_array_of(env, name, arrays[2], napi_uint8_array, "labels must be a Uint8Array",
                      (const void**)&source.labels, &source.label_count)) {
    return NULL;
  }
  if (args.pixels < 1 || args.classes < 1 || args.start < 0 || args.count < 0 ||
      args.start + args.count > (int64_t)source.index_count) {
    fail(env, napi_throw_range_error, name, "a range lies outside its array");
    return NULL;
  }
  const tensor_range ranges[] = {{args.xs, args.count * args.pixels}, {args.ys, args.count * args.classes}};
  if (!tensors_inside(env, name, heap_bytes, ranges, LENGTH_OF(ranges), 0)) return NULL;
  for (int64_t row = 0; row < args.count; row++) {
    const int64_t example = source.indices[args.start + row];
    if (example < 0 || (uint64_t)(example + 1) * (uint64_t)args.pixels > source.image_bytes ||
        (size_t)example >= source.label_count || source.labels[example] >= args.classes) {
      fail(env, napi_throw_range_error, name, "an index or label is out of range");
      return NULL;
    }
  }
  gather_batch_math(base, &args, &source);
  return NULL;
}

/* ---------------------------------------------------------------- OpenBLAS */

/* setThreads(count): how many threads OpenBLAS may use (0 keeps its default). */
static napi_value set_threads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int64_t threads = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 1 ||
      napi_get_value_int64(env, argv[0], &threads) != napi_ok || threads < 0 || threads > 1024) {
    napi_throw_range_error(env, NULL, "mnist_accel.setThreads expects a count from 0 to 1024");
    return NULL;
  }
  if (threads > 0) openblas_set_num_threads((int)threads);
  return NULL;
}

/* describe(): the BLAS in use, e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH ... (core Haswell, 1 threads)". */
static napi_value describe(napi_env env, napi_callback_info info) {
  (void)info;
  char text[512];
  const char* config = openblas_get_config();
  const char* core = openblas_get_corename();
  snprintf(text, sizeof text, "%s (core %s, %d threads)", config ? config : "OpenBLAS", core ? core : "unknown",
           openblas_get_num_threads());
  napi_value result;
  if (napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &result) != napi_ok) return NULL;
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_value version;
  if (napi_create_int32(env, INTERFACE_VERSION, &version) != napi_ok) return NULL;
  napi_property_descriptor properties[] = {
      {"interfaceVersion", NULL, NULL, NULL, NULL, version, napi_enumerable, NULL},
      {"batchMatMul", NULL, batch_mat_mul, NULL, NULL, NULL, napi_enumerable, NULL},
      {"rmspropStep", NULL, rmsprop_step, NULL, NULL, NULL, napi_enumerable, NULL},
      {"denseGrad", NULL, dense_grad, NULL, NULL, NULL, napi_enumerable, NULL},
      {"softmaxCrossEntropy", NULL, softmax_cross_entropy, NULL, NULL, NULL, napi_enumerable, NULL},
      {"softmaxCrossEntropyGrad", NULL, softmax_cross_entropy_grad, NULL, NULL, NULL, napi_enumerable, NULL},
      {"gatherBatch", NULL, gather_batch, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setThreads", NULL, set_threads, NULL, NULL, NULL, napi_enumerable, NULL},
      {"describe", NULL, describe, NULL, NULL, NULL, napi_enumerable, NULL},
      {"conv2d", NULL, conv2d_forward, NULL, NULL, NULL, napi_enumerable, NULL},
      {"conv2dGrad", NULL, conv2d_grad, NULL, NULL, NULL, napi_enumerable, NULL},
      {"maxPool", NULL, max_pool, NULL, NULL, NULL, napi_enumerable, NULL},
      {"adamStep", NULL, adam_step, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, LENGTH_OF(properties), properties) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
