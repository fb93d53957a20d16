/**
 * Every environment switch of the engine's accelerations, read in one place, once: the backend
 * reads them when it starts (`accelConfigFromEnvironment`) and hands the result down; tests and
 * the benchmarks that compare settings build an `AccelConfig` themselves instead of changing
 * process.env while they run.
 *
 * | variable                       | values (default first)            | what it does                                                                 |
 * | ------------------------------ | --------------------------------- | ---------------------------------------------------------------------------- |
 * | MNIST_STUDIO_ACCEL             | best, wasm-transpose, none        | the wasm backend's speed-ups: all, no OpenBLAS addon, or tfjs' stock kernels |
 * | MNIST_STUDIO_NATIVE_KERNELS    | 1, 0                              | 0: never load the OpenBLAS addon (as if it were not built)                   |
 * | MNIST_STUDIO_FUSED_DENSE       | 1, 0                              | 0: Dense stacks train through model.apply instead of the fused Dense step    |
 * | MNIST_STUDIO_SPARSE            | 1, 0                              | 0: products never skip the inputs' zeros                                     |
 * | MNIST_STUDIO_HEAP_BATCH        | 1, 0                              | 0: batches are made in JavaScript and copied, not written onto the heap      |
 * | MNIST_STUDIO_RMSPROP_IN_PLACE  | 1, 0                              | 0: the native RMSprop update writes new tensors instead of updating in place |
 * | MNIST_STUDIO_CONV              | 1, 0                              | 0: conv/pool kernels and the Adam update stay tfjs' (no conv.ts, adam.ts)    |
 * | MNIST_STUDIO_FUSED_CONV        | 1, 0                              | 0: conv nets train through model.apply instead of the fused conv step        |
 * | MNIST_STUDIO_ADAM_IN_PLACE     | 1, 0                              | 0: the native Adam update writes new tensors instead of updating in place    |
 * | MNIST_STUDIO_CONV_THREADS      | 2, 1                              | conv kernels' workers (2: the images in halves, where there are two cores)   |
 * | MNIST_STUDIO_BLAS_THREADS      | 1, any count                      | OpenBLAS threads (more are slower at batch 32: they sleep between products)  |
 * | MNIST_STUDIO_BLAS_CORETYPE     | (detected), auto, a core name     | OpenBLAS kernel set; auto: OpenBLAS' own choice; else e.g. SkylakeX          |
 * | OPENBLAS_CORETYPE              | (unset), a core name              | OpenBLAS' own switch, respected when MNIST_STUDIO_BLAS_CORETYPE is unset     |
 * | MNIST_STUDIO_ACCEL_ADDON       | (the built one), a path           | the addon file to load before the usual places                               |
 * | MNIST_STUDIO_EXPECT_ADDON      | 0, 1                              | tests only: 1 makes the addon's tests fail, not skip, when it cannot load    |
 *
 * (MNIST_STUDIO_BACKEND, which backend runs, is read by backend.ts.)
 */

export type AccelerationMode = 'openblas' | 'wasm-transpose' | 'none';

export interface AccelConfig {
  /** MNIST_STUDIO_ACCEL: 'best' tries the addon, then transpose + XNNPACK. */
  mode: 'best' | 'wasm-transpose' | 'none';
  nativeKernels: boolean;
  fusedDense: boolean;
  sparse: boolean;
  heapBatch: boolean;
  rmspropInPlace: boolean;
  conv: boolean;
  fusedConv: boolean;
  adamInPlace: boolean;
  convThreads: number;
  blasThreads: number;
  /** MNIST_STUDIO_BLAS_CORETYPE as given ('auto' or a core name), undefined when unset. */
  blasCore: string | undefined;
  /** OPENBLAS_CORETYPE as the process was started with. */
  openblasCoreType: string | undefined;
  addonPath: string | undefined;
}

export const DEFAULT_ACCEL_CONFIG: AccelConfig = {
  mode: 'best',
  nativeKernels: true,
  fusedDense: true,
  sparse: true,
  heapBatch: true,
  rmspropInPlace: true,
  conv: true,
  fusedConv: true,
  adamInPlace: true,
  convThreads: 2,
  blasThreads: 1,
  blasCore: undefined,
  openblasCoreType: undefined,
  addonPath: undefined,
};

/** The switches that =0 turns off. */
export const ACCEL_OFF_SWITCHES = [
  'MNIST_STUDIO_NATIVE_KERNELS',
  'MNIST_STUDIO_FUSED_DENSE',
  'MNIST_STUDIO_SPARSE',
  'MNIST_STUDIO_HEAP_BATCH',
  'MNIST_STUDIO_RMSPROP_IN_PLACE',
  'MNIST_STUDIO_CONV',
  'MNIST_STUDIO_FUSED_CONV',
  'MNIST_STUDIO_ADAM_IN_PLACE',
] as const;

type Environment = Record<string, string | undefined>;

const switchedOff = (value: string | undefined) => value === '0';
const nonEmpty = (value: string | undefined) => (value ? value : undefined);

export function accelConfigFromEnvironment(env: Environment = process.env): AccelConfig {
  const threads = Number.parseInt(env.MNIST_STUDIO_BLAS_THREADS ?? '', 10);
  const mode = env.MNIST_STUDIO_ACCEL;
  return {
    mode: mode === 'none' || mode === 'wasm-transpose' ? mode : 'best',
    nativeKernels: !switchedOff(env.MNIST_STUDIO_NATIVE_KERNELS),
    fusedDense: !switchedOff(env.MNIST_STUDIO_FUSED_DENSE),
    sparse: !switchedOff(env.MNIST_STUDIO_SPARSE),
    heapBatch: !switchedOff(env.MNIST_STUDIO_HEAP_BATCH),
    rmspropInPlace: !switchedOff(env.MNIST_STUDIO_RMSPROP_IN_PLACE),
    conv: !switchedOff(env.MNIST_STUDIO_CONV),
    fusedConv: !switchedOff(env.MNIST_STUDIO_FUSED_CONV),
    adamInPlace: !switchedOff(env.MNIST_STUDIO_ADAM_IN_PLACE),
    convThreads: env.MNIST_STUDIO_CONV_THREADS === '1' ? 1 : DEFAULT_ACCEL_CONFIG.convThreads,
    blasThreads: Number.isFinite(threads) && threads > 0 ? threads : DEFAULT_ACCEL_CONFIG.blasThreads,
    blasCore: nonEmpty(env.MNIST_STUDIO_BLAS_CORETYPE),
    openblasCoreType: nonEmpty(env.OPENBLAS_CORETYPE),
    addonPath: nonEmpty(env.MNIST_STUDIO_ACCEL_ADDON),
  };
}

/** MNIST_STUDIO_EXPECT_ADDON=1 (CI on a machine with OpenBLAS): the addon's tests must run. */
export function addonExpected(env: Environment = process.env): boolean {
  return env.MNIST_STUDIO_EXPECT_ADDON === '1';
}
