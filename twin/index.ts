/**
 * The twin's entry point for the tool and for tests outside twin/: run, stop and inspect the
 * local stack, and the mapping of Azure's world to this machine. Nothing else outside `twin/`
 * reaches into its folders (the MongoDB twin and the program model have entry points of their own).
 */
export { AZURE_TO_LOCAL, outsideProcessEnvironment, readLocalStackStatus, readStoredSecret, runLocalStack, stopLocalStack } from './stack/index';
export type { LocalStackExtraOptions, LocalStackInfo, LocalStackOptions, LocalStackState, LocalStackStatus, ProcessStatus, RunningLocalStack } from './stack/index';
/** API Management's own error bodies as the gateway answers them, which the OpenAPI document describes. */
export { APIM_ERRORS } from './gateway/apim-errors';
