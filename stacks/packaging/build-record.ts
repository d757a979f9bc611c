import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';

/**
 * What a package was built from: every file esbuild read (sources, dependencies, host.json, the
 * bundler itself) with its SHA-256. A later build whose inputs all hash the same would produce the
 * same bytes (the bundle is deterministic), so the zip is reused instead of bundled again.
 */
export interface BuildRecord {
  inputs: Record<string, string>;
  bundleBytes: number;
  telemetryBytes?: number;
}

function sha256(file: string): string | undefined {
  return existsSync(file) ? createHash('sha256').update(readFileSync(file)).digest('hex') : undefined;
}

export function hashInputs(files: Iterable<string>): Record<string, string> {
  const inputs: Record<string, string> = {};
  for (const file of files) {
    const hash = sha256(file);
    if (hash === undefined) throw new Error(`bundle input ${file} is not a file`);
    inputs[file] = hash;
  }
  return inputs;
}

/** The record of the zip at `recordFile`, when the zip exists and none of its inputs has changed since. */
export function unchangedBuild(recordFile: string, zipFile: string): BuildRecord | undefined {
  if (!existsSync(recordFile) || !existsSync(zipFile)) return undefined;
  let record: BuildRecord;
  try {
    record = JSON.parse(readFileSync(recordFile, 'utf8')) as BuildRecord;
  } catch {
    return undefined;
  }
  const entries = Object.entries(record.inputs ?? {});
  if (entries.length === 0) return undefined;
  return entries.every(([file, hash]) => sha256(file) === hash) ? record : undefined;
}

/** Writes through a temporary file and a rename, so a concurrent reader sees the old file or the new one, never half of one. */
export async function writeAtomically(file: string, bytes: string | Uint8Array): Promise<void> {
  const temporary = `${file}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(temporary, bytes);
  await rename(temporary, file);
}
