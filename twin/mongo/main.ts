import { Command, InvalidArgumentError } from 'commander';
import { startTwinServer } from './server';

/**
 * `npm run db -- --dir D --port N`: runs the MongoDB twin on its own until
 * Ctrl-C or SIGTERM, then closes it cleanly (journal flushed, lock released).
 */
function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new InvalidArgumentError('must be an integer from 0 to 65535');
  return port;
}

async function main(): Promise<void> {
  const program = new Command()
    .name('db')
    .description('Run the MongoDB twin (embedded, durable, loopback only)')
    .option('--dir <path>', 'data directory (holds the journal)', '.local/mongo')
    .option('--port <number>', 'port to listen on (0 picks a free one)', parsePort, 27017)
    .option('--host <address>', 'loopback address to bind (127.x.x.x)', '127.0.0.1')
    .parse();
  const options = program.opts<{ dir: string; port: number; host: string }>();
  const twin = await startTwinServer(options);
  if (twin.recovery.droppedBytes > 0) {
    console.log(`recovered ${twin.recovery.records} journal records; dropped ${twin.recovery.droppedBytes} bytes of an incomplete write`);
  }
  console.log(`MongoDB twin listening: ${twin.uri}`);
  console.log(`data directory: ${options.dir}`);

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    twin.close().then(
      () => {
        console.log(`MongoDB twin stopped (${signal})`);
        process.exit(0);
      },
      (error: unknown) => {
        console.error(`MongoDB twin failed to stop cleanly: ${(error as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(`db: ${(error as Error).message}`);
  process.exit(1);
});
