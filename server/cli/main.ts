import { Command, InvalidArgumentError } from 'commander';
import { ApiClientError } from './client';
import { addDemoCommand } from './demo';
import { addKeysCommands } from './keys';
import { addServeCommand } from './serve';
import { addSessionCommands } from './session';
import { addTokenCommands } from './token';
import { addTraceCommands } from './traces';

export function buildCli(): Command {
  const program = new Command('kong-debugger')
    .description('Self-hosted debugger for Kong Gateway: debug sessions, sampling rules, traces and logs')
    .showHelpAfterError();
  addServeCommand(program);
  addDemoCommand(program);
  addKeysCommands(program);
  addSessionCommands(program);
  addTraceCommands(program);
  addTokenCommands(program);
  return program;
}
/** Runs the CLI on process.argv; exits 1 with the server's message on failure. */
export function main(argv: string[] = process.argv): Promise<void> {
  return buildCli()
    .parseAsync(argv)
    .then(() => undefined)
    .catch((err: unknown) => {
      const message = err instanceof ApiClientError || err instanceof InvalidArgumentError || err instanceof Error ? err.message : String(err);
      process.stderr.write(`error: ${message}\n`);
      process.exit(1);
    });
}
