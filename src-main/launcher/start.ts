/**
 * `npm start`: the Electron app when its runtime is installed; otherwise (an offline install,
 * where Electron could not download its binary) the browser host, announced in one line.
 */
import { spawn } from 'node:child_process';
import { electronExecutable, electronLaunchArgs } from './electron-binary';
import { PROJECT_ROOT, startHost } from '../host/server';

function launchElectron(executable: string): void {
  const env = { ...process.env };
  delete env.ELECTRON_RUN_AS_NODE;
  const child = spawn(executable, electronLaunchArgs(PROJECT_ROOT), { stdio: 'inherit', env });
  const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
  process.on('SIGINT', forward('SIGINT'));
  process.on('SIGTERM', forward('SIGTERM'));
  child.on('error', (error) => {
    console.error(`Could not start Electron (${executable}): ${error.message}`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

async function launchBrowserHost(): Promise<void> {
  console.log(
    'The Electron runtime is missing (Electron downloads it on first run and this install is offline); starting the browser host instead.',
  );
  try {
    const host = await startHost();
    console.log(`MNIST Studio is running at ${host.url}`);
    const shutdown = () => void host.close().then(() => process.exit(0));
    process.on('SIGINT', shutdown);
    process.on('SIGTERM', shutdown);
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  }
}

const executable = electronExecutable();
if (executable) launchElectron(executable);
else await launchBrowserHost();
