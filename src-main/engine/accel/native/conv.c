/*
 * Convolution, max pooling and Adam kernels for the tfjs WebAssembly backend, on the
 * WebAssembly heap like the matrix products in mnist_accel.c.
 *
 * Tensors are NHWC (batch, rows, columns, channels) and filters [fh, fw, in, out], tfjs' own
 * layouts. A convolution is im2col + one OpenBLAS sgemm: each output pixel's receptive field
 * (fh, fw, in) becomes one row of a column matrix [pixels, fh*fw*in], and the filter is already
 * that matrix's right operand [fh*fw*in, out]. The gradients are the two transposed products
 * (dW = cols^T dy, dcols = dy W^T) and col2im, which adds dcols back onto the input's pixels.
 * Images go through in chunks, so the column matrix stays small (in cache) for any batch.
 * Each entry point takes (heap, Float64Array) as mnist_accel.c's do: the block holds the fields
 * in the order its comment lists after `heap` (accel/addon.ts writes them).
 */
#include "conv.h"

#include <cblas.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * The loops over channels compiled for AVX-512, AVX2 and plain x86-64, picked at load time (the
 * addon builds for any x86-64). -ffp-contract=off keeps every clone's arithmetic the same.
 */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define VECTOR_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define VECTOR_CLONES
#endif

/*
 * Channels per vector block of the hand-vectorized loops (pooling, small convolutions): one AVX
 * register (measured faster than 16, which gcc 12 lowers partly to scalar code).
 */
#define BLOCK 8
typedef float float_block __attribute__((vector_size(BLOCK * 4)));
typedef int32_t int_block __attribute__((vector_size(BLOCK * 4)));

/* Blocks go through pointers, never by value: a vector argument's ABI differs between the clones. */
static inline void load_block(float_block* block, const float* source) { memcpy(block, source, sizeof *block); }
static inline void store_block(float* target, const float_block* block) { memcpy(target, block, sizeof *block); }

/*
 * Floats per block of the direct convolutions and of im2col's copies: one AVX-512 register
 * (loops without comparisons but relu's, which gcc 12 compiles well at this width; measured 2x
 * faster than BLOCK there).
 */
#define WIDE 16
typedef float wide_block __attribute__((vector_size(WIDE * 4)));
typedef int32_t wide_int __attribute__((vector_size(WIDE * 4)));
static inline void load_wide(wide_block* block, const float* source) { memcpy(block, source, sizeof *block); }
static inline void store_wide(float* target, const wide_block* block) { memcpy(target, block, sizeof *block); }

#define ACTIVATION_LINEAR 0
#define ACTIVATION_RELU 1

/* Column-matrix floats per chunk (1 MiB): measured a little faster than whole-batch chunks. */
#define CHUNK_FLOATS (1 << 18)

/* The arguments of a kernel call, decoded once: the heap, then the fields of its block. */
typedef struct {
  char* heap;
  size_t heap_bytes;
  int64_t values[24];
  double reals[24];
} call_arguments;

static napi_value throw_message(napi_env env, const char* name, const char* problem) {
  char message[160];
  snprintf(message, sizeof message, "mnist_accel.%s: %s", name, problem);
  napi_throw_range_error(env, NULL, message);
  return NULL;
}

/*
 * (heap ArrayBuffer, Float64Array of exactly `count` fields), as every entry point of
 * mnist_accel.c takes them; the fields as integers (truncated) and as reals. False with an
 * exception thrown otherwise.
 */
static int decode_arguments(napi_env env, napi_callback_info info, const char* name, size_t count,
                            call_arguments* out) {
  napi_value argv[2];
  size_t argc = 2;
  void* data = NULL;
  if (count > 24 || napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 2 ||
      napi_get_arraybuffer_info(env, argv[0], &data, &out->heap_bytes) != napi_ok) {
    throw_message(env, name, "expects the heap and a Float64Array of arguments");
    return 0;
  }
  out->heap = (char*)data;
  napi_typedarray_type type;
  size_t length = 0;
  void* block = NULL;
  if (napi_get_typedarray_info(env, argv[1], &type, &length, &block, NULL, NULL) != napi_ok ||
      type != napi_float64_array || length != count) {
    throw_message(env, name, "the arguments must be a Float64Array of this kernel's fields");
    return 0;
  }
  for (size_t i = 0; i < count; i++) {
    const double value = ((const double*)block)[i];
    if (!(value > -9.0e15 && value < 9.0e15)) {
      throw_message(env, name, "an argument is not a finite number");
      return 0;
    }
    out->reals[i] = value;
    out->values[i] = (int64_t)value;
  }
  return 1;
}

/* The float at byte `offset` when [offset, offset + count floats) lies inside the heap, else NULL. */
static float* heap_floats(const call_arguments* args, int64_t offset, int64_t count) {
  if (offset < 0 || count < 0 || (offset & 3) != 0) return NULL;
  if ((uint64_t)offset + (uint64_t)count * 4u > (uint64_t)args->heap_bytes) return NULL;
  return (float*)(args->heap + offset);
}


/* One growable scratch buffer per use; the engine calls kernels from one thread. */
typedef struct {
  float* data;
  size_t floats;
} scratch;

static float* scratch_floats(scratch* buffer, size_t floats) {
  if (floats > buffer->floats) {
    float* grown = (float*)realloc(buffer->data, floats * sizeof(float));
    if (grown == NULL) return NULL;
    buffer->data = grown;
    buffer->floats = floats;
  }
  return buffer->data;
}

/* Per worker (see split_images): column matrices, their gradients, a filter-gradient partial sum. */
static scratch columns_scratch[2], column_grads_scratch[2], filter_grads_scratch;
static scratch dz_scratch, bias_sums_scratch;

/*
 * Workers per kernel call: the call's `threads` field (1 or 2; 2 only with two cores or more).
 * The images go out in chunks, each its own im2col + single-threaded sgemm: OpenBLAS' own
 * threads spin between the many small products of a step (measured 2.7x the CPU time on this
 * model), two plain threads sharing the chunks do not.
 */
static int requested_threads = 1;
static int conv_threads(void) { return requested_threads; }

/* The call's `threads` field: 2 uses two workers where the machine has two cores or more. */
static void request_threads(int64_t threads) {
  static long cores = 0;
  if (cores == 0) cores = sysconf(_SC_NPROCESSORS_ONLN);
  requested_threads = threads >= 2 && cores >= 2 ? 2 : 1;
}

/*
 * work(images [begin, end)) on worker `slot` (its scratch buffers) as work unit `unit` (its
 * partial sums): units are fixed ranges of images, so sums added up in unit order come out the
 * same whichever worker ran which unit.
 */
typedef void (*image_work)(void* context, int64_t begin, int64_t end, int slot, int64_t unit);

/* Work units per call with two workers: enough that a late worker leaves little to wait for. */
#define MAX_UNITS 8

/*
 * One call's chunks, handed out by an atomic counter to whichever worker asks first: the
 * calling thread never waits for a helper the scheduler has not run yet (on a busy machine it
 * may be late by milliseconds); it takes the chunks itself and waits only for a chunk the
 * helper already started.
 */
typedef struct {
  image_work work;
  void* context;
  int64_t batch, unit_images, units;
  atomic_int_fast64_t next;
} chunked_job;

static pthread_mutex_t helper_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t helper_wake = PTHREAD_COND_INITIALIZER, helper_idle = PTHREAD_COND_INITIALIZER;
static chunked_job* helper_job = NULL; /* the call in progress, NULL between calls */
static uint64_t helper_generation = 0;
static int helper_busy = 0;        /* the helper is inside helper_job */
static int helper_state = 0;       /* 0 not started, 1 running, -1 could not start */

/* Takes units of `job` until none are left. */
static void run_chunks(chunked_job* job, int slot) {
  for (;;) {
    const int64_t unit = atomic_fetch_add(&job->next, 1);
    if (unit >= job->units) return;
    const int64_t begin = unit * job->unit_images;
    const int64_t end = begin + job->unit_images < job->batch ? begin + job->unit_images : job->batch;
    job->work(job->context, begin, end, slot, unit);
  }
}

static void* helper_main(void* unused) {
  (void)unused;
  uint64_t seen = 0;
  pthread_mutex_lock(&helper_lock);
  for (;;) {
    while (helper_job == NULL || helper_generation == seen) pthread_cond_wait(&helper_wake, &helper_lock);
    seen = helper_generation;
    chunked_job* job = helper_job;
    helper_busy = 1;
    pthread_mutex_unlock(&helper_lock);
    run_chunks(job, 1);
    pthread_mutex_lock(&helper_lock);
    helper_busy = 0;
    pthread_cond_signal(&helper_idle);
  }
  return NULL;
}

static int helper_ready(void) {
  if (helper_state == 0) {
    pthread_t thread;
    pthread_attr_t attributes;
    pthread_attr_init(&attributes);
    pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
    helper_state = pthread_create(&thread, &attributes, helper_main, NULL) == 0 ? 1 : -1;
    pthread_attr_destroy(&attributes);
  }
  return helper_state == 1;
}

/* Images per work unit of `batch` images in chunks of `step`: whole chunks, at most MAX_UNITS units. */
static int64_t unit_images(int64_t batch, int64_t step) {
  const int64_t chunks = (batch + step - 1) / step;
  if (conv_threads() < 2 || chunks < 2) return batch;
  return ((chunks + MAX_UNITS - 1) / MAX_UNITS) * step;
}

/* How many work units split_images makes (1: no helper). */
static int64_t work_units(int64_t batch, int64_t step) {
  const int64_t images = unit_images(batch, step);
  return (batch + images - 1) / images;
}

/*
 * work(images [0, batch)) as work_units(batch, step) units of whole chunks of `step` images,
 * shared with the helper thread when there are two or more.
 */
static void split_images(image_work work, void* context, int64_t batch, int64_t step) {
  chunked_job job = {work, context, batch, unit_images(batch, step), work_units(batch, step), 0};
  if (job.units < 2 || !helper_ready()) {
    run_chunks(&job, 0);
    return;
  }
  pthread_mutex_lock(&helper_lock);
  helper_job = &job;
  helper_generation++;
  pthread_cond_signal(&helper_wake);
  pthread_mutex_unlock(&helper_lock);
  run_chunks(&job, 0);
  pthread_mutex_lock(&helper_lock);
  helper_job = NULL; /* a helper waking up late now finds nothing to do */
  while (helper_busy) pthread_cond_wait(&helper_idle, &helper_lock);
  pthread_mutex_unlock(&helper_lock);
}

typedef struct {
  int64_t batch, in_h, in_w, in_c, out_h, out_w, out_c, f_h, f_w, stride_h, stride_w, pad_top, pad_left;
} conv_geometry;

static int read_geometry(const int64_t* v, conv_geometry* g) {
  *g = (conv_geometry){v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12]};
  const int64_t limit = 1 << 24;
  const int64_t dims[] = {g->batch, g->in_h, g->in_w, g->in_c, g->out_h, g->out_w, g->out_c,
                          g->f_h,   g->f_w,  g->stride_h, g->stride_w};
  for (size_t i = 0; i < sizeof dims / sizeof dims[0]; i++)
    if (dims[i] < 1 || dims[i] > limit) return 0;
  if (g->pad_top < 0 || g->pad_left < 0 || g->pad_top >= g->f_h || g->pad_left >= g->f_w) return 0;
  /* Every output pixel's window starts inside the padded input. */
  return (g->out_h - 1) * g->stride_h < g->in_h + g->pad_top && (g->out_w - 1) * g->stride_w < g->in_w + g->pad_left;
}

static int64_t patch_size(const conv_geometry* g) { return g->f_h * g->f_w * g->in_c; }
static int64_t out_pixels(const conv_geometry* g) { return g->out_h * g->out_w; }
static int is_pointwise(const conv_geometry* g) {
  return g->f_h == 1 && g->f_w == 1 && g->stride_h == 1 && g->stride_w == 1 && g->pad_top == 0 && g->pad_left == 0;
}

static int conv_threads(void);

/* Images per chunk: as many as keep the column matrix within CHUNK_FLOATS, at least one. */
static int64_t chunk_images(const conv_geometry* g) {
  int64_t images = is_pointwise(g) ? g->batch : CHUNK_FLOATS / (out_pixels(g) * patch_size(g));
  /* With two workers, at least four chunks: one late worker then leaves little to wait for. */
  if (conv_threads() > 1 && images > (g->batch + 3) / 4) images = (g->batch + 3) / 4;
  if (images < 1) images = 1;
  return images < g->batch ? images : g->batch;
}

/*
 * Copies of a few floats (a window row's channels) are plain loops, in whole blocks where the
 * count allows: a memcpy call costs more (measured 2x on a 3x3x16 im2col).
 */
static inline void copy_floats(float* target, const float* source, int64_t count) {
  if (count % WIDE == 0) {
    for (int64_t i = 0; i < count; i += WIDE) {
      wide_block block;
      load_wide(&block, source + i);
      store_wide(target + i, &block);
    }
    return;
  }
  for (int64_t i = 0; i < count; i++) target[i] = source[i];
}

/* target += source, likewise. */
static inline void add_floats(float* restrict target, const float* restrict source, int64_t count) {
  if (count % WIDE == 0) {
    for (int64_t i = 0; i < count; i += WIDE) {
      wide_block sum, block;
      load_wide(&sum, target + i);
      load_wide(&block, source + i);
      sum += block;
      store_wide(target + i, &sum);
    }
    return;
  }
  for (int64_t i = 0; i < count; i++) target[i] += source[i];
}

static inline void zero_floats(float* target, int64_t count) {
  for (int64_t i = 0; i < count; i++) target[i] = 0.0f;
}

/* cols[pixel, (fh, fw, c)] for `images` images from x (padding reads as zero). */
VECTOR_CLONES static void im2col(const conv_geometry* g, const float* x, int64_t images, float* cols) {
  const int64_t c = g->in_c, row_floats = g->f_w * c;
  for (int64_t b = 0; b < images; b++) {
    const float* image = x + b * g->in_h * g->in_w * c;
    for (int64_t oh = 0; oh < g->out_h; oh++) {
      for (int64_t ow = 0; ow < g->out_w; ow++) {
        float* target = cols;
        cols += patch_size(g);
        const int64_t left = ow * g->stride_w - g->pad_left;
        for (int64_t fh = 0; fh < g->f_h; fh++, target += row_floats) {
          const int64_t ih = oh * g->stride_h + fh - g->pad_top;
          if (ih < 0 || ih >= g->in_h) {
            zero_floats(target, row_floats);
            continue;
          }
          const float* source = image + ih * g->in_w * c;
          if (left >= 0 && left + g->f_w <= g->in_w) {
            copy_floats(target, source + left * c, row_floats);
            continue;
          }
          for (int64_t fw = 0; fw < g->f_w; fw++) {
            const int64_t iw = left + fw;
            if (iw < 0 || iw >= g->in_w) zero_floats(target + fw * c, c);
            else copy_floats(target + fw * c, source + iw * c, c);
          }
        }
      }
    }
  }
}

/* dx += col2im(dcols) for `images` images (dx zeroed by the caller); padding is dropped. */
VECTOR_CLONES static void col2im(const conv_geometry* g, const float* dcols, int64_t images, float* dx) {
  const int64_t c = g->in_c;
  for (int64_t b = 0; b < images; b++) {
    float* image = dx + b * g->in_h * g->in_w * c;
    for (int64_t oh = 0; oh < g->out_h; oh++) {
      for (int64_t ow = 0; ow < g->out_w; ow++) {
        const float* source = dcols;
        dcols += patch_size(g);
        const int64_t top = oh * g->stride_h - g->pad_top, left = ow * g->stride_w - g->pad_left;
        if (top >= 0 && top + g->f_h <= g->in_h && left >= 0 && left + g->f_w <= g->in_w) {
          /* inside the image, each window row is one run of f_w * c floats */
          for (int64_t fh = 0; fh < g->f_h; fh++)
            add_floats(image + ((top + fh) * g->in_w + left) * c, source + fh * g->f_w * c, g->f_w * c);
          continue;
        }
        for (int64_t fh = 0; fh < g->f_h; fh++) {
          const int64_t ih = oh * g->stride_h + fh - g->pad_top;
          if (ih < 0 || ih >= g->in_h) continue;
          for (int64_t fw = 0; fw < g->f_w; fw++) {
            const int64_t iw = ow * g->stride_w + fw - g->pad_left;
            if (iw < 0 || iw >= g->in_w) continue;
            float* target = image + (ih * g->in_w + iw) * c;
            add_floats(target, source + (fh * g->f_w + fw) * c, c);
          }
        }
      }
    }
  }
}

/*
 * out[row, :] = activation(out[row, :] + bias) in one pass over the product (bias NULL: none).
 * Adding after the product, not starting it from copies of the bias, spares a pass: the product
 * then writes C without reading it.
 */
VECTOR_CLONES static void add_bias_relu(float* restrict out, const float* restrict bias, int64_t rows, int64_t channels, int relu) {
  if (bias == NULL && !relu) return;
  for (int64_t row = 0; row < rows; row++, out += channels) {
    if (bias != NULL)
      for (int64_t i = 0; i < channels; i++) out[i] += bias[i];
    if (relu)
      for (int64_t i = 0; i < channels; i++) out[i] = out[i] > 0.0f ? out[i] : 0.0f;
  }
}

/*
 * Patches of at most DIRECT_PATCH floats (the first layer's 3x3x1) are convolved straight from
 * the images: a product with so short a k spends its time in im2col and in OpenBLAS' packing
 * (measured 2.5-3x slower, forward and gradient, on 28x28x1 -> 16 filters 3x3).
 */
#define DIRECT_PATCH 32

static int is_direct(const conv_geometry* g) {
  return !is_pointwise(g) && patch_size(g) <= DIRECT_PATCH && g->out_c % WIDE == 0;
}

/*
 * Output pixel (oh, ow)'s receptive field in `image`, as a window: its first float, and the
 * floats from one of its rows to the next. Inside the image that is the image itself; a window
 * over the padding is copied into `patch` (f_h rows of f_w * in_c floats, zeros for the padding).
 */
static inline __attribute__((always_inline)) const float* receptive_field(const conv_geometry* g, const float* image,
                                                                        int64_t oh, int64_t ow, float* patch,
                                                                        int64_t* row_floats, const int64_t f_h,
                                                                        const int64_t f_w, const int64_t in_c) {
  const int64_t top = oh * g->stride_h - g->pad_top, left = ow * g->stride_w - g->pad_left;
  if (top >= 0 && top + f_h <= g->in_h && left >= 0 && left + f_w <= g->in_w) {
    *row_floats = g->in_w * in_c;
    return image + (top * g->in_w + left) * in_c;
  }
  for (int64_t fh = 0; fh < f_h; fh++) {
    const int64_t ih = top + fh;
    for (int64_t fw = 0; fw < f_w; fw++) {
      const int64_t iw = left + fw;
      const int inside = ih >= 0 && ih < g->in_h && iw >= 0 && iw < g->in_w;
      for (int64_t ci = 0; ci < in_c; ci++)
        patch[(fh * f_w + fw) * in_c + ci] = inside ? image[(ih * g->in_w + iw) * in_c + ci] : 0.0f;
    }
  }
  *row_floats = f_w * in_c;
  return patch;
}

/*
 * out = activation(conv(x, filter) + bias) for `images` images, pixel by pixel: each block of
 * outputs is the window's products with the filter rows (held in registers) summed row by row of
 * the window, then the bias, then relu (as the product's path adds them). f_h, f_w, in_c are the geometry's, as constants
 * where the caller can (the tap loops then unroll).
 */
static inline __attribute__((always_inline)) void direct_forward_of(const conv_geometry* g, const float* x,
                                                                    int64_t images, const float* filter,
                                                                    const float* bias, float* out, int relu,
                                                                    const int64_t f_h, const int64_t f_w,
                                                                    const int64_t in_c) {
  const int64_t k = f_h * f_w * in_c, image_floats = g->in_h * g->in_w * in_c, out_c = g->out_c;
  float patch[DIRECT_PATCH];
  for (int64_t j = 0; j < out_c; j += WIDE) {
    wide_block rows[DIRECT_PATCH], bias_block = {0};
    for (int64_t t = 0; t < k; t++) load_wide(&rows[t], filter + t * out_c + j);
    if (bias != NULL) load_wide(&bias_block, bias + j);
    float* pixel_out = out + j;
    for (int64_t b = 0; b < images; b++) {
      for (int64_t oh = 0; oh < g->out_h; oh++) {
        for (int64_t ow = 0; ow < g->out_w; ow++, pixel_out += out_c) {
          int64_t row_floats;
          const float* window = receptive_field(g, x + b * image_floats, oh, ow, patch, &row_floats, f_h, f_w, in_c);
          wide_block sum = {0};
          for (int64_t fh = 0; fh < f_h; fh++) {
            /* per window row, then rows added: shorter dependency chains than one running sum */
            wide_block row_sum = {0};
            for (int64_t i = 0; i < f_w * in_c; i++) {
              const wide_block product = window[fh * row_floats + i] * rows[fh * f_w * in_c + i];
              row_sum = i == 0 ? product : row_sum + product;
            }
            sum = fh == 0 ? row_sum : sum + row_sum;
          }
          if (bias != NULL) sum += bias_block;
          if (relu) sum = (wide_block)((wide_int)sum & (sum > 0.0f));
          store_wide(pixel_out, &sum);
        }
      }
    }
  }
}

VECTOR_CLONES static void direct_forward(const conv_geometry* g, const float* x, int64_t images, const float* filter,
                                         const float* bias, float* out, int relu) {
  if (g->f_h == 3 && g->f_w == 3 && g->in_c == 1) direct_forward_of(g, x, images, filter, bias, out, relu, 3, 3, 1);
  else direct_forward_of(g, x, images, filter, bias, out, relu, g->f_h, g->f_w, g->in_c);
}

typedef double wide_double __attribute__((vector_size(WIDE * 8)));

/*
 * The filter and bias gradients of `images` images in one pass over dy: per block of output
 * channels, dz = dy masked by relu (y > 0 on the bits, as relu_mask; y NULL: linear), the bias
 * sums in double and the k rows of dfilter (in registers where k is a constant) taking each
 * pixel's products, in pixel order; dfilter and bias_sums (NULL: none) are added to.
 */
static inline __attribute__((always_inline)) void direct_grad_of(const conv_geometry* g, const float* x,
                                                                 int64_t images, const float* y, const float* dy,
                                                                 float* dfilter, double* bias_sums,
                                                                 const int64_t f_h, const int64_t f_w,
                                                                 const int64_t in_c) {
  const int64_t k = f_h * f_w * in_c, image_floats = g->in_h * g->in_w * in_c, out_c = g->out_c;
  float patch[DIRECT_PATCH];
  for (int64_t j = 0; j < out_c; j += WIDE) {
    wide_block sums[DIRECT_PATCH], gradient, output;
    wide_double bias_sum = {0};
    for (int64_t t = 0; t < k; t++) load_wide(&sums[t], dfilter + t * out_c + j);
    if (bias_sums != NULL) memcpy(&bias_sum, bias_sums + j, sizeof bias_sum);
    int64_t at = j;
    for (int64_t b = 0; b < images; b++) {
      for (int64_t oh = 0; oh < g->out_h; oh++) {
        for (int64_t ow = 0; ow < g->out_w; ow++, at += out_c) {
          int64_t row_floats;
          const float* window = receptive_field(g, x + b * image_floats, oh, ow, patch, &row_floats, f_h, f_w, in_c);
          load_wide(&gradient, dy + at);
          if (y != NULL) {
            load_wide(&output, y + at);
            gradient = (wide_block)((wide_int)gradient & ((wide_int)output > 0));
          }
          if (bias_sums != NULL) bias_sum += __builtin_convertvector(gradient, wide_double);
          for (int64_t fh = 0; fh < f_h; fh++)
            for (int64_t i = 0; i < f_w * in_c; i++)
              sums[fh * f_w * in_c + i] += window[fh * row_floats + i] * gradient;
        }
      }
    }
    for (int64_t t = 0; t < k; t++) store_wide(dfilter + t * out_c + j, &sums[t]);
    if (bias_sums != NULL) memcpy(bias_sums + j, &bias_sum, sizeof bias_sum);
  }
}

VECTOR_CLONES static void direct_grad(const conv_geometry* g, const float* x, int64_t images, const float* y,
                                      const float* dy, float* dfilter, double* bias_sums) {
  if (g->f_h == 3 && g->f_w == 3 && g->in_c == 1) direct_grad_of(g, x, images, y, dy, dfilter, bias_sums, 3, 3, 1);
  else direct_grad_of(g, x, images, y, dy, dfilter, bias_sums, g->f_h, g->f_w, g->in_c);
}

typedef struct {
  const conv_geometry* g;
  const float* x;
  const float* filter;
  const float* bias;
  float* out;
  int64_t activation, step;
} forward_job;

static void forward_images(void* context, int64_t begin, int64_t end, int slot, int64_t unit) {
  (void)unit;
  const forward_job* job = (const forward_job*)context;
  const conv_geometry* g = job->g;
  const int64_t k = patch_size(g), pixels = out_pixels(g);
  float* cols = is_pointwise(g) ? NULL : columns_scratch[slot].data;
  for (int64_t first = begin; first < end; first += job->step) {
    const int64_t images = first + job->step <= end ? job->step : end - first;
    const int64_t rows = images * pixels;
    const float* input = job->x + first * g->in_h * g->in_w * g->in_c;
    float* target = job->out + first * pixels * g->out_c;
    if (is_direct(g)) {
      direct_forward(g, input, images, job->filter, job->bias, target, job->activation == ACTIVATION_RELU);
      continue;
    }
    if (cols != NULL) im2col(g, input, images, cols);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows, (int)g->out_c, (int)k, 1.0f,
                cols != NULL ? cols : input, (int)k, job->filter, (int)g->out_c, 0.0f, target, (int)g->out_c);
    add_bias_relu(target, job->bias, rows, g->out_c, job->activation == ACTIVATION_RELU);
  }
}

/*
 * conv2d(heap, batch, inH, inW, inC, outH, outW, outC, fH, fW, strideH, strideW, padTop, padLeft,
 *        xOffset, filterOffset, biasOffset, outOffset, activation, threads)
 * out = activation(conv(x, filter) + bias); biasOffset < 0: no bias; activation 0 linear, 1 relu.
 */
napi_value conv2d_forward(napi_env env, napi_callback_info info) {
  const char* name = "conv2d";
  call_arguments args;
  conv_geometry g;
  if (!decode_arguments(env, info, name, 19, &args)) return NULL;
  const int64_t* v = args.values;
  const int64_t activation = v[17];
  request_threads(v[18]);
  if (!read_geometry(v, &g) || activation < ACTIVATION_LINEAR || activation > ACTIVATION_RELU)
    return throw_message(env, name, "invalid geometry");
  const int64_t k = patch_size(&g), pixels = out_pixels(&g);
  const float* x = heap_floats(&args, v[13], g.batch * g.in_h * g.in_w * g.in_c);
  const float* filter = heap_floats(&args, v[14], k * g.out_c);
  const float* bias = v[15] < 0 ? NULL : heap_floats(&args, v[15], g.out_c);
  float* out = heap_floats(&args, v[16], g.batch * pixels * g.out_c);
  if (!x || !filter || !out || (v[15] >= 0 && !bias)) return throw_message(env, name, "a tensor lies outside the heap");

  const int64_t step = chunk_images(&g);
  if (!is_pointwise(&g) && !is_direct(&g)) {
    for (int slot = 0; slot < conv_threads(); slot++)
      if (scratch_floats(&columns_scratch[slot], (size_t)(step * pixels * k)) == NULL)
        return throw_message(env, name, "out of memory");
  }
  forward_job job = {&g, x, filter, bias, out, activation, step};
  split_images(forward_images, &job, g.batch, step);
  return NULL;
}

/*
 * out = dy where y > 0, else 0 (relu's gradient), on the bits: a float above +0 is a positive
 * int32, and an integer mask vectorizes where gcc keeps a float select as a branch.
 */
VECTOR_CLONES static void relu_mask(const float* restrict y, const float* restrict dy, float* restrict out, int64_t count) {
  const int32_t* restrict y_bits = (const int32_t*)y;
  const int32_t* restrict dy_bits = (const int32_t*)dy;
  int32_t* restrict out_bits = (int32_t*)out;
  for (int64_t i = 0; i < count; i++) out_bits[i] = dy_bits[i] & -(int32_t)(y_bits[i] > 0);
}

/* sums[column] += the column sums of values[rows, columns], in double, row by row. */
VECTOR_CLONES static void add_column_sums(double* restrict sums, const float* restrict values, int64_t rows,
                                          int64_t columns) {
  for (int64_t row = 0; row < rows; row++, values += columns)
    for (int64_t i = 0; i < columns; i++) sums[i] += values[i];
}

typedef struct {
  const conv_geometry* g;
  const float* x;
  const float* filter;
  const float* y;         /* the forward output, for relu's mask (NULL: linear) */
  const float* dy;
  float* dz;              /* dy masked by relu (each worker writes its images' rows) */
  double* bias_sums;      /* per work unit: column sums of its dz (NULL: no bias gradient) */
  float* dfilter;         /* per work unit: its filter gradient (NULL: none wanted) */
  float* dx;              /* NULL: no input gradient */
  int64_t step;
} grad_job;

/* Whether grad_images takes direct_grad's one pass: a small patch, the filter gradient, no dx. */
static int direct_gradients(const conv_geometry* g, int want_filter, int want_input) {
  return is_direct(g) && want_filter && !want_input;
}

static void grad_images(void* context, int64_t begin, int64_t end, int slot, int64_t unit) {
  const grad_job* job = (const grad_job*)context;
  const conv_geometry* g = job->g;
  const int64_t k = patch_size(g), pixels = out_pixels(g), image_floats = g->in_h * g->in_w * g->in_c;
  const int pointwise = is_pointwise(g), direct = direct_gradients(g, job->dfilter != NULL, job->dx != NULL);
  float* cols = pointwise ? NULL : columns_scratch[slot].data;
  float* dcols = pointwise ? NULL : column_grads_scratch[slot].data;
  float* dfilter = job->dfilter != NULL ? job->dfilter + unit * k * g->out_c : NULL;
  double* sums = job->bias_sums != NULL ? job->bias_sums + unit * g->out_c : NULL;
  if (sums != NULL) memset(sums, 0, (size_t)g->out_c * sizeof(double));
  for (int64_t first = begin; first < end; first += job->step) {
    const int64_t images = first + job->step <= end ? job->step : end - first;
    const int64_t rows = images * pixels;
    const float* dz_chunk = job->dy + first * pixels * g->out_c;
    if (direct) {
      if (first == begin) memset(dfilter, 0, (size_t)(k * g->out_c) * sizeof(float));
      direct_grad(g, job->x + first * image_floats, images, job->y ? job->y + first * pixels * g->out_c : NULL, dz_chunk,
                  dfilter, sums);
      continue;
    }
    if (job->y != NULL) {
      float* masked = job->dz + first * pixels * g->out_c;
      relu_mask(job->y + first * pixels * g->out_c, dz_chunk, masked, rows * g->out_c);
      dz_chunk = masked;
    }
    if (sums != NULL) add_column_sums(sums, dz_chunk, rows, g->out_c);
    if (job->dfilter != NULL) {
      const float* input = job->x + first * image_floats;
      if (!pointwise) im2col(g, input, images, cols);
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)k, (int)g->out_c, (int)rows, 1.0f,
                  pointwise ? input : cols, (int)k, dz_chunk, (int)g->out_c, first == begin ? 0.0f : 1.0f, dfilter,
                  (int)g->out_c);
    }
    if (job->dx != NULL) {
      float* target = pointwise ? job->dx + first * image_floats : dcols;
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)rows, (int)k, (int)g->out_c, 1.0f, dz_chunk,
                  (int)g->out_c, job->filter, (int)g->out_c, 0.0f, target, (int)k);
      if (!pointwise) col2im(g, dcols, images, job->dx + first * image_floats);
    }
  }
}

/*
 * conv2dGrad(heap, batch, inH, inW, inC, outH, outW, outC, fH, fW, strideH, strideW, padTop, padLeft,
 *            xOffset, filterOffset, yOffset, dyOffset, dFilterOffset, dBiasOffset, dxOffset, activation,
 *            threads)
 * The gradients of out = activation(conv(x, filter) + bias) from dy: dz = dy (linear) or
 * dy * (y > 0) (relu, y the forward output), dFilter = cols(x)^T dz, dBias = column sums of dz,
 * dx = col2im(dz filter^T). Any of dFilter, dBias, dx may be absent (offset < 0); x is needed
 * for dFilter, the filter for dx, y for relu.
 */
napi_value conv2d_grad(napi_env env, napi_callback_info info) {
  const char* name = "conv2dGrad";
  call_arguments args;
  conv_geometry g;
  if (!decode_arguments(env, info, name, 22, &args)) return NULL;
  const int64_t* v = args.values;
  const int64_t activation = v[20];
  request_threads(v[21]);
  if (!read_geometry(v, &g) || activation < ACTIVATION_LINEAR || activation > ACTIVATION_RELU)
    return throw_message(env, name, "invalid geometry");
  const int64_t k = patch_size(&g), pixels = out_pixels(&g);
  const int64_t in_count = g.batch * g.in_h * g.in_w * g.in_c, out_count = g.batch * pixels * g.out_c;
  const int want_filter = v[17] >= 0, want_bias = v[18] >= 0, want_input = v[19] >= 0;
  const float* x = want_filter ? heap_floats(&args, v[13], in_count) : NULL;
  const float* filter = want_input ? heap_floats(&args, v[14], k * g.out_c) : NULL;
  const float* y = activation == ACTIVATION_RELU ? heap_floats(&args, v[15], out_count) : NULL;
  const float* dy = heap_floats(&args, v[16], out_count);
  float* dfilter = want_filter ? heap_floats(&args, v[17], k * g.out_c) : NULL;
  float* dbias = want_bias ? heap_floats(&args, v[18], g.out_c) : NULL;
  float* dx = want_input ? heap_floats(&args, v[19], in_count) : NULL;
  if (!dy || (want_filter && (!x || !dfilter)) || (want_bias && !dbias) || (want_input && (!filter || !dx)) ||
      (activation == ACTIVATION_RELU && !y))
    return throw_message(env, name, "a tensor lies outside the heap");

  const int pointwise = is_pointwise(&g);
  const int64_t step = chunk_images(&g), units = work_units(g.batch, step);
  const int workers = units > 1 ? 2 : 1;
  for (int slot = 0; slot < workers && !pointwise; slot++) {
    if ((want_filter && !direct_gradients(&g, want_filter, want_input) &&
         scratch_floats(&columns_scratch[slot], (size_t)(step * pixels * k)) == NULL) ||
        (want_input && scratch_floats(&column_grads_scratch[slot], (size_t)(step * pixels * k)) == NULL))
      return throw_message(env, name, "out of memory");
  }
  float* dz = NULL;
  if (activation == ACTIVATION_RELU && !direct_gradients(&g, want_filter, want_input) &&
      (dz = scratch_floats(&dz_scratch, (size_t)out_count)) == NULL)
    return throw_message(env, name, "out of memory");
  /* doubles in a float scratch buffer: realloc'd memory is aligned for any type */
  double* bias_sums = want_bias ? (double*)scratch_floats(&bias_sums_scratch, (size_t)(2 * units * g.out_c)) : NULL;
  float* unit_dfilters = units > 1 ? scratch_floats(&filter_grads_scratch, (size_t)(units * k * g.out_c)) : dfilter;
  if ((want_bias && bias_sums == NULL) || (want_filter && unit_dfilters == NULL))
    return throw_message(env, name, "out of memory");
  if (want_input && !pointwise) memset(dx, 0, (size_t)in_count * sizeof(float));
  grad_job job = {&g, x, filter, y, dy, dz, bias_sums, want_filter ? unit_dfilters : NULL, want_input ? dx : NULL, step};
  split_images(grad_images, &job, g.batch, step);
  /* The units' sums in unit order: the same result whichever worker ran which unit. */
  if (want_filter && units > 1) {
    const int64_t count = k * g.out_c;
    memcpy(dfilter, unit_dfilters, (size_t)count * sizeof(float));
    for (int64_t unit = 1; unit < units; unit++)
      for (int64_t i = 0; i < count; i++) dfilter[i] += unit_dfilters[unit * count + i];
  }
  if (want_bias) {
    for (int64_t co = 0; co < g.out_c; co++) {
      double sum = 0.0;
      for (int64_t unit = 0; unit < units; unit++) sum += bias_sums[unit * g.out_c + co];
      dbias[co] = (float)sum;
    }
  }
  return NULL;
}

typedef struct {
  int64_t batch, in_h, in_w, channels, out_h, out_w, pool_h, pool_w, stride_h, stride_w, pad_top, pad_left;
} pool_geometry;

static int read_pool_geometry(const int64_t* v, pool_geometry* g) {
  *g = (pool_geometry){v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11]};
  const int64_t limit = 1 << 24;
  const int64_t dims[] = {g->batch, g->in_h, g->in_w, g->channels, g->out_h, g->out_w,
                          g->pool_h, g->pool_w, g->stride_h, g->stride_w};
  for (size_t i = 0; i < sizeof dims / sizeof dims[0]; i++)
    if (dims[i] < 1 || dims[i] > limit) return 0;
  if (g->pad_top < 0 || g->pad_left < 0 || g->pad_top >= g->pool_h || g->pad_left >= g->pool_w) return 0;
  return (g->out_h - 1) * g->stride_h < g->in_h + g->pad_top && (g->out_w - 1) * g->stride_w < g->in_w + g->pad_left;
}

/* Window rows [*start, *end) of the input for output row `o` (clipped to the input). */
static void window_span(int64_t o, int64_t stride, int64_t pad, int64_t size, int64_t limit, int64_t* start,
                        int64_t* end) {
  int64_t first = o * stride - pad;
  int64_t last = first + size;
  *start = first < 0 ? 0 : first;
  *end = last > limit ? limit : last;
}

/* Per worker: the running maximum of a window's channels and where each came from. */
static scratch best_scratch[2], argmax_scratch[2];

/*
 * best[i] = the largest of channel i over the window rows [h0, h1) x columns [w0, w1); with
 * argmax, also the pixel it came from. The window's first pixel starts the search (so NaN
 * windows route there); later pixels win only when strictly larger: ties go to the first.
 * Local restrict pointers let the compiler vectorize (node-gyp builds with -fno-strict-aliasing).
 */
static void window_max(const float* restrict image, int64_t in_w, int64_t c, int64_t h0, int64_t h1, int64_t w0,
                       int64_t w1, float* restrict best, int32_t* restrict argmax) {
  const int32_t start = (int32_t)(h0 * in_w + w0);
  const float* first = image + (int64_t)start * c;
  for (int64_t i = 0; i < c; i++) best[i] = first[i];
  if (argmax != NULL)
    for (int64_t i = 0; i < c; i++) argmax[i] = start;
  for (int64_t ih = h0; ih < h1; ih++) {
    for (int64_t iw = ih == h0 ? w0 + 1 : w0; iw < w1; iw++) {
      const int32_t pixel = (int32_t)(ih * in_w + iw);
      const float* restrict values = image + (int64_t)pixel * c;
      if (argmax == NULL) {
        for (int64_t i = 0; i < c; i++) best[i] = values[i] > best[i] ? values[i] : best[i];
        continue;
      }
      for (int64_t i = 0; i < c; i++) {
        /* Select by mask, not by branch: random data would mispredict half of the branches. */
        const int32_t mask = -(int32_t)(values[i] > best[i]);
        argmax[i] = (argmax[i] & ~mask) | (pixel & mask);
        best[i] = values[i] > best[i] ? values[i] : best[i];
      }
    }
  }
}

/* Windows that tile the input (stride = window, all inside it): each pixel lies in at most one. */
static int pool_tiles(const pool_geometry* g) {
  return g->stride_h == g->pool_h && g->stride_w == g->pool_w && g->pad_top == 0 && g->pad_left == 0 &&
         g->out_h * g->pool_h <= g->in_h && g->out_w * g->pool_w <= g->in_w;
}

/*
 * One tiling window's BLOCK channels from `corner` (its first pixel; rows `row_floats`
 * apart), as window_max searches them: the first pixel starts, later ones win only when
 * strictly larger. Forward (dx NULL): the maxima into out. Backward: dy into dx at each
 * channel's maximum (0 + dy, as adding onto zeros gave), zero at the window's other pixels.
 * pool_h, pool_w are the geometry's; passed as constants, the window loops unroll.
 */
static inline __attribute__((always_inline)) void pool_block(const pool_geometry* g, int64_t row_floats,
                                                             const float* corner, float* out, const float* dy,
                                                             float* dx, const int64_t pool_h, const int64_t pool_w) {
  const int64_t c = g->channels;
  float_block best, values;
  load_block(&best, corner);
  int_block argmax = {0};
  int32_t p = 0;
  for (int64_t fh = 0; fh < pool_h; fh++) {
    for (int64_t fw = fh == 0 ? 1 : 0; fw < pool_w; fw++) {
      load_block(&values, corner + fh * row_floats + fw * c);
      /* C has no ?: on vectors: select by the comparison mask's bits */
      const int_block larger = values > best;
      p++;
      if (dx != NULL) argmax = (argmax & ~larger) | (p & larger);
      best = (float_block)(((int_block)values & larger) | ((int_block)best & ~larger));
    }
  }
  if (dx == NULL) {
    store_block(out, &best);
    return;
  }
  float_block routed;
  load_block(&routed, dy);
  routed += 0.0f;
  p = 0;
  for (int64_t fh = 0; fh < pool_h; fh++) {
    for (int64_t fw = 0; fw < pool_w; fw++, p++) {
      const float_block target = (float_block)((int_block)routed & (argmax == p));
      store_block(dx + fh * row_floats + fw * c, &target);
    }
  }
}

/* pool_block for the last `width` (< BLOCK) channels, one at a time. */
static void pool_channels(const pool_geometry* g, int64_t row_floats, const float* corner, float* out,
                          const float* dy, float* dx, int64_t width) {
  const int64_t c = g->channels;
  for (int64_t i = 0; i < width; i++) {
    float best = corner[i];
    int32_t argmax = 0, p = 0;
    for (int64_t fh = 0; fh < g->pool_h; fh++) {
      for (int64_t fw = fh == 0 ? 1 : 0; fw < g->pool_w; fw++) {
        const float value = corner[fh * row_floats + fw * c + i];
        p++;
        if (value > best) best = value, argmax = p;
      }
    }
    if (dx == NULL) {
      out[i] = best;
      continue;
    }
    p = 0;
    for (int64_t fh = 0; fh < g->pool_h; fh++)
      for (int64_t fw = 0; fw < g->pool_w; fw++, p++) dx[fh * row_floats + fw * c + i] = argmax == p ? 0.0f + dy[i] : 0.0f;
  }
}

/*
 * pool_images for tiling windows, one image: window_max's search in the same pixel order (so the
 * same maxima and routing), but dx is written once per pixel instead of zeroed and added to,
 * and the pixels no window covers are zeroed.
 */
static inline __attribute__((always_inline)) void pool_tiles_of(const pool_geometry* g, const float* image,
                                                                float* out, const float* dy, float* dx,
                                                                const int64_t pool_h, const int64_t pool_w) {
  const int64_t c = g->channels, row_floats = g->in_w * c, covered_floats = g->out_w * pool_w * c;
  for (int64_t oh = 0; oh < g->out_h; oh++) {
    for (int64_t ow = 0; ow < g->out_w; ow++) {
      const int64_t in_base = oh * pool_h * row_floats + ow * pool_w * c, out_base = (oh * g->out_w + ow) * c;
      const float* corner = image + in_base;
      float* window_out = out != NULL ? out + out_base : NULL;
      const float* window_dy = dy != NULL ? dy + out_base : NULL;
      float* window_dx = dx != NULL ? dx + in_base : NULL;
      int64_t i = 0;
      for (; i + BLOCK <= c; i += BLOCK)
        pool_block(g, row_floats, corner + i, window_out ? window_out + i : NULL, window_dy ? window_dy + i : NULL,
                   window_dx ? window_dx + i : NULL, pool_h, pool_w);
      if (i < c)
        pool_channels(g, row_floats, corner + i, window_out ? window_out + i : NULL, window_dy ? window_dy + i : NULL,
                      window_dx ? window_dx + i : NULL, c - i);
    }
    for (int64_t fh = 0; dx != NULL && covered_floats < row_floats && fh < pool_h; fh++)
      memset(dx + (oh * pool_h + fh) * row_floats + covered_floats, 0,
             (size_t)(row_floats - covered_floats) * sizeof(float));
  }
  if (dx != NULL && g->out_h * pool_h < g->in_h)
    memset(dx + g->out_h * pool_h * row_floats, 0, (size_t)((g->in_h - g->out_h * pool_h) * row_floats) * sizeof(float));
}

/* pool_tiles_of with 2x2 windows (the presets' pools) unrolled. */
VECTOR_CLONES static void pool_tiled_image(const pool_geometry* g, const float* image, float* out, const float* dy,
                                           float* dx) {
  /* dx NULL (forward) spelled out too, so the forward loops drop the argmax */
  if (g->pool_h == 2 && g->pool_w == 2 && dx == NULL) pool_tiles_of(g, image, out, NULL, NULL, 2, 2);
  else if (g->pool_h == 2 && g->pool_w == 2) pool_tiles_of(g, image, NULL, dy, dx, 2, 2);
  else pool_tiles_of(g, image, out, dy, dx, g->pool_h, g->pool_w);
}

typedef struct {
  const pool_geometry* g;
  const float* x;
  float* out;
  const float* dy;
  float* dx;
} pool_job;

/* The windows of images [begin, end): their maxima (out), or dy routed to them (dx). */
static void pool_images(void* context, int64_t begin, int64_t end, int slot, int64_t unit) {
  (void)unit;
  const pool_job* job = (const pool_job*)context;
  const pool_geometry* g = job->g;
  const int64_t c = g->channels, image_floats = g->in_h * g->in_w * c;
  if (pool_tiles(g)) {
    const int64_t out_floats = g->out_h * g->out_w * c;
    for (int64_t b = begin; b < end; b++)
      pool_tiled_image(g, job->x + b * image_floats, job->out != NULL ? job->out + b * out_floats : NULL,
                       job->dy != NULL ? job->dy + b * out_floats : NULL,
                       job->dx != NULL ? job->dx + b * image_floats : NULL);
    return;
  }
  float* best = best_scratch[slot].data;
  int32_t* restrict argmax = job->dx != NULL ? (int32_t*)argmax_scratch[slot].data : NULL;
  if (job->dx != NULL) memset(job->dx + begin * image_floats, 0, (size_t)((end - begin) * image_floats) * sizeof(float));
  for (int64_t b = begin; b < end; b++) {
    const float* image = job->x + b * image_floats;
    for (int64_t oh = 0; oh < g->out_h; oh++) {
      int64_t h0, h1, w0, w1;
      window_span(oh, g->stride_h, g->pad_top, g->pool_h, g->in_h, &h0, &h1);
      for (int64_t ow = 0; ow < g->out_w; ow++) {
        window_span(ow, g->stride_w, g->pad_left, g->pool_w, g->in_w, &w0, &w1);
        const int64_t out_base = ((b * g->out_h + oh) * g->out_w + ow) * c;
        window_max(image, g->in_w, c, h0, h1, w0, w1, best, argmax);
        if (job->out != NULL) {
          memcpy(job->out + out_base, best, (size_t)c * sizeof(float));
        } else {
          float* image_dx = job->dx + b * image_floats;
          for (int64_t i = 0; i < c; i++) image_dx[(int64_t)argmax[i] * c + i] += job->dy[out_base + i];
        }
      }
    }
  }
}

/*
 * maxPool(heap, batch, inH, inW, channels, outH, outW, poolH, poolW, strideH, strideW, padTop, padLeft,
 *         xOffset, outOffset, dyOffset, dxOffset, threads)
 * With outOffset >= 0: out = the maximum of each window (padding ignored). With dxOffset >= 0:
 * dx = dy routed to each window's first maximum (row-major window order), the others zero.
 * threads 2: the images in two halves, the second on another thread.
 */
napi_value max_pool(napi_env env, napi_callback_info info) {
  const char* name = "maxPool";
  call_arguments args;
  pool_geometry g;
  if (!decode_arguments(env, info, name, 17, &args)) return NULL;
  const int64_t* v = args.values;
  if (!read_pool_geometry(v, &g)) return throw_message(env, name, "invalid geometry");
  request_threads(v[16]);
  const int64_t c = g.channels;
  const int64_t in_count = g.batch * g.in_h * g.in_w * c, out_count = g.batch * g.out_h * g.out_w * c;
  const int forward = v[13] >= 0, backward = v[15] >= 0;
  const float* x = heap_floats(&args, v[12], in_count);
  float* out = forward ? heap_floats(&args, v[13], out_count) : NULL;
  const float* dy = backward ? heap_floats(&args, v[14], out_count) : NULL;
  float* dx = backward ? heap_floats(&args, v[15], in_count) : NULL;
  if (!x || (forward && !out) || (backward && (!dy || !dx)) || forward == backward)
    return throw_message(env, name, "a tensor lies outside the heap");
  for (int slot = 0; slot < conv_threads(); slot++) {
    /* int32 argmax entries in a float scratch buffer (same size) */
    if (scratch_floats(&best_scratch[slot], (size_t)c) == NULL ||
        (backward && scratch_floats(&argmax_scratch[slot], (size_t)c) == NULL))
      return throw_message(env, name, "out of memory");
  }
  pool_job job = {&g, x, out, dy, dx};
  split_images(pool_images, &job, g.batch, 2);
  return NULL;
}

/* The update in place: four distinct arrays (the caller checks), so restrict holds and it vectorizes. */
static void adam_in_place(int64_t count, float* restrict value, float* restrict first, float* restrict second,
                          const float* restrict gradient, const float* scalars) {
  const float beta1 = scalars[0], one_minus_beta1 = scalars[1], beta2 = scalars[2], one_minus_beta2 = scalars[3];
  const float one_minus_acc1 = scalars[4], one_minus_acc2 = scalars[5], epsilon = scalars[6], step = scalars[7];
  for (int64_t i = 0; i < count; i++) {
    const float g = gradient[i];
    const float m = first[i] * beta1 + g * one_minus_beta1;
    const float s = second[i] * beta2 + (g * g) * one_minus_beta2;
    value[i] = ((m / one_minus_acc1) / (sqrtf(s / one_minus_acc2) + epsilon)) * step + value[i];
    first[i] = m;
    second[i] = s;
  }
}

/* The update of adamStep below into other arrays. */
static void adam_update(int64_t count, const float* value, const float* first, const float* second,
                        const float* gradient, float* new_value, float* new_first, float* new_second,
                        const float* scalars) {
  const float beta1 = scalars[0], one_minus_beta1 = scalars[1], beta2 = scalars[2], one_minus_beta2 = scalars[3];
  const float one_minus_acc1 = scalars[4], one_minus_acc2 = scalars[5], epsilon = scalars[6], step = scalars[7];
  for (int64_t i = 0; i < count; i++) {
    const float g = gradient[i];
    const float m = first[i] * beta1 + g * one_minus_beta1;
    const float s = second[i] * beta2 + (g * g) * one_minus_beta2;
    const float corrected_m = m / one_minus_acc1;
    const float corrected_s = s / one_minus_acc2;
    const float updated = (corrected_m / (sqrtf(corrected_s) + epsilon)) * step + value[i];
    new_first[i] = m;
    new_second[i] = s;
    new_value[i] = updated;
  }
}

/*
 * adamStep(heap, count, valueOffset, firstOffset, secondOffset, gradientOffset, newValueOffset,
 *          newFirstOffset, newSecondOffset, beta1, oneMinusBeta1, beta2, oneMinusBeta2,
 *          oneMinusAccBeta1, oneMinusAccBeta2, epsilon, negativeLearningRate)
 * tf.AdamOptimizer's update in its float32 operations and order:
 *   m' = m * b1 + g * (1 - b1);  v' = v * b2 + g^2 * (1 - b2);
 *   value' = ((m' / (1 - acc1)) / (sqrt(v' / (1 - acc2)) + eps)) * -lr + value.
 * The new arrays may be the old ones (in place).
 */
napi_value adam_step(napi_env env, napi_callback_info info) {
  const char* name = "adamStep";
  call_arguments args;
  if (!decode_arguments(env, info, name, 16, &args)) return NULL;
  float scalars[8];
  for (int i = 0; i < 8; i++) scalars[i] = (float)args.reals[8 + i];
  const int64_t count = args.values[0];
  float* tensors[7];
  for (int i = 0; i < 7; i++) {
    tensors[i] = heap_floats(&args, args.values[i + 1], count);
    if (tensors[i] == NULL) return throw_message(env, name, "a tensor lies outside the heap");
  }
  const int in_place = tensors[4] == tensors[0] && tensors[5] == tensors[1] && tensors[6] == tensors[2];
  const int distinct = tensors[0] != tensors[1] && tensors[0] != tensors[2] && tensors[1] != tensors[2] &&
                       tensors[3] != tensors[0] && tensors[3] != tensors[1] && tensors[3] != tensors[2];
  if (in_place && distinct) adam_in_place(count, tensors[0], tensors[1], tensors[2], tensors[3], scalars);
  else adam_update(count, tensors[0], tensors[1], tensors[2], tensors[3], tensors[4], tensors[5], tensors[6], scalars);
  return NULL;
}
