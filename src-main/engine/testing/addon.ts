/**
 * The OpenBLAS addon for tests. Where it is not built the addon's tests are skipped with the
 * reason (printed once); with MNIST_STUDIO_EXPECT_ADDON=1 (CI, where OpenBLAS is installed)
 * they run anyway and fail with that reason.
 */
import type { NativeAddon } from '../accel/addon';
import { loadAddon } from '../accel/addon-loader';
import { accelConfigFromEnvironment, addonExpected, DEFAULT_ACCEL_CONFIG, type AccelConfig } from '../accel/config';

/** The default switches (whatever the environment says), but the addon file the environment may name. */
export const TEST_ACCEL_CONFIG: AccelConfig = {
  ...DEFAULT_ACCEL_CONFIG,
  addonPath: accelConfigFromEnvironment().addonPath,
};

const load = loadAddon(TEST_ACCEL_CONFIG);
const expected = addonExpected();

/** Why the addon's tests are skipped, or false when they run (the addon loaded, or it is expected). */
export const addonSkipReason: string | false = load.addon || expected ? false : `skipped: ${load.reason}`;
if (addonSkipReason) console.info(`OpenBLAS addon tests ${addonSkipReason}`);

/** The addon; throws the reason it cannot load (only reached when it was expected). */
export function testAddon(): NativeAddon {
  if (load.addon) return load.addon;
  throw new Error(`MNIST_STUDIO_EXPECT_ADDON=1 but ${load.reason}`);
}
