import { expect } from 'chai';
import { appendFile, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serialize } from 'bson';
import { Journal, frameRecord, readJournal, writeJournalSnapshot } from '../../../twin/mongo/journal';
import { rejectionOf } from './support/expect-error';

describe('mongo twin journal', () => {
  let dir: string;
  let path: string;
  const record = (n: number): Buffer => Buffer.from(serialize({ n, text: `record ${n}` }));

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mongo-twin-journal-'));
    path = join(dir, 'test.journal');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function journalWith(count: number): Promise<void> {
    await writeJournalSnapshot(path, []);
    const journal = await Journal.open(path);
    await Promise.all(Array.from({ length: count }, (_, n) => journal.append(record(n))));
    await journal.close();
  }

  it('reads back every appended record in order', async () => {
    await journalWith(5);
    const { records, droppedBytes } = await readJournal(path);
    expect(records.map((payload) => Buffer.from(payload))).to.deep.equal([0, 1, 2, 3, 4].map(record));
    expect(droppedBytes).to.equal(0);
  });

  it('treats a missing journal as empty', async () => {
    expect(await readJournal(join(dir, 'none.journal'))).to.deep.equal({ records: [], droppedBytes: 0 });
  });

  it('drops a record cut short at the end', async () => {
    await journalWith(3);
    const torn = frameRecord(record(3));
    await appendFile(path, torn.subarray(0, torn.length - 3));
    const { records, droppedBytes } = await readJournal(path);
    expect(records).to.have.length(3);
    expect(droppedBytes).to.equal(torn.length - 3);
  });

  it('stops at a record whose checksum does not match, dropping it and what follows', async () => {
    await journalWith(2);
    const corrupt = frameRecord(record(2));
    corrupt[corrupt.length - 2] ^= 0xff;
    await appendFile(path, Buffer.concat([corrupt, frameRecord(record(3))]));
    const { records } = await readJournal(path);
    expect(records).to.have.length(2);
  });

  it('does not mistake a zero-filled tail for records', async () => {
    await journalWith(2);
    await appendFile(path, Buffer.alloc(64));
    const { records, droppedBytes } = await readJournal(path);
    expect(records).to.have.length(2);
    expect(droppedBytes).to.equal(64);
  });

  it('refuses a file that is not a journal', async () => {
    await writeFile(path, 'definitely not a journal file');
    const error = await rejectionOf(readJournal(path));
    expect(error.message).to.match(/not a journal/);
  });

  it('replaces the journal atomically with a snapshot, leaving no temporary file', async () => {
    await journalWith(10);
    await writeJournalSnapshot(path, [record(42)]);
    const { records } = await readJournal(path);
    expect(records.map((payload) => Buffer.from(payload))).to.deep.equal([record(42)]);
    expect(await readdir(dir)).to.deep.equal(['test.journal']);
  });

  it('commits concurrent appends with fewer fsyncs than records, and one each without group commit', async () => {
    await writeJournalSnapshot(path, []);
    const grouped = await Journal.open(path);
    await Promise.all(Array.from({ length: 50 }, (_, n) => grouped.append(record(n))));
    expect(grouped.stats.records).to.equal(50);
    expect(grouped.stats.flushes).to.be.lessThan(50);
    await grouped.close();

    const single = await Journal.open(path, { groupCommit: false });
    await Promise.all(Array.from({ length: 20 }, (_, n) => single.append(record(n))));
    expect(single.stats.flushes).to.equal(20);
    await single.close();
    expect((await readJournal(path)).records).to.have.length(70);
  });

  it('refuses appends after close', async () => {
    await writeJournalSnapshot(path, []);
    const journal = await Journal.open(path);
    await journal.close();
    const error = await rejectionOf(journal.append(record(1)));
    expect(error.message).to.match(/closed/);
  });
});
