/** Prints the backend the engine picks in a fresh process (tests run it with different env). */
import { initBackend } from '../backend';
import { toErrorPayload } from '../../shared/errors';

try {
  console.log(JSON.stringify({ ok: true, info: await initBackend() }));
} catch (error) {
  console.log(JSON.stringify({ ok: false, error: toErrorPayload(error) }));
}
