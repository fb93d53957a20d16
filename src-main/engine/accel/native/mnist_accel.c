/*
 * MNIST Studio native kernels: matrix products for the tfjs WebAssembly backend, computed by
 * the machine's OpenBLAS directly on the WebAssembly heap (no copies).
 *
 * JavaScript passes the heap's ArrayBuffer and byte offsets of the tensors inside it (the
 * backend's own allocations), so results land where tfjs expects them. Every range is checked
 * against the heap size before any memory is touched.
 *
 * Built with Node-API only, so one binary loads in Node 20 and in Electron's Node 22.
 */
#include <cblas.h>
#include <math.h>
#include <node_api.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conv.h"
#include "sparse_rows.h"

#define ACTIVATION_LINEAR 0
#define ACTIVATION_RELU 1
#define ACTIVATION_RELU6 2

#define THROW_IF_FAILED(env, call)                                      \
  do {                                                                  \
    if ((call) != napi_ok) {                                            \
      napi_throw_error((env), NULL, "mnist_accel: bad argument types"); \
      return NULL;                                                      \
    }                                                                   \
  } while (0)

static int read_int64(napi_env env, napi_value value, int64_t* out) {
  return napi_get_value_int64(env, value, out) == napi_ok;
}

static int read_bool(napi_env env, napi_value value, int* out) {
  bool flag = false;
  if (napi_get_value_bool(env, value, &flag) != napi_ok) return 0;
  *out = flag ? 1 : 0;
  return 1;
}

/* True when [offset, offset + count floats) lies inside the heap and is 4-byte aligned. */
static int float_range_inside(int64_t offset, int64_t count, size_t heap_bytes) {
  if (offset < 0 || count < 0 || (offset & 3) != 0) return 0;
  return (uint64_t)offset + (uint64_t)count * 4u <= (uint64_t)heap_bytes;
}

#define LENGTH_OF(array) (sizeof(array) / sizeof((array)[0]))

/* napi_throw_error, napi_throw_type_error or napi_throw_range_error. */
typedef napi_status(NAPI_CDECL* napi_thrower)(napi_env env, const char* code, const char* message);

/* Throws "mnist_accel.<name>: <problem>" with `thrower`; returns NULL, so a kernel can return it. */
static napi_value fail(napi_env env, napi_thrower thrower, const char* name, const char* problem) {
  char message[160];
  snprintf(message, sizeof message, "mnist_accel.%s: %s", name, problem);
  thrower(env, NULL, message);
  return NULL;
}

/*
 * The start of every kernel that works on the heap: exactly `count` arguments into argv, the
 * first the WebAssembly heap's ArrayBuffer. False (with an exception thrown) when they are not.
 */
static int read_heap_arguments(napi_env env, napi_callback_info info, const char* name, size_t count,
                               napi_value* argv, char** heap, size_t* heap_bytes) {
  size_t argc = count;
  void* data = NULL;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) {
    napi_throw_error(env, NULL, "mnist_accel: bad argument types");
    return 0;
  }
  if (argc != count) {
    char message[160];
    snprintf(message, sizeof message, "mnist_accel.%s expects %zu arguments", name, count);
    napi_throw_error(env, NULL, message);
    return 0;
  }
  if (napi_get_arraybuffer_info(env, argv[0], &data, heap_bytes) != napi_ok) {
    napi_throw_error(env, NULL, "mnist_accel: bad argument types");
    return 0;
  }
  *heap = (char*)data;
  return 1;
}

/* argv[0 .. count) as integers; false (with "<name>: bad argument types" thrown) at a non-number. */
static int read_int64_arguments(napi_env env, const char* name, const napi_value* argv, size_t count, int64_t* out) {
  for (size_t i = 0; i < count; i++) {
    if (!read_int64(env, argv[i], &out[i])) {
      fail(env, napi_throw_error, name, "bad argument types");
      return 0;
    }
  }
  return 1;
}

/* A tensor on the heap: `count` floats from byte `offset`. */
typedef struct {
  int64_t offset;
  int64_t count;
} tensor_range;

/* An optional tensor (offset < 0: none); an absent one is empty, so it always lies inside. */
static tensor_range optional_tensor(int64_t offset, int64_t count) {
  tensor_range range = {0, 0};
  if (offset >= 0) {
    range.offset = offset;
    range.count = count;
  }
  return range;
}

/* True when every tensor lies inside the heap; else throws "<name>: a tensor lies outside the heap". */
static int tensors_inside(napi_env env, const char* name, size_t heap_bytes, const tensor_range* tensors,
                          size_t count) {
  for (size_t i = 0; i < count; i++) {
    if (!float_range_inside(tensors[i].offset, tensors[i].count, heap_bytes)) {
      fail(env, napi_throw_range_error, name, "a tensor lies outside the heap");
      return 0;
    }
  }
  return 1;
}

static void apply_activation(float* values, size_t count, int activation) {
  if (activation == ACTIVATION_RELU) {
    for (size_t i = 0; i < count; i++) values[i] = values[i] > 0.0f ? values[i] : 0.0f;
  } else if (activation == ACTIVATION_RELU6) {
    for (size_t i = 0; i < count; i++) {
      float v = values[i] > 0.0f ? values[i] : 0.0f;
      values[i] = v < 6.0f ? v : 6.0f;
    }
  }
}

/*
 * The zero-skipping products (sparse_rows.h) for a left operand x [m, k] with at most 30%
 * nonzeros and n >= 256 output columns (multiple of 16), on CPUs with AVX-512; else sgemm.
 * MNIST_STUDIO_SPARSE=0 in the environment switches them off (read on every call).
 */
#define SPARSE_MAX_DENSITY 0.3
static int32_t* sparse_rows_scratch = NULL;
static float* sparse_values_scratch = NULL;
static int32_t* sparse_starts_scratch = NULL;
static size_t sparse_scratch_entries = 0;
static size_t sparse_scratch_starts = 0;

static int use_sparse_products(int64_t m, int64_t k, int64_t n, const float* x) {
#if SPARSE_PRODUCTS
  static int available = -1;
  if (available < 0) available = sparse_products_available() ? 1 : 0;
  if (!available || n < 256 || n % 16 != 0 || m * k > INT32_MAX) return 0;
  const char* setting = getenv("MNIST_STUDIO_SPARSE");
  if (setting != NULL && strcmp(setting, "0") == 0) return 0;
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
  (void)m;
  (void)k;
  (void)n;
  (void)x;
  return 0;
#endif
}

/*
 * batchMatMul(heap, batch, m, n, k, transposeA, transposeB,
 *             aOffset, aBatchStride, bOffset, bBatchStride, outOffset,
 *             biasOffset, biasSize, activation)
 *
 * out[i] = activation(op(a[i]) x op(b[i]) + bias) for i < batch, row-major, where op()
 * transposes when asked. a[i] starts at aOffset + 4 * i * aBatchStride (a stride of 0
 * broadcasts one matrix over the batch), likewise b; out is dense [batch, m, n].
 * biasOffset < 0 means no bias; biasSize is n (per column) or 1 (scalar).
 */
static napi_value batch_mat_mul(napi_env env, napi_callback_info info) {
  const char* name = "batchMatMul";
  napi_value argv[15];
  char* base;
  size_t heap_bytes;
  int64_t sizes[4], operands[8]; /* batch, m, n, k; offsets, strides, bias and activation */
  int transpose_a, transpose_b;
  if (!read_heap_arguments(env, info, name, 15, argv, &base, &heap_bytes) ||
      !read_int64_arguments(env, name, argv + 1, 4, sizes)) {
    return NULL;
  }
  if (!read_bool(env, argv[5], &transpose_a) || !read_bool(env, argv[6], &transpose_b)) {
    return fail(env, napi_throw_error, name, "bad argument types");
  }
  if (!read_int64_arguments(env, name, argv + 7, 8, operands)) return NULL;
  const int64_t batch = sizes[0], m = sizes[1], n = sizes[2], k = sizes[3];
  const int64_t a_offset = operands[0], a_stride = operands[1], b_offset = operands[2], b_stride = operands[3];
  const int64_t out_offset = operands[4], bias_offset = operands[5], bias_size = operands[6], activation = operands[7];
  const int64_t limit = INT32_MAX;
  if (batch < 1 || m < 1 || n < 1 || k < 0 || m > limit || n > limit || k > limit || a_stride < 0 ||
      b_stride < 0 || activation < ACTIVATION_LINEAR || activation > ACTIVATION_RELU6) {
    return fail(env, napi_throw_range_error, name, "invalid dimensions");
  }
  const int has_bias = bias_offset >= 0;
  if (has_bias && bias_size != n && bias_size != 1) {
    return fail(env, napi_throw_range_error, name, "bias must have n or 1 values");
  }
  const tensor_range ranges[] = {
      {a_offset, (batch - 1) * a_stride + m * k},
      {b_offset, (batch - 1) * b_stride + k * n},
      {out_offset, batch * m * n},
      optional_tensor(bias_offset, bias_size),
  };
  if (!tensors_inside(env, name, heap_bytes, ranges, LENGTH_OF(ranges))) return NULL;

  const float* bias = has_bias ? (const float*)(base + bias_offset) : NULL;
  const int lda = transpose_a ? (int)m : (int)k;
  const int ldb = transpose_b ? (int)k : (int)n;
  for (int64_t i = 0; i < batch; i++) {
    const float* a = (const float*)(base + a_offset) + i * a_stride;
    const float* b = (const float*)(base + b_offset) + i * b_stride;
    float* out = (float*)(base + out_offset) + i * m * n;
    if (!transpose_a && !transpose_b && k > 0 && use_sparse_products(m, k, n, a)) {
#if SPARSE_PRODUCTS
      sparse_times_dense(m, k, n, a, b, out, sparse_rows_scratch, sparse_values_scratch, sparse_starts_scratch);
#endif
      if (bias != NULL) {
        for (int64_t row = 0; row < m; row++) {
          float* target = out + row * n;
          if (bias_size == n) {
            for (int64_t col = 0; col < n; col++) target[col] += bias[col];
          } else {
            for (int64_t col = 0; col < n; col++) target[col] += bias[0];
          }
        }
      }
      apply_activation(out, (size_t)(m * n), (int)activation);
      continue;
    }
    float beta = 0.0f;
    if (bias != NULL) {
      for (int64_t row = 0; row < m; row++) {
        float* target = out + row * n;
        if (bias_size == n) {
          memcpy(target, bias, (size_t)n * sizeof(float));
        } else {
          for (int64_t col = 0; col < n; col++) target[col] = bias[0];
        }
      }
      beta = 1.0f;
    }
    if (k == 0) {
      if (bias == NULL) memset(out, 0, (size_t)(m * n) * sizeof(float));
    } else {
      cblas_sgemm(CblasRowMajor, transpose_a ? CblasTrans : CblasNoTrans, transpose_b ? CblasTrans : CblasNoTrans,
                  (int)m, (int)n, (int)k, 1.0f, a, lda, b, ldb, beta, out, (int)n);
    }
    apply_activation(out, (size_t)(m * n), (int)activation);
  }
  return NULL;
}

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define VECTOR_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define VECTOR_CLONES
#endif

/*
 * One RMSprop step (tfjs' RMSPropOptimizer, not centered), in float32 with the same operation
 * order as the optimizer's op sequence, so results match it bit for bit (built with
 * -ffp-contract=off: no fused multiply-add).
 */
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

/*
 * rmspropStep(heap, count, valueOffset, meanSquareOffset, momentOffset, gradientOffset,
 *             newValueOffset, newMeanSquareOffset, newMomentOffset,
 *             learningRate, decay, oneMinusDecay, momentum, epsilon)
 */
static napi_value rmsprop_step(napi_env env, napi_callback_info info) {
  const char* name = "rmspropStep";
  napi_value argv[14];
  char* base;
  size_t heap_bytes;
  if (!read_heap_arguments(env, info, name, 14, argv, &base, &heap_bytes)) return NULL;
  int64_t count, offsets[7];
  double scalars[5];
  if (!read_int64(env, argv[1], &count) || count < 0) return fail(env, napi_throw_range_error, name, "bad count");
  for (int i = 0; i < 7; i++) {
    if (!read_int64(env, argv[2 + i], &offsets[i]) || !float_range_inside(offsets[i], count, heap_bytes)) {
      return fail(env, napi_throw_range_error, name, "a tensor lies outside the heap");
    }
  }
  for (int i = 0; i < 5; i++) THROW_IF_FAILED(env, napi_get_value_double(env, argv[9 + i], &scalars[i]));
  /* Outputs either are the inputs (in place) or must not overlap them. */
  const int in_place = offsets[4] == offsets[0] && offsets[5] == offsets[1] && offsets[6] == offsets[2];
  if (in_place) {
    rmsprop_loop_in_place((size_t)count, (float*)(base + offsets[0]), (float*)(base + offsets[1]),
                          (float*)(base + offsets[2]), (const float*)(base + offsets[3]), (float)scalars[0],
                          (float)scalars[1], (float)scalars[2], (float)scalars[3], (float)scalars[4]);
    return NULL;
  }
  for (int i = 0; i < 7; i++) {
    for (int j = i + 1; j < 7; j++) {
      const int64_t gap = offsets[i] > offsets[j] ? offsets[i] - offsets[j] : offsets[j] - offsets[i];
      if ((i >= 4 || j >= 4) && gap < count * 4) {
        return fail(env, napi_throw_range_error, name, "outputs overlap other tensors");
      }
    }
  }
  rmsprop_loop((size_t)count, (const float*)(base + offsets[0]), (const float*)(base + offsets[1]),
               (const float*)(base + offsets[2]), (const float*)(base + offsets[3]), (float*)(base + offsets[4]),
               (float*)(base + offsets[5]), (float*)(base + offsets[6]), (float)scalars[0], (float)scalars[1],
               (float)scalars[2], (float)scalars[3], (float)scalars[4]);
  return NULL;
}

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
 * denseGrad(heap, m, k, n, xOffset, wOffset, yOffset, dyOffset, dwOffset, dbOffset, dxOffset, activation)
 *
 * The backward pass of y = activation(x.W + b) for x [m, k], W [k, n], y and dy [m, n]:
 *   d = dy * activation'(y)   (relu: y > 0, as tfjs' step(y); linear: d = dy)
 *   dW = x^T.d  [k, n];  db = column sums of d [n] (dbOffset < 0: none);  dx = d.W^T [m, k] (dxOffset < 0: none)
 * The same products tfjs' gradient asks of BatchMatMul, the sums in row order as its Sum kernel.
 */
static napi_value dense_grad(napi_env env, napi_callback_info info) {
  const char* name = "denseGrad";
  napi_value argv[12];
  char* base;
  size_t heap_bytes;
  int64_t v[11];
  if (!read_heap_arguments(env, info, name, 12, argv, &base, &heap_bytes) ||
      !read_int64_arguments(env, name, argv + 1, 11, v)) {
    return NULL;
  }
  const int64_t m = v[0], k = v[1], n = v[2], activation = v[10];
  const int64_t x_off = v[3], w_off = v[4], y_off = v[5], dy_off = v[6], dw_off = v[7], db_off = v[8], dx_off = v[9];
  if (m < 1 || k < 1 || n < 1 || m > INT32_MAX || k > INT32_MAX || n > INT32_MAX ||
      (activation != ACTIVATION_LINEAR && activation != ACTIVATION_RELU)) {
    return fail(env, napi_throw_range_error, name, "invalid dimensions");
  }
  const tensor_range ranges[] = {
      {x_off, m * k}, {w_off, k * n}, {y_off, m * n}, {dy_off, m * n}, {dw_off, k * n},
      optional_tensor(db_off, n), optional_tensor(dx_off, m * k),
  };
  if (!tensors_inside(env, name, heap_bytes, ranges, LENGTH_OF(ranges))) return NULL;
  const float* x = (const float*)(base + x_off);
  const float* w = (const float*)(base + w_off);
  const float* y = (const float*)(base + y_off);
  const float* dy = (const float*)(base + dy_off);
  const float* d = dy;
  if (activation == ACTIVATION_RELU) {
    float* masked = scratch_of((size_t)(m * n));
    if (masked == NULL) return fail(env, napi_throw_error, name, "out of memory");
    relu_gradient((size_t)(m * n), dy, y, masked);
    d = masked;
  }
  if (use_sparse_products(m, k, n, x)) {
#if SPARSE_PRODUCTS
    sparse_transposed_times_dense(m, k, n, x, d, (float*)(base + dw_off), sparse_rows_scratch, sparse_values_scratch,
                                  sparse_starts_scratch);
#endif
  } else {
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)k, (int)n, (int)m, 1.0f, x, (int)k, d, (int)n, 0.0f,
                (float*)(base + dw_off), (int)n);
  }
  if (db_off >= 0) {
    float* db = (float*)(base + db_off);
    for (int64_t col = 0; col < n; col++) db[col] = 0.0f;
    for (int64_t row = 0; row < m; row++)
      for (int64_t col = 0; col < n; col++) db[col] += d[row * n + col];
  }
  if (dx_off >= 0) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)m, (int)k, (int)n, 1.0f, d, (int)n, w, (int)n, 0.0f,
                (float*)(base + dx_off), (int)k);
  }
  return NULL;
}

/*
 * The arguments both softmax kernels take: (heap, rows, classes, four tensor offsets) into
 * v[0 .. 6) and the heap into *base. Each tensor is rows x classes floats but the one at
 * `scalar` (0 to 3), a single float. False (with an exception thrown) when they do not fit.
 */
static int read_softmax_arguments(napi_env env, napi_callback_info info, const char* name, int scalar, char** base,
                                  int64_t v[6]) {
  napi_value argv[7];
  size_t heap_bytes;
  if (!read_heap_arguments(env, info, name, 7, argv, base, &heap_bytes) ||
      !read_int64_arguments(env, name, argv + 1, 6, v)) {
    return 0;
  }
  const int64_t rows = v[0], classes = v[1];
  if (rows < 1 || classes < 1 || rows > INT32_MAX || classes > INT32_MAX) {
    fail(env, napi_throw_range_error, name, "a tensor lies outside the heap");
    return 0;
  }
  tensor_range ranges[4];
  for (int i = 0; i < 4; i++) {
    ranges[i].offset = v[2 + i];
    ranges[i].count = i == scalar ? 1 : rows * classes;
  }
  return tensors_inside(env, name, heap_bytes, ranges, 4);
}

/*
 * softmaxCrossEntropy(heap, rows, classes, logitsOffset, labelsOffset, probabilitiesOffset, lossOffset)
 *
 * Keras' categorical cross-entropy of a softmax output, computed from the logits z as Keras
 * does: p = softmax(z) per row; loss = mean over rows of sum_c y_c (logsumexp(z) - z_c).
 */
static napi_value softmax_cross_entropy(napi_env env, napi_callback_info info) {
  char* base;
  int64_t v[6];
  if (!read_softmax_arguments(env, info, "softmaxCrossEntropy", 3, &base, v)) return NULL;
  const int64_t rows = v[0], classes = v[1];
  const float* z = (const float*)(base + v[2]);
  const float* y = (const float*)(base + v[3]);
  float* p = (float*)(base + v[4]);
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
  *(float*)(base + v[5]) = (float)(total / (double)rows);
  return NULL;
}

/*
 * softmaxCrossEntropyGrad(heap, rows, classes, probabilitiesOffset, labelsOffset, dyOffset, dlogitsOffset)
 * dz = dy * (sum_c y_c * p - y) / rows: the analytic gradient of the mean loss above.
 */
static napi_value softmax_cross_entropy_grad(napi_env env, napi_callback_info info) {
  char* base;
  int64_t v[6];
  if (!read_softmax_arguments(env, info, "softmaxCrossEntropyGrad", 2, &base, v)) return NULL;
  const int64_t rows = v[0], classes = v[1];
  const float* p = (const float*)(base + v[2]);
  const float* y = (const float*)(base + v[3]);
  const float scale = *(const float*)(base + v[4]) / (float)rows;
  float* dz = (float*)(base + v[5]);
  for (int64_t r = 0; r < rows; r++) {
    float label_sum = 0.0f;
    for (int64_t c = 0; c < classes; c++) label_sum += y[r * classes + c];
    for (int64_t c = 0; c < classes; c++) dz[r * classes + c] = scale * (label_sum * p[r * classes + c] - y[r * classes + c]);
  }
  return NULL;
}

/*
 * gatherBatch(heap, images, pixels, indices, start, count, xsOffset, labels, classes, ysOffset)
 *
 * A training batch straight onto the heap: xs[row] = images[indices[start + row]] / 255 as
 * float32 (the same values as JavaScript's pixel / 255 stored in a Float32Array) and ys one-hot.
 * images and labels are Uint8Arrays, indices an Int32Array; every index is checked.
 */
static napi_value gather_batch(napi_env env, napi_callback_info info) {
  const char* name = "gatherBatch";
  napi_value argv[10];
  char* base;
  size_t heap_bytes;
  if (!read_heap_arguments(env, info, name, 10, argv, &base, &heap_bytes)) return NULL;
  napi_typedarray_type type;
  size_t image_bytes = 0, index_count = 0, label_count = 0;
  void* images = NULL;
  void* indices = NULL;
  void* labels = NULL;
  THROW_IF_FAILED(env, napi_get_typedarray_info(env, argv[1], &type, &image_bytes, &images, NULL, NULL));
  if (type != napi_uint8_array) return fail(env, napi_throw_type_error, name, "images must be a Uint8Array");
  THROW_IF_FAILED(env, napi_get_typedarray_info(env, argv[3], &type, &index_count, &indices, NULL, NULL));
  if (type != napi_int32_array) return fail(env, napi_throw_type_error, name, "indices must be an Int32Array");
  THROW_IF_FAILED(env, napi_get_typedarray_info(env, argv[7], &type, &label_count, &labels, NULL, NULL));
  if (type != napi_uint8_array) return fail(env, napi_throw_type_error, name, "labels must be a Uint8Array");
  int64_t pixels, start, count, xs_offset, classes, ys_offset;
  if (!read_int64(env, argv[2], &pixels) || !read_int64(env, argv[4], &start) || !read_int64(env, argv[5], &count) ||
      !read_int64(env, argv[6], &xs_offset) || !read_int64(env, argv[8], &classes) ||
      !read_int64(env, argv[9], &ys_offset)) {
    return fail(env, napi_throw_error, name, "bad argument types");
  }
  if (pixels < 1 || classes < 1 || start < 0 || count < 0 || start + count > (int64_t)index_count ||
      !float_range_inside(xs_offset, count * pixels, heap_bytes) ||
      !float_range_inside(ys_offset, count * classes, heap_bytes)) {
    return fail(env, napi_throw_range_error, name, "a range lies outside its array");
  }
  const int32_t* picks = (const int32_t*)indices + start;
  const uint8_t* image_bytes_base = (const uint8_t*)images;
  const uint8_t* label_values = (const uint8_t*)labels;
  for (int64_t row = 0; row < count; row++) {
    const int64_t example = picks[row];
    if (example < 0 || (uint64_t)(example + 1) * (uint64_t)pixels > image_bytes || (size_t)example >= label_count ||
        label_values[example] >= classes) {
      return fail(env, napi_throw_range_error, name, "an index or label is out of range");
    }
  }
  float scaled[256];
  for (int v = 0; v < 256; v++) scaled[v] = (float)((double)v / 255.0);
  float* xs = (float*)(base + xs_offset);
  float* ys = (float*)(base + ys_offset);
  memset(ys, 0, (size_t)(count * classes) * sizeof(float));
  for (int64_t row = 0; row < count; row++) {
    const int64_t example = picks[row];
    const uint8_t* source = image_bytes_base + example * pixels;
    float* target = xs + row * pixels;
    for (int64_t p = 0; p < pixels; p++) target[p] = scaled[source[p]];
    ys[row * classes + label_values[example]] = 1.0f;
  }
  return NULL;
}

/* setThreads(count): how many threads OpenBLAS may use (0 keeps its default). */
static napi_value set_threads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int64_t threads = 0;
  THROW_IF_FAILED(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 1 || !read_int64(env, argv[0], &threads) || threads < 0 || threads > 1024) {
    napi_throw_range_error(env, NULL, "mnist_accel.setThreads expects a count from 0 to 1024");
    return NULL;
  }
  if (threads > 0) openblas_set_num_threads((int)threads);
  return NULL;
}

/* describe(): the BLAS in use, e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH ... (Haswell, 2 threads)". */
static napi_value describe(napi_env env, napi_callback_info info) {
  (void)info;
  char text[512];
  const char* config = openblas_get_config();
  const char* core = openblas_get_corename();
  snprintf(text, sizeof text, "%s (core %s, %d threads)", config ? config : "OpenBLAS", core ? core : "unknown",
           openblas_get_num_threads());
  napi_value result;
  THROW_IF_FAILED(env, napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &result));
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor properties[] = {
      {"batchMatMul", NULL, batch_mat_mul, NULL, NULL, NULL, napi_enumerable, NULL},
      {"rmspropStep", NULL, rmsprop_step, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setThreads", NULL, set_threads, NULL, NULL, NULL, napi_enumerable, NULL},
      {"describe", NULL, describe, NULL, NULL, NULL, napi_enumerable, NULL},
      {"denseGrad", NULL, dense_grad, NULL, NULL, NULL, napi_enumerable, NULL},
      {"gatherBatch", NULL, gather_batch, NULL, NULL, NULL, napi_enumerable, NULL},
      {"softmaxCrossEntropy", NULL, softmax_cross_entropy, NULL, NULL, NULL, napi_enumerable, NULL},
      {"softmaxCrossEntropyGrad", NULL, softmax_cross_entropy_grad, NULL, NULL, NULL, napi_enumerable, NULL},
      {"conv2d", NULL, conv2d_forward, NULL, NULL, NULL, napi_enumerable, NULL},
      {"conv2dGrad", NULL, conv2d_grad, NULL, NULL, NULL, napi_enumerable, NULL},
      {"maxPool", NULL, max_pool, NULL, NULL, NULL, napi_enumerable, NULL},
      {"adamStep", NULL, adam_step, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof properties / sizeof properties[0], properties) != napi_ok) {
    return NULL;
  }
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
