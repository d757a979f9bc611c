import { TELEMETRY_AUTHENTICATION_SETTING } from '../../../contracts/app-settings';
import { SettingsError, type SettingsSource } from './settings';

const CLIENT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const EXPECTED = `App setting ${TELEMETRY_AUTHENTICATION_SETTING} must be "Authorization=AAD;ClientId=<client id of the app's user-assigned identity>"`;

/**
 * The client id of the identity the app's telemetry is sent as, from the setting the Functions host
 * authenticates its own telemetry with; undefined when it is unset (ingestion by the key alone).
 * Read as the SDK reads it: `;`-separated `key=value` pairs, keys in any case, `Authorization`
 * exactly `AAD`. A client id is required: the apps have no system-assigned identity, so
 * `Authorization=AAD` alone would ask for a token nobody issues and lose the telemetry quietly.
 * Errors name the setting, never its value.
 */
export function telemetryClientId(settings: SettingsSource): string | undefined {
  const raw = settings(TELEMETRY_AUTHENTICATION_SETTING);
  if (raw === undefined || raw.trim() === '') return undefined;
  const fields = new Map<string, string>();
  for (const pair of raw.trim().split(';')) {
    const [key, value, ...rest] = pair.split('=');
    const name = key.trim().toLowerCase();
    if (value === undefined || rest.length > 0 || fields.has(name)) throw new SettingsError(EXPECTED);
    fields.set(name, value.trim());
  }
  if (fields.get('authorization') !== 'AAD') throw new SettingsError(EXPECTED);
  const clientId = fields.get('clientid');
  if (clientId === undefined) throw new SettingsError(`${EXPECTED}: the apps run as a user-assigned identity only`);
  if (!CLIENT_ID.test(clientId)) throw new SettingsError(`${EXPECTED}: the client id is a GUID`);
  return clientId;
}
