import { Command, InvalidArgumentError } from 'commander';
import { PROFILE_NAMES, type ProfileName } from './rules';
import { startTwinServer } from './server';

/**
 * `npm run db -- --dir D --port N [--profile mongodb]`: runs the MongoDB twin on its own until
 * Ctrl-C or SIGTERM, then closes it cleanly (journal flushed, lock released).
 */
function parseProfile(value: string): ProfileName {
  if (!(PROFILE_NAMES as readonly string[]).includes(value)) throw new InvalidArgumentError(`must be one of ${PROFILE_NAMES.join(', ')}`);
  return value as ProfileName;
}

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
    .option('--profile <name>', 'database imitated: cosmos (Azure Cosmos DB for MongoDB, RU, 4.2) or mongodb', parseProfile, 'cosmos')
    .option('--continuous-backup', 'cosmos: the account has continuous backup (unique indexes only at collection creation)', false)
    .parse();
  const options = program.opts<{ dir: string; port: number; host: string; profile: ProfileName; continuousBackup: boolean }>();
  const twin = await startTwinServer(options);
  if (twin.recovery.droppedBytes > 0) {
    console.log(`recovered ${twin.recovery.records} journal records; dropped ${twin.recovery.droppedBytes} bytes of an incomplete write`);
  }
  console.log(`MongoDB twin (${options.profile} profile) listening: ${twin.uri}`);
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
