/**
 * The twin's entry point for the tool: run, stop and inspect the local stack. Nothing else
 * outside `twin/` (tests aside) reaches into its folders.
 */
export { readLocalStackStatus, runLocalStack, stopLocalStack } from './stack/index';
export type { LocalStackExtraOptions, LocalStackInfo, LocalStackOptions, LocalStackStatus, ProcessStatus, RunningLocalStack } from './stack/index';
