/**
 * Why this Node.js cannot run patientctl, or undefined when it can. `engines` is package.json's
 * `engines.node`, a `>=x.y.z` range. Loaded by the entry before anything else, so it must run on
 * any Node.js still in use.
 */
export function nodeVersionProblem(running: string, engines: string): string | undefined {
  const minimum = /^>=\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(engines.trim());
  if (!minimum) throw new Error(`package.json engines.node "${engines}" is not a ">=x.y.z" range`);
  const required = minimum.slice(1).map((part) => Number(part ?? 0));
  const actual = running.replace(/^v/, '').split('.').map(Number);
  const difference = required.map((part, index) => (actual[index] ?? 0) - part).find((delta) => delta !== 0) ?? 0;
  if (difference >= 0) return undefined;
  return `this is Node.js ${running}, and patientctl needs Node.js ${engines} (package.json engines): run it with \`npm start\` or \`npx patientctl <command>\`, which use the Node.js 22 the repository pins`;
}
