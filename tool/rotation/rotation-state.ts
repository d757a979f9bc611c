import type { CalleeApp, SecretVersion, Slot, Tags } from './port';

/**
 * Rotation state lives with the secret itself (DESIGN §8): every secret version
 * carries the slot its value belongs to, a generation counter, and a journal
 * entry saying whether a rotation is under way. A re-run reads these tags and
 * knows exactly where a crashed run stopped.
 */
export type JournalStep = 'complete' | 'pending' | 'rollback';

export interface RotationState {
  slot: Slot;
  generation: number;
  step: JournalStep;
  /** The slot being replaced (pending) or abandoned (rollback); undefined when none. */
  previousSlot?: Slot;
}

export const HOST_KEY_SECRET: Record<CalleeApp, string> = {
  'patient-api': 'patient-api-host-key',
  'audit-api': 'audit-api-host-key',
};

export function hostKeyName(slot: Slot): string {
  return `caller-${slot}`;
}

export function otherSlot(slot: Slot): Slot {
  return slot === 'a' ? 'b' : 'a';
}

function parseSlot(value: string | undefined): Slot | undefined {
  return value === 'a' || value === 'b' ? value : undefined;
}

/** Reads the state from a secret's tags; undefined when the tags carry none (never rotated). */
export function parseRotationState(tags: Tags): RotationState | undefined {
  const slot = parseSlot(tags.slot);
  const generation = Number.parseInt(tags.generation ?? '', 10);
  if (!slot || !Number.isSafeInteger(generation) || generation < 0) return undefined;
  const step: JournalStep = tags.rotation === 'pending' || tags.rotation === 'rollback' ? tags.rotation : 'complete';
  return { slot, generation, step, previousSlot: parseSlot(tags.previousSlot) };
}

export function rotationTags(state: RotationState): Tags {
  const tags: Tags = { slot: state.slot, generation: String(state.generation), rotation: state.step };
  if (state.previousSlot) tags.previousSlot = state.previousSlot;
  return tags;
}

export function secretVersion(value: string, state: RotationState): SecretVersion {
  return { value, tags: rotationTags(state) };
}
