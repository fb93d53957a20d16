/** `npm run serve -- [--port N]`: MNIST Studio in a browser tab, on this machine only. */
import { Command, InvalidArgumentError } from 'commander';
import { startHost } from './server';

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new InvalidArgumentError('a port is a whole number from 0 to 65535.');
  return port;
}

const options = new Command('serve')
  .description('Serve MNIST Studio to a browser on 127.0.0.1, with a random access token.')
  .option('--port <n>', 'port to listen on (0 picks a free one)', parsePort, 0)
  .parse()
  .opts<{ port: number }>();

try {
  const host = await startHost({ port: options.port });
  console.log(`MNIST Studio is running at ${host.url}`);
  const shutdown = () => void host.close().then(() => process.exit(0));
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: string }).code;
  console.error(
    code === 'EADDRINUSE' ? `Port ${options.port} is already in use; choose another with --port.` : message,
  );
  process.exit(1);
}
