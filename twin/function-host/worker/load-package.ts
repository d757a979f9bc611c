import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import Module from 'node:module';
import { dirname, join, resolve, sep } from 'node:path';
import yauzl from 'yauzl';
import { FunctionsCore, type RegisteredFunction, type WorkerLog, type ProgrammingModel } from './core-module';

export interface LoadedPackage {
  functions: RegisteredFunction[];
  programmingModel: ProgrammingModel;
  /** What the app's library answered to the worker's capabilities (`HttpUri` when it streams HTTP). */
  capabilities: Record<string, string>;
}

/** The worker capabilities the Node.js worker announces to the library (a subset: the ones the library reads). */
const WORKER_CAPABILITIES: Record<string, string> = { RawHttpBodyBytes: 'true', TypedDataCollection: 'true' };

/** The core each package gets while its entry is being required: packages bundle their own `@azure/functions`. */
let loading: FunctionsCore | undefined;
let hooked = false;

function provideCoreModule(): void {
  if (hooked) return;
  hooked = true;
  const moduleWithLoad = Module as unknown as { _load(request: string, parent: unknown, isMain: boolean): unknown };
  const load = moduleWithLoad._load.bind(Module);
  moduleWithLoad._load = (request, parent, isMain) => {
    if (request === '@azure/functions-core') {
      if (!loading) throw new Error('@azure/functions-core is provided only while a function package loads');
      return loading.module();
    }
    return load(request, parent, isMain);
  };
}

/** Unpacks a run-from-package zip into `dir` (emptied first), refusing entries that would land outside it. */
export async function unpackPackage(zipPath: string, dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const zip = await new Promise<yauzl.ZipFile>((ok, fail) => yauzl.open(zipPath, { lazyEntries: true }, (error, file) => (error ? fail(error) : ok(file))));
  await new Promise<void>((ok, fail) => {
    zip.on('error', fail);
    zip.on('end', ok);
    zip.on('entry', (entry: yauzl.Entry) => {
      const target = resolve(dir, entry.fileName);
      if (!target.startsWith(resolve(dir) + sep)) {
        fail(new Error(`package entry ${entry.fileName} points outside the package`));
        return;
      }
      if (entry.fileName.endsWith('/')) {
        zip.readEntry();
        return;
      }
      zip.openReadStream(entry, (error, stream) => {
        if (error) {
          fail(error);
          return;
        }
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('error', fail);
        stream.on('end', () => {
          mkdir(dirname(target), { recursive: true })
            .then(() => writeFile(target, Buffer.concat(chunks)))
            .then(() => zip.readEntry(), fail);
        });
      });
    });
    zip.readEntry();
  });
  zip.close();
}

/**
 * Loads an unpacked function package as the Node.js worker does: requires package.json's `main`
 * with `@azure/functions-core` provided, collects what it registers, then asks its programming
 * model for its capabilities (which locks `app.setup()`, and starts its HTTP proxy if it streams).
 */
export async function loadFunctionPackage(dir: string, log: WorkerLog): Promise<LoadedPackage> {
  const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as { main?: unknown };
  if (typeof manifest.main !== 'string') throw new Error(`${join(dir, 'package.json')} has no "main"`);
  provideCoreModule();
  const core = new FunctionsCore(log);
  loading = core;
  try {
    Module.createRequire(join(dir, 'package.json'))(resolve(dir, manifest.main));
  } finally {
    loading = undefined;
  }
  const programmingModel = core.programmingModel;
  const capabilities = await programmingModel.getCapabilities({ ...WORKER_CAPABILITIES });
  return { functions: core.functions, programmingModel, capabilities };
}
