import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const OBSERVER = join(__dirname, 'fixtures', 'functions-core-observer.cjs');

/** One function as the app registers it with the Functions host. */
export interface Registration {
  name: string;
  route: string;
  methods: string[];
  authLevel: string;
}

/**
 * Loads an app's entry (`main`, relative to `dir`) in a fresh node process with the Functions
 * host's core module stood in by a recorder: what the app registers is what the host would be
 * told. The process ends once the entry has run (registration is synchronous), so a database the
 * app starts connecting to is never waited for. Answers the registrations and which of `dir`'s
 * files the entry required.
 */
export function loadAppEntry(dir: string, main: string, env: Record<string, string>): { registrations: Registration[]; loaded: string[] } {
  const records = mkdtempSync(join(tmpdir(), 'patientctl-registrations-'));
  try {
    const registrationsFile = join(records, 'registrations.json');
    const loadedFile = join(records, 'loaded.json');
    const entry = `require(${JSON.stringify(join(dir, main))}); require('node:fs').writeFileSync(${JSON.stringify(loadedFile)}, JSON.stringify(Object.keys(require.cache))); process.exit(0);`;
    execFileSync(process.execPath, ['--require', OBSERVER, '-e', entry], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', REGISTRATIONS_FILE: registrationsFile, ...env },
      timeout: 20_000,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const { registrations } = JSON.parse(readFileSync(registrationsFile, 'utf8')) as { registrations: Registration[] };
    const loaded = (JSON.parse(readFileSync(loadedFile, 'utf8')) as string[]).filter((file) => file.startsWith(dir)).map((file) => file.slice(dir.length + 1));
    return { registrations, loaded };
  } finally {
    rmSync(records, { recursive: true, force: true });
  }
}
