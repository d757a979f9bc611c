/** Reads V8 `.cpuprofile` files (node --cpu-prof) and ranks where the CPU time went. */

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface Share {
  name: string;
  ms: number;
  /** Percent of the process's busy time (idle excluded). */
  percent: number;
}

export interface ProfileSummary {
  busyMs: number;
  idleMs: number;
  /** Self time grouped by where the code lives: a package, node internals, or a folder of this repository. */
  byArea: Share[];
  /**
   * Self time charged to the nearest caller that is not Node itself: socket writes made by the
   * MongoDB driver count for the driver, a log line's file write for pino.
   */
  byOwner: Share[];
  /** Self time per function. */
  selfByFunction: Share[];
  /** Time in a function and everything it called (recursion counted once). */
  inclusiveByFunction: Share[];
}

const REPO_MARKERS = ['/functions/', '/tool/', '/bench/'];
const FETCH = 'fetch (undici)';

/** Where a script lives: `pkg:<name>` for node_modules, `node:` internals, or a repo path prefix. */
export function areaOf(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  // Node's fetch is undici, bundled inside Node, with its HTTP parser compiled to WebAssembly.
  if (url.includes('internal/deps/undici') || url.startsWith('wasm://')) return FETCH;
  if (url.startsWith('node:')) return 'node internals';
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const rest = url.slice(modules + '/node_modules/'.length).split('/');
    return `pkg:${rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  for (const marker of REPO_MARKERS) {
    const at = url.indexOf(marker);
    if (at >= 0) {
      const parts = url.slice(at + 1).split('/');
      return parts.slice(0, Math.min(parts.length - 1, 3)).join('/');
    }
  }
  return url;
}

const NODE_ITSELF = new Set(['node internals', '(native)', '(program)', '(garbage collector)']);

/**
 * The area of the innermost frame, from the sample up, that is not Node itself; undici's time is
 * split by the code that called it (an outgoing fetch, or Request/Response objects built by a library).
 */
function ownerOf(id: number, byId: Map<number, ProfileNode>, parent: Map<number, number>): string | undefined {
  let viaFetch = false;
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const frame = byId.get(at)!.callFrame;
    const area = areaOf(frame.url, frame.functionName);
    if (area === FETCH) viaFetch = true;
    else if (!NODE_ITSELF.has(area) && area !== '(root)') return viaFetch ? `${FETCH}, called from ${area}` : area;
  }
  return viaFetch ? FETCH : undefined;
}

/** Samples taken inside the profiler's own preload (bench/cpu-profiler.cjs) are not the workload. */
function isProfilerFrame(id: number, byId: Map<number, ProfileNode>, parent: Map<number, number>): boolean {
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    if (byId.get(at)!.callFrame.url.endsWith('cpu-profiler.cjs')) return true;
  }
  return false;
}

function label(frame: CallFrame): string {
  const file = frame.url.replace(/^file:\/\//, '').replace(/^.*\/node_modules\//, '').replace(/^.*?\/(functions|tool|bench)\//, '$1/');
  return `${frame.functionName || '(anonymous)'} ${file ? `${file}:${frame.lineNumber + 1}` : ''}`.trim();
}

function ranked(totals: Map<string, number>, busyMs: number, top: number): Share[] {
  return [...totals.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, ms]) => ({ name, ms: Math.round(ms), percent: Math.round((ms / busyMs) * 1000) / 10 }));
}

export function summarizeProfile(profile: CpuProfile, top = 15): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const selfMs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfMs.set(id, (selfMs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000));

  let idleMs = 0;
  let busyMs = 0;
  const areas = new Map<string, number>();
  const selfFunctions = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const owners = new Map<string, number>();
  for (const [id, ms] of selfMs) {
    const frame = byId.get(id)!.callFrame;
    if (isProfilerFrame(id, byId, parent)) continue;
    if (frame.functionName === '(idle)') {
      idleMs += ms;
      continue;
    }
    busyMs += ms;
    const area = areaOf(frame.url, frame.functionName);
    areas.set(area, (areas.get(area) ?? 0) + ms);
    selfFunctions.set(label(frame), (selfFunctions.get(label(frame)) ?? 0) + ms);
    const owner = ownerOf(id, byId, parent) ?? (area === '(garbage collector)' ? area : 'node (no package or repository code on the stack)');
    owners.set(owner, (owners.get(owner) ?? 0) + ms);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const name = label(byId.get(at)!.callFrame);
      if (name === '(root)' || seen.has(name)) continue;
      seen.add(name);
      inclusive.set(name, (inclusive.get(name) ?? 0) + ms);
    }
  }
  return {
    busyMs: Math.round(busyMs),
    idleMs: Math.round(idleMs),
    byArea: ranked(areas, busyMs, top),
    byOwner: ranked(owners, busyMs, top),
    selfByFunction: ranked(selfFunctions, busyMs, top),
    inclusiveByFunction: ranked(inclusive, busyMs, top * 2),
  };
}
