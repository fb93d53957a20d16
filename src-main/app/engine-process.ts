/** The engine in an Electron utilityProcess, seen through the EngineChannel that EngineClient supervises. */
import { utilityProcess } from 'electron';
import type { EngineChannel } from '../supervisor/engine-client';

/**
 * The engine inherits main's environment, so MNIST_STUDIO_HOME (or the default
 * ~/.config/mnist-studio) is the same data home the browser host and the CLI use.
 */
export function forkUtilityEngine(enginePath: string): EngineChannel {
  const child = utilityProcess.fork(enginePath, [], { serviceName: 'MNIST Studio engine', stdio: 'inherit' });
  return {
    get pid() {
      return child.pid;
    },
    send: (message) => child.postMessage(message),
    onMessage: (listener) => child.on('message', listener),
    onExit: (listener) => child.on('exit', (code) => listener(code)),
    kill: () => child.kill(),
  };
}
