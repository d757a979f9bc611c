/**
 * The ARM twin's entry point for tests outside twin/: the twin itself, the in-memory providers it
 * is composed from, and the loopback certificate authority its HTTPS endpoint uses.
 */
export { createArmTwin, startArmTwin, type ArmTwin, type ArmTwinConfig, type RecordedArmRequest, type RunningArmTwin } from './arm-twin';
export { InMemorySite } from './in-memory-site';
export { InMemoryVault } from './in-memory-vault';
export { createLoopbackTls } from './loopback-tls';
export { closeServer } from '../http/server-lifecycle';
