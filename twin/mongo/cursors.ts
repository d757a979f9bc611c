import { Long, calculateObjectSize, type Document } from 'bson';
import { CommandError, ErrorCode } from './errors';

const DEFAULT_FIRST_BATCH = 101;
/** A batch stops growing past this many bytes, as the real server caps replies near 16 MB. */
const MAX_BATCH_BYTES = 16 * 1024 * 1024 - 16 * 1024;
const IDLE_TIMEOUT_MS = 10 * 60 * 1000;

interface OpenCursor {
  ns: string;
  docs: Document[];
  position: number;
  lastUsed: number;
}

export interface CursorBatch {
  /** 0 when the cursor is exhausted (and closed). */
  id: Long;
  batch: Document[];
}

/** The server's open cursors: result sets handed out batch by batch through getMore. */
export class CursorRegistry {
  private readonly cursors = new Map<number, OpenCursor>();
  private nextId = Math.floor(Math.random() * 2 ** 40) + 1;
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly now: () => number = Date.now) {
    this.sweeper = setInterval(() => this.sweep(), 60_000);
    this.sweeper.unref();
  }

  /** Hands out the first batch; keeps a cursor open only if documents remain. */
  open(ns: string, docs: Document[], batchSize: number | undefined, singleBatch = false): CursorBatch {
    const cursor: OpenCursor = { ns, docs, position: 0, lastUsed: this.now() };
    const batch = takeBatch(cursor, batchSize ?? DEFAULT_FIRST_BATCH);
    if (singleBatch || cursor.position >= docs.length) return { id: Long.ZERO, batch };
    const id = this.nextId++;
    this.cursors.set(id, cursor);
    return { id: Long.fromNumber(id), batch };
  }

  more(id: number, ns: string, batchSize: number | undefined): CursorBatch {
    const cursor = this.cursors.get(id);
    if (!cursor || cursor.ns !== ns) throw new CommandError(ErrorCode.CursorNotFound, `cursor id ${id} not found`);
    cursor.lastUsed = this.now();
    const batch = takeBatch(cursor, batchSize && batchSize > 0 ? batchSize : Number.MAX_SAFE_INTEGER);
    if (cursor.position >= cursor.docs.length) {
      this.cursors.delete(id);
      return { id: Long.ZERO, batch };
    }
    return { id: Long.fromNumber(id), batch };
  }

  kill(ids: number[]): { killed: number[]; notFound: number[] } {
    const killed: number[] = [];
    const notFound: number[] = [];
    for (const id of ids) (this.cursors.delete(id) ? killed : notFound).push(id);
    return { killed, notFound };
  }

  close(): void {
    clearInterval(this.sweeper);
    this.cursors.clear();
  }

  private sweep(): void {
    const cutoff = this.now() - IDLE_TIMEOUT_MS;
    for (const [id, cursor] of this.cursors) if (cursor.lastUsed < cutoff) this.cursors.delete(id);
  }
}

function takeBatch(cursor: OpenCursor, batchSize: number): Document[] {
  const end = Math.min(cursor.docs.length, cursor.position + batchSize);
  if (end - cursor.position <= 1) {
    const batch = cursor.docs.slice(cursor.position, end);
    cursor.position = end;
    return batch;
  }
  const batch: Document[] = [];
  let bytes = 0;
  while (cursor.position < end) {
    const doc = cursor.docs[cursor.position];
    bytes += calculateObjectSize(doc);
    if (batch.length > 0 && bytes > MAX_BATCH_BYTES) break;
    batch.push(doc);
    cursor.position += 1;
  }
  return batch;
}
