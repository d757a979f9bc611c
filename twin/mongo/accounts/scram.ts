import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

/** The SASL mechanisms the twin's accounts take: both SCRAM variants MongoDB drivers speak (RFC 5802, RFC 7677). */
export const SCRAM_MECHANISMS = ['SCRAM-SHA-1', 'SCRAM-SHA-256'] as const;
export type ScramMechanism = (typeof SCRAM_MECHANISMS)[number];

export interface AccountCredentials {
  /** The account name, as a Cosmos DB connection string's user. */
  username: string;
  /** The account key, as a Cosmos DB connection string's password. */
  password: string;
}

const PARAMETERS: Record<ScramMechanism, { hash: 'sha1' | 'sha256'; keyLength: number; iterations: number }> = {
  'SCRAM-SHA-1': { hash: 'sha1', keyLength: 20, iterations: 10_000 },
  'SCRAM-SHA-256': { hash: 'sha256', keyLength: 32, iterations: 15_000 },
};

interface StoredKeys {
  salt: Buffer;
  storedKey: Buffer;
  serverKey: Buffer;
}

/** A SCRAM exchange between its first and its last message. */
export interface ScramConversation {
  mechanism: ScramMechanism;
  clientFirstBare: string;
  serverFirst: string;
  nonce: string;
}

/** A client that did not prove the account's credentials; the reason stays on the server side. */
export class AuthenticationFailure extends Error {}

function hmac(hash: string, key: Buffer, data: string): Buffer {
  return createHmac(hash, key).update(data).digest();
}

function digest(hash: string, data: Buffer): Buffer {
  return createHash(hash).update(data).digest();
}

/** RFC 5802 saslname: `=2C` for `,` and `=3D` for `=`. */
function decodeName(value: string): string {
  return value.replace(/=2C/g, ',').replace(/=3D/g, '=');
}

function attributes(message: string): Map<string, string> {
  const parsed = new Map<string, string>();
  for (const part of message.split(',')) {
    const eq = part.indexOf('=');
    if (eq === 1) parsed.set(part[0], part.slice(2));
  }
  return parsed;
}

/**
 * The server side of SCRAM for one account. Keys are derived once (PBKDF2) from the password;
 * MongoDB's SCRAM-SHA-1 hashes `<user>:mongo:<password>` (MD5, hex) first, SCRAM-SHA-256 takes the
 * password itself (an ASCII account key is its own SASLprep form).
 */
export class ScramAccount {
  private readonly keys = new Map<ScramMechanism, StoredKeys>();

  constructor(private readonly credentials: AccountCredentials) {
    for (const mechanism of SCRAM_MECHANISMS) {
      const { hash, keyLength, iterations } = PARAMETERS[mechanism];
      const secret = mechanism === 'SCRAM-SHA-1' ? createHash('md5').update(`${credentials.username}:mongo:${credentials.password}`).digest('hex') : credentials.password;
      const salt = randomBytes(16);
      const salted = pbkdf2Sync(secret, salt, iterations, keyLength, hash);
      this.keys.set(mechanism, { salt, storedKey: digest(hash, hmac(hash, salted, 'Client Key')), serverKey: hmac(hash, salted, 'Server Key') });
    }
  }

  get username(): string {
    return this.credentials.username;
  }

  /** Answers the client-first message (`n,,n=<user>,r=<nonce>`) with the server-first one. */
  start(mechanism: ScramMechanism, clientFirst: string): { conversation: ScramConversation; serverFirst: string } {
    if (!clientFirst.startsWith('n,,')) throw new AuthenticationFailure('channel binding is not supported');
    const clientFirstBare = clientFirst.slice(3);
    const fields = attributes(clientFirstBare);
    const clientNonce = fields.get('r');
    if (decodeName(fields.get('n') ?? '') !== this.credentials.username || !clientNonce) throw new AuthenticationFailure('unknown user');
    const { salt } = this.keys.get(mechanism)!;
    const nonce = clientNonce + randomBytes(24).toString('base64');
    const serverFirst = `r=${nonce},s=${salt.toString('base64')},i=${PARAMETERS[mechanism].iterations}`;
    return { conversation: { mechanism, clientFirstBare, serverFirst, nonce }, serverFirst };
  }

  /** Checks the client's proof in the client-final message and answers with the server's signature. */
  finish(conversation: ScramConversation, clientFinal: string): string {
    const proofAt = clientFinal.lastIndexOf(',p=');
    if (proofAt < 0) throw new AuthenticationFailure('no proof');
    const withoutProof = clientFinal.slice(0, proofAt);
    const fields = attributes(withoutProof);
    if (fields.get('c') !== 'biws' || fields.get('r') !== conversation.nonce) throw new AuthenticationFailure('nonce or channel binding mismatch');
    const { hash } = PARAMETERS[conversation.mechanism];
    const { storedKey, serverKey } = this.keys.get(conversation.mechanism)!;
    const authMessage = `${conversation.clientFirstBare},${conversation.serverFirst},${withoutProof}`;
    const proof = Buffer.from(clientFinal.slice(proofAt + 3), 'base64');
    const signature = hmac(hash, storedKey, authMessage);
    if (proof.length !== signature.length) throw new AuthenticationFailure('malformed proof');
    const clientKey = Buffer.alloc(proof.length);
    for (let i = 0; i < proof.length; i++) clientKey[i] = proof[i] ^ signature[i];
    if (!timingSafeEqual(digest(hash, clientKey), storedKey)) throw new AuthenticationFailure('wrong password');
    return `v=${hmac(hash, serverKey, authMessage).toString('base64')}`;
  }
}
