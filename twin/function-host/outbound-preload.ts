import { bindOutboundConnections } from './outbound-address';
import { OUTBOUND_ADDRESS_VARIABLE } from './outside-process';

/*
 * Preloaded (NODE_OPTIONS) into a Node.js process the local stack does not start, such as Azure
 * Functions Core Tools' worker running one app: its loopback connections leave from the address
 * the variable names, in the app's subnet, so the stack's network rules treat it as they treat
 * the app's own host there.
 */
const address = process.env[OUTBOUND_ADDRESS_VARIABLE];
if (address) bindOutboundConnections(address);
