import type { CalleeApp, ProbeResult } from './port';
import type { Slot } from '../../contracts/host-keys';

export type RotationOutcome = 'rotated' | 'resumed' | 'bootstrapped' | 'planned';

/** What happened to one app, as `rotate-keys --json` prints it (no key values). */
export interface AppRotationResult {
  app: CalleeApp;
  secretName: string;
  outcome: RotationOutcome;
  fromSlot: Slot | null;
  toSlot: Slot;
  generation: number;
  steps: string[];
  verification?: ProbeResult;
  afterRevoke?: ProbeResult;
}

export interface RotationResult {
  target: string;
  dryRun: boolean;
  apps: AppRotationResult[];
}
