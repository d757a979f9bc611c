import { mkdir } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { join, resolve } from 'node:path';
import { decodeRequest, encodeReply } from './codec';
import { catalogCommands } from './commands/catalog';
import { handshakeCommands, sessionCommands } from './commands/handshake';
import { indexCommands } from './commands/index-commands';
import { readCommands } from './commands/read';
import { writeCommands } from './commands/write';
import { CursorRegistry } from './cursors';
import { lockDataDirectory } from './data-lock';
import { createDispatcher, type Dispatch } from './dispatcher';
import { FaultEngine, type FaultController } from './faults';
import { Journal, readJournal, writeJournalSnapshot, type JournalStats } from './journal';
import { Storage } from './storage';
import { MessageFramer } from './wire';

export interface MongoTwinOptions {
  dir: string;
  port?: number;
  host?: string;
}

export interface MongoTwin {
  uri: string;
  host: string;
  port: number;
  faults: FaultController;
  close(): Promise<void>;
}

export interface TwinServerOptions extends MongoTwinOptions {
  /** Share fsyncs among concurrent writes (default true); off only to measure what it gains. */
  groupCommit?: boolean;
}

/** The twin plus what its own tools want to know: what recovery found and how the journal is doing. */
export interface TwinServer extends MongoTwin {
  readonly recovery: { records: number; droppedBytes: number };
  journalStats(): JournalStats;
}

export const JOURNAL_FILE = 'twin.journal';

/** Loopback only: the twin has no authentication, so it must never listen where others can reach it. */
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
  const dir = resolve(options.dir);
  await mkdir(dir, { recursive: true });
  const lock = await lockDataDirectory(dir);
  try {
    const journalPath = join(dir, JOURNAL_FILE);
    const storage = new Storage();
    const contents = await readJournal(journalPath);
    for (const record of contents.records) storage.replay(record);
    // Compaction: the journal restarts as a snapshot of the recovered state, which also cuts off a torn tail.
    await writeJournalSnapshot(journalPath, storage.snapshot());
    const journal = await Journal.open(journalPath, { groupCommit: options.groupCommit });
    storage.attach((payload) => journal.append(payload));

    const faults = new FaultEngine();
    const cursors = new CursorRegistry();
    const dispatch = createDispatcher({
      commands: { ...handshakeCommands(), ...sessionCommands(), ...catalogCommands(), ...indexCommands(), ...readCommands(), ...writeCommands() },
      faults,
      storage,
      cursors,
    });
    const sockets = new Set<Socket>();
    let connectionIds = 0;
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      serveConnection(socket, dispatch, ++connectionIds);
    });
    const boundPort = await listen(server, port, host);

    let closing: Promise<void> | undefined;
    return {
      uri: `mongodb://${host}:${boundPort}/?directConnection=true`,
      host,
      port: boundPort,
      faults,
      recovery: { records: contents.records.length, droppedBytes: contents.droppedBytes },
      journalStats: () => journal.stats,
      close: () => {
        closing ??= (async () => {
          const stopped = new Promise<void>((done) => server.close(() => done()));
          for (const socket of sockets) socket.destroy();
          await stopped;
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
function serveConnection(socket: Socket, dispatch: Dispatch, connectionId: number): void {
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
        const result = await dispatch(request.db, request.body, connectionId);
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
