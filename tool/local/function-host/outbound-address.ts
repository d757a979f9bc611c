/**
 * Makes this process's `fetch` connect from the given local address (the app's VNet
 * integration subnet). Node's fetch is undici, which shares its dispatcher through a global
 * symbol (the mechanism behind undici's `setGlobalDispatcher`); the Agent class is taken from
 * the dispatcher Node itself installs, so no separate undici copy is needed.
 */
const GLOBAL_DISPATCHER = Symbol.for('undici.globalDispatcher.1');

type AgentClass = new (options: { localAddress: string }) => object;

export async function routeFetchFrom(localAddress: string): Promise<void> {
  const registry = globalThis as unknown as Record<symbol, { constructor: AgentClass } | undefined>;
  if (!registry[GLOBAL_DISPATCHER]) await (await fetch('data:,')).arrayBuffer();
  const current = registry[GLOBAL_DISPATCHER];
  if (!current) throw new Error('fetch has no global dispatcher to configure');
  const Agent = current.constructor;
  registry[GLOBAL_DISPATCHER] = new Agent({ localAddress }) as { constructor: AgentClass };
}
