import { Command, Option } from 'commander';
import { startDemoGateway } from '../demo';
import { intArg } from './options';

/** `demo`: only the demo gateway, sending to a debugger elsewhere. */
export function addDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('run only the demo gateway: Kong-shaped traces and logs sent over OTLP/HTTP to a debugger')
    .addOption(new Option('--otlp-url <url>', 'OTLP/HTTP base URL of the debugger').env('KONG_DEBUGGER_OTLP_URL').default('http://127.0.0.1:4318'))
    .option('--rate <rps>', 'requests per second', intArg('--rate', 1, 10000), 5)
    .addOption(new Option('--dialect <dialect>', 'which Kong to imitate').choices(['enterprise', 'oss', 'mixed']).default('mixed'))
    .addOption(new Option('--protocol <protocol>', 'OTLP encoding').choices(['protobuf', 'json']).default('protobuf'))
    .action(async (o) => {
      const gw = startDemoGateway({ otlpUrl: o.otlpUrl, ratePerSecond: o.rate, dialect: o.dialect, protocol: o.protocol });
      process.stdout.write(`demo gateway: ${o.rate} req/s (${o.dialect}, ${o.protocol}) → ${o.otlpUrl}\n`);
      const shutdown = async () => {
        await gw.stop();
        const e = gw.emitted();
        process.stdout.write(`sent ${e.traces} traces and ${e.logs} log records\n`);
        process.exit(0);
      };
      process.once('SIGINT', shutdown);
      process.once('SIGTERM', shutdown);
    });
}
