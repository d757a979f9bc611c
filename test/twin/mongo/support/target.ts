import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient, type Db, type MongoClientOptions } from 'mongodb';
import type { ProfileName } from '../../../../twin/mongo/rules';
import { startTwinServer, type TwinServer, type TwinServerOptions } from '../../../../twin/mongo/server';

/**
 * The database the contract suite runs against: the twin in each of its profiles (default) or,
 * when MONGODB_URI is set, that server alone, taken to be plain MongoDB unless MONGODB_PROFILE=cosmos
 * says it is a Cosmos DB for MongoDB account. Tests ask for fresh databases and never assume
 * which one they got, except through the profile (`suite.cosmos`, `suite.mongodb`) and `twinOnly`.
 */
export interface MongoTarget {
  kind: 'twin' | 'external';
  profile: ProfileName;
  uri: string;
  /** Present only when the target is the twin. */
  twin?: TwinServer;
  client: MongoClient;
  /** A database no other test uses; dropped by close(). */
  freshDb(): Db;
  connect(options?: MongoClientOptions): Promise<MongoClient>;
  close(): Promise<void>;
}

export interface TargetSpec {
  label: string;
  profile: ProfileName;
  external: boolean;
}

export const externalUri = process.env.MONGODB_URI;
const externalProfile: ProfileName = process.env.MONGODB_PROFILE === 'cosmos' ? 'cosmos' : 'mongodb';

export const COSMOS_TWIN: TargetSpec = { label: 'twin, cosmos profile', profile: 'cosmos', external: false };
export const MONGODB_TWIN: TargetSpec = { label: 'twin, mongodb profile', profile: 'mongodb', external: false };

/** Every target the contract suite runs against. */
export const TARGETS: readonly TargetSpec[] = externalUri
  ? [{ label: `external, ${externalProfile}`, profile: externalProfile, external: true }]
  : [COSMOS_TWIN, MONGODB_TWIN];

/** Declares a suite that only makes sense against the twin (fault injection, crash recovery). */
export const describeTwinOnly: Mocha.SuiteFunction | Mocha.PendingSuiteFunction = externalUri ? describe.skip : describe;

async function startTarget(spec: TargetSpec = TARGETS[0], twinOptions: Partial<TwinServerOptions> = {}): Promise<MongoTarget> {
  let dir: string | undefined;
  let twin: TwinServer | undefined;
  let uri: string;
  if (spec.external) {
    uri = externalUri!;
  } else {
    dir = await mkdtemp(join(tmpdir(), 'mongo-twin-contract-'));
    twin = await startTwinServer({ ...twinOptions, dir, profile: spec.profile });
    uri = twin.uri;
  }
  const clients: MongoClient[] = [];
  const connect = async (options: MongoClientOptions = {}): Promise<MongoClient> => {
    const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5000, ...options });
    await client.connect();
    clients.push(client);
    return client;
  };
  const client = await connect();
  const prefix = `contract_${randomBytes(3).toString('hex')}`;
  const used: string[] = [];
  return {
    kind: twin ? 'twin' : 'external',
    profile: spec.profile,
    uri,
    twin,
    client,
    connect,
    freshDb: () => {
      const name = `${prefix}_${used.length}`;
      used.push(name);
      return client.db(name);
    },
    close: async () => {
      for (const name of used) await client.db(name).dropDatabase();
      for (const each of clients) await each.close();
      await twin?.close();
      if (dir) await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The target for one suite: started before it, closed after it, with a fresh database for each test. */
export interface ContractSuite {
  readonly target: MongoTarget;
  readonly db: Db;
  readonly profile: ProfileName;
  /** Declares tests of what only Cosmos DB does (refusals the plain profile does not make). */
  cosmos(body: () => void): void;
  /** Declares tests of what only plain MongoDB does. */
  mongodb(body: () => void): void;
}

export function useTarget(spec: TargetSpec = TARGETS[0], twinOptions: Partial<TwinServerOptions> = {}): ContractSuite {
  let target: MongoTarget | undefined;
  let db: Db | undefined;
  before(async () => {
    target = await startTarget(spec, twinOptions);
  });
  after(async () => {
    await target?.close();
  });
  beforeEach(() => {
    db = target!.freshDb();
  });
  return {
    get target() {
      return target!;
    },
    get db() {
      return db!;
    },
    profile: spec.profile,
    cosmos: (body) => {
      if (spec.profile === 'cosmos') describe('Cosmos DB only', body);
    },
    mongodb: (body) => {
      if (spec.profile === 'mongodb') describe('MongoDB only', body);
    },
  };
}

/** One contract suite, declared once and run against every target. */
export function describeContract(title: string, body: (suite: ContractSuite) => void): void {
  for (const spec of TARGETS) {
    describe(`${title} [${spec.label}]`, function () {
      body(useTarget(spec));
    });
  }
}
