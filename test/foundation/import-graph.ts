import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

export const REPO_ROOT = resolve(__dirname, '..', '..');
/** The folders whose TypeScript the graph covers. */
const SOURCE_FOLDERS = ['contracts', 'stacks', 'functions', 'tool', 'twin', 'test', 'bench', 'load'];

/** One file of the repository and the repository files it imports (paths relative to the root, `/`-separated). */
export interface ImportGraph {
  files: string[];
  imports: Map<string, string[]>;
}

function sourceFiles(dir: string, into: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'out' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sourceFiles(path, into);
    else if (name.endsWith('.ts')) into.push(path);
  }
  return into;
}

/** The repository file a relative specifier names, as TypeScript resolves it (`x` → `x.ts` or `x/index.ts`). */
function resolveRelative(from: string, specifier: string): string | undefined {
  const base = resolve(dirname(from), specifier.replace(/\.js$/, ''));
  for (const candidate of [base, `${base}.ts`, join(base, 'index.ts')]) {
    if (existsSync(candidate) && statSync(candidate).isFile() && candidate.endsWith('.ts')) return candidate;
  }
  return undefined;
}

/** Every static import, re-export and dynamic `import('…')` between the repository's own TypeScript files. */
export function readImportGraph(root = REPO_ROOT): ImportGraph {
  const files = SOURCE_FOLDERS.filter((folder) => existsSync(join(root, folder))).flatMap((folder) => sourceFiles(join(root, folder)));
  const imports = new Map<string, string[]>();
  for (const file of files) {
    const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const targets = info.importedFiles
      .map((entry) => entry.fileName)
      .filter((specifier) => specifier.startsWith('.'))
      .map((specifier) => resolveRelative(file, specifier))
      .filter((target): target is string => target !== undefined)
      .map((target) => relative(root, target));
    imports.set(relative(root, file), [...new Set(targets)]);
  }
  return { files: files.map((file) => relative(root, file)), imports };
}

/** The cycles of a directed graph, each as the list of its nodes (one per strongly connected component of more than one node). */
export function cycles(edges: Map<string, readonly string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, counter);
    low.set(node, counter);
    counter += 1;
    stack.push(node);
    onStack.add(node);
    for (const next of edges.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) low.set(node, Math.min(low.get(node)!, index.get(next)!));
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const node of edges.keys()) if (!index.has(node)) visit(node);
  return found;
}

/** Folders whose sub-folders are areas of their own (twin/mongo, tool/cli, functions/shared, test/reliability, ...). */
const DIVIDED = new Set(['twin', 'tool', 'functions', 'test']);

/** The area a file belongs to: its top-level folder, or for the divided ones the folder directly under it. */
export function areaOf(file: string): string {
  const parts = file.split('/');
  return DIVIDED.has(parts[0]) && parts.length > 2 ? `${parts[0]}/${parts[1]}` : parts[0];
}

/** The graph between areas: an edge wherever a file of one area imports a file of another. */
export function folderGraph(graph: ImportGraph): Map<string, string[]> {
  const areas = new Map<string, Set<string>>();
  for (const [file, targets] of graph.imports) {
    const from = areaOf(file);
    const set = areas.get(from) ?? new Set<string>();
    for (const target of targets) if (areaOf(target) !== from) set.add(areaOf(target));
    areas.set(from, set);
  }
  return new Map([...areas].map(([area, set]) => [area, [...set]]));
}
