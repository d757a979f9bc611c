import type { TokenCredential } from '@azure/identity';
import { expect } from 'chai';
import { SettingsError } from '../../../../functions/shared/src/settings';
import { telemetryClientId } from '../../../../functions/shared/src/telemetry-authentication';
import { managedIdentityCredentials } from '../../../../functions/shared/src/telemetry-credential';

const CLIENT_ID = '8f0c2a51-3b7e-4d9a-9c1e-2f6b7a4d5e03';
const authentication = (value: string | undefined) => (name: string) => (name === 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING' ? value : undefined);

function refusal(value: string): Error {
  try {
    telemetryClientId(authentication(value));
  } catch (error) {
    return error as Error;
  }
  throw new Error(`accepted ${value}`);
}

describe('telemetry authentication setting', () => {
  it('reads the client id from the form the stack sets (keys in any case, as the SDK reads them)', () => {
    expect(telemetryClientId(authentication(`Authorization=AAD;ClientId=${CLIENT_ID}`))).to.equal(CLIENT_ID);
    expect(telemetryClientId(authentication(`clientid=${CLIENT_ID};AUTHORIZATION=AAD`))).to.equal(CLIENT_ID);
  });

  it('is no Entra authentication when unset or blank', () => {
    expect(telemetryClientId(authentication(undefined))).to.equal(undefined);
    expect(telemetryClientId(authentication('  '))).to.equal(undefined);
  });

  it('refuses every other form with a SettingsError that names the setting and shows the expected form, never the value', () => {
    for (const value of [
      'sekrit',
      'Authorization=AAD',
      'Authorization=aad;ClientId=' + CLIENT_ID,
      `Authorization=Key;ClientId=${CLIENT_ID}`,
      `ClientId=${CLIENT_ID}`,
      'Authorization=AAD;ClientId=sekrit',
      `Authorization=AAD;ClientId=${CLIENT_ID};`,
      `Authorization=AAD;ClientId=${CLIENT_ID};ClientId=${CLIENT_ID}`,
      `Authorization=AAD;ClientId=${CLIENT_ID}=sekrit`,
    ]) {
      const error = refusal(value);
      expect(error, value).to.be.instanceOf(SettingsError);
      expect(error.message, value).to.include('App setting APPLICATIONINSIGHTS_AUTHENTICATION_STRING must be "Authorization=AAD;ClientId=<');
      expect(error.message, value).to.not.include('sekrit');
    }
    expect(refusal('Authorization=AAD').message).to.include('user-assigned identity only');
  });
});

describe('telemetry credential', () => {
  it("makes a ManagedIdentityCredential for the app's user-assigned identity, by client id (a stand-in class: no token is asked for)", async () => {
    const made: unknown[] = [];
    class ManagedIdentityCredential implements TokenCredential {
      constructor(options: { clientId: string }) {
        made.push(options);
      }
      getToken(): Promise<null> {
        return Promise.reject(new Error('no token in tests'));
      }
    }
    const credential = await managedIdentityCredentials(() => Promise.resolve({ ManagedIdentityCredential }))(CLIENT_ID);
    expect(credential).to.be.instanceOf(ManagedIdentityCredential);
    expect(made).to.deep.equal([{ clientId: CLIENT_ID }]);
  });
});
