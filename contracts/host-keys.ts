/**
 * The two named host keys of each callee app (docs/design.md, "Key rotation"). The caller holds
 * one; rotation fills the other, switches the caller, then revokes the first.
 */
export const HOST_KEY_SLOTS = ['a', 'b'] as const;
export type Slot = (typeof HOST_KEY_SLOTS)[number];

export function hostKeyName(slot: Slot): string {
  return `caller-${slot}`;
}

/**
 * Keys the Functions host makes on its own and rotation removes or regenerates: the host-level
 * `default` function key, each function's `default` key, and the master key `_master`.
 */
export const HOST_DEFAULT_KEY = 'default';
export const FUNCTION_DEFAULT_KEY = 'default';
export const MASTER_KEY = '_master';
