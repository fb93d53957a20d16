/**
 * The engine as a process: requests in, responses and events out. Runs under Electron's
 * utilityProcess (process.parentPort) or as a Node child process (process.send) alike.
 * Every incoming message is validated; a bad one gets an error response, never a crash.
 */
import { requestId, requestSchema, type EngineOutput } from '../shared/contract';
import { StudioError, toErrorPayload } from '../shared/errors';
import { sweepPartials } from './atomic-file';
import { Engine } from './engine';

interface ParentPort {
  on(event: 'message', listener: (message: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}

function connect(): { send: (output: EngineOutput) => void; onMessage: (listener: (data: unknown) => void) => void } {
  const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;
  if (parentPort) {
    return {
      send: (output) => parentPort.postMessage(output),
      onMessage: (listener) => parentPort.on('message', (message) => listener(message.data)),
    };
  }
  if (process.send) {
    return {
      send: (output) => process.send?.(output),
      onMessage: (listener) => process.on('message', listener),
    };
  }
  throw new Error('The engine process must be started by MNIST Studio (no parent port or IPC channel).');
}

const engine = new Engine();
const channel = connect();

engine.onEvent((event) => channel.send({ type: 'event', event }));
// What interrupted saves left goes before any request runs, so no new save is swept half-written.
const swept = Promise.all([
  engine.savedModels.sweepPartials(),
  engine.sweepRecords.sweepPartials(),
  sweepPartials(engine.runs.directory),
  sweepPartials(engine.drawings.directory),
]).catch(() => undefined);

channel.onMessage(async (data) => {
  const parsed = requestSchema.safeParse(data);
  if (!parsed.success) {
    const id = requestId(data);
    const error = new StudioError('INVALID_MESSAGE', 'The engine received a malformed request and ignored it.');
    channel.send({ type: 'response', response: { id, ok: false, error: toErrorPayload(error) } });
    return;
  }
  const { id, method, params } = parsed.data;
  await swept;
  try {
    const result = await engine.handle(method, params);
    channel.send({ type: 'response', response: { id, ok: true, result } });
  } catch (error) {
    channel.send({ type: 'response', response: { id, ok: false, error: toErrorPayload(error) } });
  }
});

await swept;
channel.send({ type: 'event', event: { kind: 'engine.status', state: 'ready' } });
