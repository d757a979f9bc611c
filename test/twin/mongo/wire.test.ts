import { expect } from 'chai';
import { deserialize, serialize } from 'bson';
import { decodeRequest, encodeReply } from '../../../twin/mongo/codec';
import { MessageFramer, OpCode, readHeader } from '../../../twin/mongo/wire';

function opMsg(requestId: number, flags: number, body: object, sequence?: { name: string; docs: object[] }): Buffer {
  const parts: Buffer[] = [Buffer.alloc(4), Buffer.from([0]), Buffer.from(serialize(body))];
  parts[0].writeUInt32LE(flags);
  if (sequence) {
    const docs = Buffer.concat(sequence.docs.map((doc) => Buffer.from(serialize(doc))));
    const name = Buffer.from(`${sequence.name}\0`);
    const size = Buffer.alloc(4);
    size.writeInt32LE(4 + name.length + docs.length);
    parts.push(Buffer.from([1]), size, name, docs);
  }
  const payload = Buffer.concat(parts);
  const header = Buffer.alloc(16);
  header.writeInt32LE(16 + payload.length, 0);
  header.writeInt32LE(requestId, 4);
  header.writeInt32LE(0, 8);
  header.writeInt32LE(OpCode.MSG, 12);
  return Buffer.concat([header, payload]);
}

describe('mongo twin wire protocol', () => {
  it('reassembles messages split across and packed into chunks', () => {
    const first = opMsg(1, 0, { ping: 1, $db: 'admin' });
    const second = opMsg(2, 0, { hello: 1, $db: 'admin' });
    const stream = Buffer.concat([first, second]);
    const framer = new MessageFramer();
    expect(framer.push(stream.subarray(0, 10))).to.deep.equal([]);
    const messages = framer.push(stream.subarray(10));
    expect(messages.map((message) => readHeader(message).requestId)).to.deep.equal([1, 2]);
  });

  it('rejects an impossible message length', () => {
    const bogus = Buffer.alloc(16);
    bogus.writeInt32LE(3, 0);
    expect(() => new MessageFramer().push(bogus)).to.throw(/invalid message length/);
  });

  it('merges an OP_MSG document sequence into the command and honours moreToCome', () => {
    const request = decodeRequest(
      opMsg(7, 2, { insert: 'people', $db: 'clinic', ordered: true }, { name: 'documents', docs: [{ a: 1 }, { a: 2 }] }),
    );
    expect(request.db).to.equal('clinic');
    expect(request.moreToCome).to.equal(true);
    expect(request.body).to.deep.equal({ insert: 'people', $db: 'clinic', ordered: true, documents: [{ a: 1 }, { a: 2 }] });
  });

  it('answers in the opcode family of the request', () => {
    const request = decodeRequest(opMsg(9, 0, { ping: 1, $db: 'admin' }));
    const reply = encodeReply(request, 1, { ok: 1 });
    const header = readHeader(reply);
    expect(header).to.deep.include({ length: reply.length, responseTo: 9, opCode: OpCode.MSG });
    expect(deserialize(reply.subarray(21))).to.deep.equal({ ok: 1 });
  });
});
