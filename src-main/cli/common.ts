/** What every command-line tool shares: option parsing helpers and one-line errors. */
import { InvalidArgumentError } from 'commander';
import { StudioError, toErrorPayload } from '../shared/errors';

export function integerOption(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new InvalidArgumentError('expected a whole number.');
  return parsed;
}

export function fail(message: string): never {
  throw new StudioError('INVALID_SETTINGS', message);
}

/** Runs a command; any error becomes one line on stderr and exit code 1, never a stack trace. */
export async function runCli(main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (error) {
    process.stderr.write(`Error: ${toErrorPayload(error).message}\n`);
    process.exit(1);
  }
}
