import { createHash } from 'node:crypto';
import { HOST_KEY_SLOTS, hostKeyName, type Slot } from '../../contracts/host-keys';
import type { Tags } from './port';

/**
 * Rotation state lives with the secret itself (docs/patientctl.md, Rotation): every secret
 * version carries the slot its value belongs to, a generation counter, a journal entry saying
 * whether a rotation is under way, and the SHA-256 of the value. ARM never returns a secret's
 * value, so the hash is how the rotator finds which host key the secret holds.
 */
export type JournalStep = 'complete' | 'pending' | 'rollback' | 'bootstrap';

export interface RotationState {
  slot: Slot;
  generation: number;
  step: JournalStep;
  /** The slot being replaced (pending) or abandoned (rollback); undefined when none. */
  previousSlot?: Slot;
  /** Hex SHA-256 of the secret's value; absent on a secret rotation never wrote (a placeholder). */
  valueSha256?: string;
}

/** The slot whose host key the secret holds, and that key. */
export interface ActiveKey {
  slot: Slot;
  value: string;
}

const JOURNAL_STEPS: readonly JournalStep[] = ['complete', 'pending', 'rollback', 'bootstrap'];

export function otherSlot(slot: Slot): Slot {
  return slot === 'a' ? 'b' : 'a';
}

/** A key's fingerprint for the tags: 256 random bits are not recoverable from it. */
export function keyHash(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

function parseSlot(value: string | undefined): Slot | undefined {
  return (HOST_KEY_SLOTS as readonly string[]).includes(value ?? '') ? (value as Slot) : undefined;
}

/** Reads the state from a secret's tags; undefined when the tags carry none (never rotated). */
export function parseRotationState(tags: Tags | undefined): RotationState | undefined {
  if (!tags) return undefined;
  const slot = parseSlot(tags.slot);
  const generation = Number.parseInt(tags.generation ?? '', 10);
  if (!slot || !Number.isSafeInteger(generation) || generation < 0) return undefined;
  const step = JOURNAL_STEPS.find((candidate) => candidate === tags.rotation) ?? 'complete';
  const valueSha256 = /^[0-9a-f]{64}$/.test(tags.valueSha256 ?? '') ? tags.valueSha256 : undefined;
  return { slot, generation, step, previousSlot: parseSlot(tags.previousSlot), ...(valueSha256 ? { valueSha256 } : {}) };
}

/** The tags of a secret version holding `value` in the given state. */
export function rotationTags(state: Omit<RotationState, 'valueSha256'>, value: string): Tags {
  const tags: Tags = { slot: state.slot, generation: String(state.generation), rotation: state.step, valueSha256: keyHash(value) };
  if (state.previousSlot) tags.previousSlot = state.previousSlot;
  return tags;
}

/**
 * The slot whose host key hashes to the secret's `valueSha256` (the slot the tags name first);
 * undefined when none does: a placeholder, or a key deleted behind rotation's back.
 */
export function activeKey(state: RotationState | undefined, functionKeys: Record<string, string>): ActiveKey | undefined {
  if (!state?.valueSha256) return undefined;
  for (const slot of [state.slot, otherSlot(state.slot)]) {
    const value = functionKeys[hostKeyName(slot)];
    if (value !== undefined && keyHash(value) === state.valueSha256) return { slot, value };
  }
  return undefined;
}
