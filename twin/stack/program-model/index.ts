/**
 * The Pulumi program under the repository's mocks: what it declares, with the options only a
 * stack transformation sees, and the order the engine would create it in. The local stack is
 * built from this; the program's tests (test/stacks) read it too.
 */
export { creationOrder, type CreatedBefore } from './creation-order';
export { resourceKey, type DeclaredOutput, type DeclaredResource, type StackModel } from './declared-model';
export { mockCosmosConnectionString } from './mocks';
export { ProgramFailure, runProgram, type Program } from './run-program';
export { readStackConfiguration, runDeclaredProgram, StackConfigurationError, type DeclaredProgramOptions } from './declared-program';
