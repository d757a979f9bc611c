/**
 * The local stand-ins for the virtual network: each subnet is its own loopback range (Linux
 * routes all of 127.0.0.0/8 to the loopback interface), so access restrictions by source address
 * behave as in Azure.
 */
export const LOCAL_SUBNETS = {
  /** API Management's subnet: the gateway connects to the Patient API from here. */
  apim: { range: '127.0.1.0/24', outboundAddress: '127.0.1.1' },
  /** The Patient API's listener and its VNet integration subnet (outbound calls to the Audit API). */
  patientApi: { range: '127.0.2.0/24', listenAddress: '127.0.2.1', outboundAddress: '127.0.2.2' },
  /** The Audit API's listener and its VNet integration subnet. */
  auditApi: { range: '127.0.3.0/24', listenAddress: '127.0.3.1', outboundAddress: '127.0.3.2' },
} as const;

export const LOOPBACK = '127.0.0.1';
