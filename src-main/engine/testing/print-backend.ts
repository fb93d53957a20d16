/** Prints the backend the engine picks in a fresh process (tests run it with different env). */
import { initBackend } from '../backend';
import { toErrorPayload } from '../../shared/errors';

try {
  // --twice: two callers at the same moment, as when engine.info and model.fit arrive together.
  const calls = process.argv.includes('--twice') ? [initBackend(), initBackend()] : [initBackend()];
  const [info, ...others] = await Promise.all(calls);
  console.log(JSON.stringify({ ok: true, info, sameForAll: others.every((other) => other === info) }));
} catch (error) {
  console.log(JSON.stringify({ ok: false, error: toErrorPayload(error) }));
}
