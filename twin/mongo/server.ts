import { mkdir } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { join, resolve } from 'node:path';
import { accountOf, type AccountOptions } from './accounts/account';
import { decodeRequest, encodeReply } from './codec';
import { catalogCommands } from './commands/catalog';
import { handshakeCommands, sessionCommands } from './commands/handshake';
import { indexCommands } from './commands/index-commands';
import { readCommands } from './commands/read';
import { writeCommands } from './commands/write';
import { peerAddress, type ConnectionState } from './connection';
import { CursorRegistry } from './cursors';
import { twinControl, type TwinControl } from './control';
import { lockDataDirectory } from './data-lock';
import { createDispatcher, type Dispatch } from './dispatcher';
import { FaultEngine, type FaultController } from './faults';
import { Journal, readJournal, writeJournalSnapshot, type JournalStats } from './journal';
import { profileOf } from './profile';
import { MONGODB_SERVER_VERSION } from '../../contracts/collections';
import { PROFILE_NAMES, type ProfileName } from './rules';
import { Storage } from './storage';
import { startTtlSweeper } from './ttl-sweeper';
import { MessageFramer } from './wire';

/** The account settings (credentials, allowedSources, keyBasedMetadataWriteAccess) belong to the Cosmos profile. */
export interface MongoTwinOptions extends AccountOptions {
  dir: string;
  port?: number;
  host?: string;
  /** The database imitated: Azure Cosmos DB for MongoDB, RU, 4.2 (default), or plain MongoDB. */
  profile?: ProfileName;
  /** Cosmos profile: the account has continuous backup, so unique indexes come only with a collection's creation. */
  continuousBackup?: boolean;
  /** Cosmos profile: the account's server version (`apiProperties.serverVersion`), default the stack's. */
  serverVersion?: string;
}

export interface MongoTwin {
  /** How clients connect; in the Cosmos profile shaped as the account's connection string (credentials included). */
  uri: string;
  host: string;
  port: number;
  faults: FaultController;
  /** The account's control plane (what ARM does): in process only. */
  control: TwinControl;
  close(): Promise<void>;
}

export interface TwinServerOptions extends MongoTwinOptions {
  /** Share fsyncs among concurrent writes (default true); off only to measure what it gains. */
  groupCommit?: boolean;
  /** How often expired documents are deleted (default 10 s); reads hide them at once either way. */
  ttlSweepIntervalMs?: number;
  /** The time the twin reads (epoch ms) for `_ts` and expiry; tests move it on instead of waiting. */
  clock?: () => number;
}

/** The twin plus what its own tools want to know: what recovery found and how the journal is doing. */
export interface TwinServer extends MongoTwin {
  readonly recovery: { records: number; droppedBytes: number };
  journalStats(): JournalStats;
}

export const JOURNAL_FILE = 'twin.journal';

const DEFAULT_TTL_SWEEP_MS = 10_000;

/** The options a Cosmos DB connection string carries (how-to-setup-rbac.md), TLS aside: the twin speaks plain TCP. */
const COSMOS_URI_OPTIONS = 'replicaSet=globaldb&retrywrites=false&maxIdleTimeMS=120000';

/** Loopback only: the twin is a local stand-in, never a server for others to reach. */
export function loopbackHost(host: string | undefined): string {
  const chosen = host ?? '127.0.0.1';
  if (chosen === 'localhost') return '127.0.0.1';
  const octets = chosen.split('.');
  const isIpv4 = octets.length === 4 && octets.every((octet) => /^\d{1,3}$/.test(octet) && Number(octet) <= 255);
  if (!isIpv4 || octets[0] !== '127') {
    throw new Error(`the MongoDB twin binds loopback only: host "${chosen}" is not a 127.x.x.x address`);
  }
  return chosen;
}

export async function startTwinServer(options: TwinServerOptions): Promise<TwinServer> {
  const host = loopbackHost(options.host);
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid port ${String(options.port)}`);
  const profileName = options.profile ?? 'cosmos';
  if (!PROFILE_NAMES.includes(profileName)) throw new Error(`unknown profile "${String(profileName)}" (one of ${PROFILE_NAMES.join(', ')})`);
  if (profileName === 'mongodb' && (options.credentials || options.allowedSources || options.keyBasedMetadataWriteAccess !== undefined)) {
    throw new Error('credentials, allowedSources and keyBasedMetadataWriteAccess imitate a Cosmos DB account: use the cosmos profile');
  }
  let boundPort = port;
  const profile = profileOf({
    profile: profileName,
    continuousBackup: options.continuousBackup === true,
    serverVersion: options.serverVersion ?? MONGODB_SERVER_VERSION,
    address: () => `${host}:${boundPort}`,
  });
  const account = accountOf(options);
  const dir = resolve(options.dir);
  await mkdir(dir, { recursive: true });
  const lock = await lockDataDirectory(dir);
  try {
    const journalPath = join(dir, JOURNAL_FILE);
    const storage = new Storage(profile.rules.collections, options.clock);
    const contents = await readJournal(journalPath);
    for (const record of contents.records) storage.replay(record);
    // Compaction: the journal restarts as a snapshot of the recovered state, which also cuts off a torn tail.
    await writeJournalSnapshot(journalPath, storage.snapshot());
    const journal = await Journal.open(journalPath, { groupCommit: options.groupCommit });
    storage.attach((payload) => journal.append(payload));

    const faults = new FaultEngine();
    const cursors = new CursorRegistry();
    const { rules } = profile;
    const dispatch = createDispatcher({
      commands: {
        ...handshakeCommands({ ...profile.identity, saslMechanisms: account.saslMechanisms }),
        ...sessionCommands(),
        ...catalogCommands(),
        ...indexCommands(rules.indexes),
        ...readCommands(rules.queries),
        ...writeCommands(rules.queries),
        ...profile.commands,
        ...account.commands,
      },
      faults,
      storage,
      cursors,
      access: account.access,
      checks: [...profile.checks, ...account.checks],
    });
    const sockets = new Set<Socket>();
    let connectionIds = 0;
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      const connection = { id: ++connectionIds, remoteAddress: peerAddress(socket.remoteAddress), authenticated: !account.requiresAuthentication };
      serveConnection(socket, dispatch, connection);
    });
    boundPort = await listen(server, port, host);
    const sweeper = startTtlSweeper(storage, options.ttlSweepIntervalMs ?? DEFAULT_TTL_SWEEP_MS);

    let closing: Promise<void> | undefined;
    return {
      uri:
        profileName === 'cosmos'
          ? `mongodb://${account.uriUserInfo}${host}:${boundPort}/?${COSMOS_URI_OPTIONS}${account.uriOptions}`
          : `mongodb://${host}:${boundPort}/?directConnection=true`,
      host,
      port: boundPort,
      faults,
      control: twinControl(storage, options.continuousBackup === true),
      recovery: { records: contents.records.length, droppedBytes: contents.droppedBytes },
      journalStats: () => journal.stats,
      close: () => {
        closing ??= (async () => {
          const stopped = new Promise<void>((done) => server.close(() => done()));
          for (const socket of sockets) socket.destroy();
          await stopped;
          await sweeper.stop();
          cursors.close();
          await journal.close();
          await lock.release();
        })();
        return closing;
      },
    };
  } catch (error) {
    await lock.release();
    throw error;
  }
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      resolveListen(typeof address === 'object' && address ? address.port : port);
    });
  });
}

/** Handles one client connection: requests are answered in order, one at a time, as the driver expects. */
function serveConnection(socket: Socket, dispatch: Dispatch, connection: ConnectionState): void {
  socket.setNoDelay(true);
  const framer = new MessageFramer();
  const queue: Buffer[] = [];
  let busy = false;
  let replyIds = 0;

  const drain = async (): Promise<void> => {
    busy = true;
    try {
      while (queue.length > 0 && !socket.destroyed) {
        const request = decodeRequest(queue.shift()!);
        const result = await dispatch(request.db, request.body, connection);
        if (result.kind === 'drop') {
          socket.destroy();
          break;
        }
        if (!request.moreToCome && !socket.destroyed) socket.write(encodeReply(request, ++replyIds, result.reply));
      }
    } catch {
      // A message that cannot be decoded or a reply that cannot be encoded: the stream is no longer trustworthy.
      socket.destroy();
    } finally {
      busy = false;
    }
  };

  socket.on('data', (chunk: Buffer) => {
    try {
      queue.push(...framer.push(chunk));
    } catch {
      socket.destroy();
      return;
    }
    if (!busy) void drain();
  });
  socket.on('error', () => socket.destroy());
}
