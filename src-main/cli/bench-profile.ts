/**
 * `npx tsx src-main/cli/bench-profile.ts`: where one training step's time goes on the engine's
 * backend. Counts kernel calls per step and the time inside each kernel (wrapping every kernel
 * registered for the backend), then the step time without the wrappers. `--compare VAR`
 * alternates runs with the switch VAR=0 and as the environment has it (best of --rounds each,
 * wall and CPU time per step), for A/B tests of an acceleration within one process (the
 * switches are listed in src-main/engine/accel/config.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { Command } from 'commander';
import { ACCEL_OFF_SWITCHES, accelConfigFromEnvironment } from '../engine/accel';
import { accelerateWasm, initBackend } from '../engine/backend';
import { loadDataset } from '../engine/dataset';
import { buildModel } from '../engine/model';
import { train } from '../engine/train';
import { fail, integerOption, runCli } from './common';
import { PRESET_IDS, specFromOptions } from './model-option';

const options = new Command('bench-profile')
  .option('--samples <n>', 'training images per measurement', integerOption, 20000)
  .option(
    '--compare <variables>',
    'alternate runs with these switches (comma-separated) =0 and as the environment has them',
  )
  .option('--rounds <n>', 'rounds for --compare', integerOption, 5)
  .option('--preset <id>', `profile a preset of the Model view (${PRESET_IDS.join(', ')}) instead of the Keras example`)
  .parse()
  .opts<{ samples: number; compare?: string; rounds: number; preset?: string }>();

await runCli(async () => {
  const backend = await initBackend();
  const dataset = await loadDataset();
  const spec = await specFromOptions({ preset: options.preset, units: 512 });
  const run = async () => {
    const model = buildModel(spec, 42);
    const result = await train(model, spec, dataset.train, {
      epochs: 1,
      batchSize: 32,
      validationSplit: 0,
      shuffle: true,
      seed: 42,
      trainLimit: options.samples,
    });
    model.optimizer.dispose();
    model.dispose();
    return result;
  };
  const steps = Math.ceil(options.samples / 32);
  await run();
  if (options.compare) {
    const variables = options.compare.split(',').map((name) => name.trim());
    const unknown = variables.filter((name) => !(ACCEL_OFF_SWITCHES as readonly string[]).includes(name));
    if (unknown.length > 0) fail(`--compare takes ${ACCEL_OFF_SWITCHES.join(', ')}; not ${unknown.join(', ')}.`);
    const best = { off: Infinity, on: Infinity, offCpu: Infinity, onCpu: Infinity };
    for (let round = 0; round < options.rounds; round++) {
      for (const setting of ['off', 'on'] as const) {
        const off = Object.fromEntries(variables.map((variable) => [variable, '0']));
        accelerateWasm(accelConfigFromEnvironment(setting === 'off' ? { ...process.env, ...off } : process.env));
        const cpu = process.cpuUsage();
        const result = await run();
        const used = process.cpuUsage(cpu);
        best[setting] = Math.min(best[setting], (result.seconds * 1000) / steps);
        const cpuKey = setting === 'off' ? 'offCpu' : 'onCpu';
        best[cpuKey] = Math.min(best[cpuKey], (used.user + used.system) / 1000 / steps);
      }
    }
    accelerateWasm(accelConfigFromEnvironment());
    console.log(
      `${variables.join('=0 ')}=0: ${best.off.toFixed(3)} ms/step (cpu ${best.offCpu.toFixed(3)}); on: ${best.on.toFixed(3)} ms/step (cpu ${best.onCpu.toFixed(3)}); on/off ${(best.on / best.off).toFixed(3)}`,
    );
    return;
  }
  const plain = await run();
  console.log(
    `${backend.name}: ${Math.round(plain.samplesPerSecond)} samples/s, ${((plain.seconds * 1000) / steps).toFixed(3)} ms/step`,
  );

  const stats = new Map<string, { calls: number; ms: number }>();
  const wrapped: tf.KernelConfig[] = [];
  for (const config of tf.getKernelsForBackend(backend.name)) {
    const inner = config.kernelFunc;
    const name = config.kernelName;
    tf.unregisterKernel(name, backend.name);
    tf.registerKernel({
      ...config,
      kernelFunc: ((args: Parameters<tf.KernelFunc>[0]) => {
        const started = performance.now();
        const out = inner(args);
        const entry = stats.get(name) ?? { calls: 0, ms: 0 };
        entry.calls++;
        entry.ms += performance.now() - started;
        stats.set(name, entry);
        return out;
      }) as tf.KernelFunc,
    });
    wrapped.push(config);
  }
  const profiled = await run();
  for (const config of wrapped) {
    tf.unregisterKernel(config.kernelName, backend.name);
    tf.registerKernel(config);
  }
  const rows = [...stats.entries()].sort((a, b) => b[1].ms - a[1].ms);
  let calls = 0;
  let ms = 0;
  for (const [name, entry] of rows) {
    calls += entry.calls;
    ms += entry.ms;
    console.log(
      `${name.padEnd(28)} ${(entry.calls / steps).toFixed(1).padStart(6)} calls/step ${((entry.ms * 1000) / steps).toFixed(1).padStart(8)} us/step`,
    );
  }
  const stepMs = (profiled.seconds * 1000) / steps;
  console.log(
    `kernels: ${(calls / steps).toFixed(1)} calls/step, ${((ms * 1000) / steps).toFixed(0)} us/step inside kernels; profiled step ${stepMs.toFixed(3)} ms`,
  );
});
