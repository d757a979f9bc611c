import { open, readFile, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { crc32 } from 'node:zlib';

/*
 * Journal file layout: an 8-byte header ("MTWJ" + format version), then records
 * [u32 LE payload length][u32 LE crc32 of payload][payload]. A record whose length
 * or checksum does not hold marks a torn tail: it and everything after it are dropped.
 */
const MAGIC = Buffer.from('MTWJ', 'latin1');
const FORMAT_VERSION = 1;
const HEADER_BYTES = 8;
const RECORD_HEADER_BYTES = 8;
/** A payload is a BSON document, never shorter than 5 bytes: zero-filled garbage is not a record. */
const MIN_PAYLOAD_BYTES = 5;

export interface JournalContents {
  records: Buffer[];
  /** Bytes after the last intact record (a write cut short by a crash). */
  droppedBytes: number;
}

export interface JournalStats {
  records: number;
  flushes: number;
  bytes: number;
}

export interface JournalOptions {
  /** Share one fsync among all records waiting when a flush starts (default true). */
  groupCommit?: boolean;
}

function fileHeader(): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  MAGIC.copy(header, 0);
  header.writeUInt32LE(FORMAT_VERSION, 4);
  return header;
}

export function frameRecord(payload: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(RECORD_HEADER_BYTES + payload.length);
  frame.writeUInt32LE(payload.length, 0);
  frame.writeUInt32LE(crc32(payload), 4);
  frame.set(payload, RECORD_HEADER_BYTES);
  return frame;
}

/** Reads the intact records of a journal; a missing file is an empty journal. */
export async function readJournal(path: string): Promise<JournalContents> {
  let data: Buffer;
  try {
    data = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { records: [], droppedBytes: 0 };
    throw error;
  }
  if (data.length < HEADER_BYTES) return { records: [], droppedBytes: data.length };
  if (!data.subarray(0, 4).equals(MAGIC) || data.readUInt32LE(4) !== FORMAT_VERSION) {
    throw new Error(`${path} is not a journal of this MongoDB twin (unknown header)`);
  }
  const records: Buffer[] = [];
  let offset = HEADER_BYTES;
  while (offset + RECORD_HEADER_BYTES <= data.length) {
    const length = data.readUInt32LE(offset);
    const checksum = data.readUInt32LE(offset + 4);
    const start = offset + RECORD_HEADER_BYTES;
    if (length < MIN_PAYLOAD_BYTES || start + length > data.length) break;
    const payload = data.subarray(start, start + length);
    if (crc32(payload) !== checksum) break;
    records.push(payload);
    offset = start + length;
  }
  return { records, droppedBytes: data.length - offset };
}

/**
 * Replaces the journal with the given records atomically: write a temporary file,
 * fsync it, rename it over the journal, fsync the directory so the rename survives.
 */
export async function writeJournalSnapshot(path: string, records: Iterable<Uint8Array>): Promise<void> {
  const temporary = `${path}.compacting`;
  await rm(temporary, { force: true });
  const handle = await open(temporary, 'wx', 0o600);
  try {
    await writeFully(handle, fileHeader());
    for (const record of records) await writeFully(handle, frameRecord(record));
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, path);
  await syncDirectory(dirname(path));
}

async function syncDirectory(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function writeFully(handle: FileHandle, data: Buffer): Promise<void> {
  let written = 0;
  while (written < data.length) {
    const { bytesWritten } = await handle.write(data, written, data.length - written);
    written += bytesWritten;
  }
}

interface PendingRecord {
  frame: Buffer;
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * An open journal for appending. `append` resolves only after the record is on
 * disk (written and fdatasync'd). Records queued while a flush is in progress are
 * written together by the next flush and share its fsync (group commit).
 */
export class Journal {
  private readonly queue: PendingRecord[] = [];
  private flushing: Promise<void> | undefined;
  private failure: Error | undefined;
  private closed = false;
  private readonly counters: JournalStats = { records: 0, flushes: 0, bytes: 0 };

  private constructor(
    private readonly path: string,
    private readonly handle: FileHandle,
    private readonly groupCommit: boolean,
  ) {}

  static async open(path: string, options: JournalOptions = {}): Promise<Journal> {
    const handle = await open(path, 'a', 0o600);
    return new Journal(path, handle, options.groupCommit ?? true);
  }

  get stats(): JournalStats {
    return { ...this.counters };
  }

  append(payload: Uint8Array): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new Error(`journal ${this.path} is closed`));
    const frame = frameRecord(payload);
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ frame, resolve, reject });
      this.flushing ??= this.flushLoop();
    });
  }

  /** Waits for queued records, then closes the file. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flushing;
    await this.handle.close();
  }

  private async flushLoop(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.groupCommit ? this.queue.splice(0) : this.queue.splice(0, 1);
      try {
        const data = batch.length === 1 ? batch[0].frame : Buffer.concat(batch.map((pending) => pending.frame));
        await writeFully(this.handle, data);
        await this.handle.datasync();
        this.counters.records += batch.length;
        this.counters.flushes += 1;
        this.counters.bytes += data.length;
        for (const pending of batch) pending.resolve();
      } catch (error) {
        // Memory and disk may now disagree: refuse every further write rather than acknowledge one that is not durable.
        this.failure = new Error(`journal ${this.path} failed: ${(error as Error).message}`);
        for (const pending of [...batch, ...this.queue.splice(0)]) pending.reject(this.failure);
      }
    }
    this.flushing = undefined;
  }
}
