import { join, relative } from 'node:path';
import { APP_NAMES, type AppName } from '../../contracts/apps';
import { buildAppFolder } from './app-folder';

/**
 * `npm run build:app -- [app...]`: builds each named app (every app when none is named) into its
 * folder under functions/, for `func start` there.
 */
async function main(args: string[]): Promise<void> {
  const unknown = args.filter((arg) => !(APP_NAMES as readonly string[]).includes(arg));
  if (unknown.length > 0) {
    console.error(`build:app builds ${APP_NAMES.join(' or ')}, not ${unknown.join(', ')}`);
    process.exitCode = 2;
    return;
  }
  const root = join(__dirname, '..', '..');
  for (const app of args.length > 0 ? (args as AppName[]) : APP_NAMES) {
    for (const file of await buildAppFolder(app, join(root, 'functions'))) console.log(`built ${relative(process.cwd(), file)}`);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});
