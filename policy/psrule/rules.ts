import { apimRules } from './apim-rules';
import { computeRules } from './compute-rules';
import { dataRules } from './data-rules';
import { generalRules } from './general-rules';
import { networkRules } from './network-rules';
import type { PsRule } from './rule';

/** Every rule of PSRule for Azure's GA baseline that applies to what the stack declares, as an invariant. */
export const psRules: readonly PsRule[] = [...generalRules, ...networkRules, ...dataRules, ...computeRules, ...apimRules];
