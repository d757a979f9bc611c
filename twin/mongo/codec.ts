import { deserialize, serialize, type Document } from 'bson';
import { HEADER_BYTES, OpCode, readHeader, writeHeader } from './wire';

const MSG_CHECKSUM_PRESENT = 1 << 0;
const MSG_MORE_TO_COME = 1 << 1;
const SECTION_BODY = 0;
const SECTION_DOCUMENT_SEQUENCE = 1;

/** A decoded command, whichever opcode carried it. */
export interface CommandRequest {
  requestId: number;
  opCode: typeof OpCode.MSG | typeof OpCode.QUERY;
  /** The database the command runs against. */
  db: string;
  /** The command document, with document sequences (kind 1 sections) merged in as arrays. */
  body: Document;
  /** OP_MSG moreToCome: the client expects no reply (unacknowledged writes). */
  moreToCome: boolean;
}

export class ProtocolError extends Error {}

export function decodeRequest(message: Buffer): CommandRequest {
  const header = readHeader(message);
  if (header.opCode === OpCode.MSG) return decodeMsg(message, header.requestId);
  if (header.opCode === OpCode.QUERY) return decodeQuery(message, header.requestId);
  throw new ProtocolError(`unsupported opcode ${header.opCode}`);
}

function decodeMsg(message: Buffer, requestId: number): CommandRequest {
  const flags = message.readUInt32LE(HEADER_BYTES);
  const end = flags & MSG_CHECKSUM_PRESENT ? message.length - 4 : message.length;
  let offset = HEADER_BYTES + 4;
  let body: Document | undefined;
  const sequences: [string, Document[]][] = [];
  while (offset < end) {
    const kind = message[offset];
    offset += 1;
    if (kind === SECTION_BODY) {
      const size = message.readInt32LE(offset);
      body = deserialize(message.subarray(offset, offset + size));
      offset += size;
    } else if (kind === SECTION_DOCUMENT_SEQUENCE) {
      const size = message.readInt32LE(offset);
      const sectionEnd = offset + size;
      const nameEnd = message.indexOf(0, offset + 4);
      const identifier = message.toString('utf8', offset + 4, nameEnd);
      const docs: Document[] = [];
      let position = nameEnd + 1;
      while (position < sectionEnd) {
        const docSize = message.readInt32LE(position);
        docs.push(deserialize(message.subarray(position, position + docSize)));
        position += docSize;
      }
      sequences.push([identifier, docs]);
      offset = sectionEnd;
    } else {
      throw new ProtocolError(`unknown OP_MSG section kind ${kind}`);
    }
  }
  if (!body) throw new ProtocolError('OP_MSG without a body section');
  for (const [identifier, docs] of sequences) body[identifier] = docs;
  const db = typeof body.$db === 'string' ? body.$db : 'admin';
  return { requestId, opCode: OpCode.MSG, db, body, moreToCome: (flags & MSG_MORE_TO_COME) !== 0 };
}

function decodeQuery(message: Buffer, requestId: number): CommandRequest {
  let offset = HEADER_BYTES + 4;
  const nameEnd = message.indexOf(0, offset);
  const namespace = message.toString('utf8', offset, nameEnd);
  offset = nameEnd + 1 + 8;
  const size = message.readInt32LE(offset);
  let query = deserialize(message.subarray(offset, offset + size));
  // Legacy clients wrap the command with read preferences: { $query: {...}, $readPreference }.
  if (query.$query !== null && typeof query.$query === 'object') query = query.$query as Document;
  const dot = namespace.indexOf('.');
  const db = dot === -1 ? namespace : namespace.slice(0, dot);
  if (namespace.slice(dot + 1) !== '$cmd') throw new ProtocolError(`OP_QUERY is only supported for commands, not ${namespace}`);
  return { requestId, opCode: OpCode.QUERY, db, body: query, moreToCome: false };
}

/** Encodes a reply in the opcode family the request used. */
export function encodeReply(request: CommandRequest, replyId: number, reply: Document): Buffer {
  const doc = serialize(reply);
  if (request.opCode === OpCode.MSG) {
    const message = Buffer.allocUnsafe(HEADER_BYTES + 5 + doc.length);
    writeHeader(message, { length: message.length, requestId: replyId, responseTo: request.requestId, opCode: OpCode.MSG });
    message.writeUInt32LE(0, HEADER_BYTES);
    message[HEADER_BYTES + 4] = SECTION_BODY;
    message.set(doc, HEADER_BYTES + 5);
    return message;
  }
  const message = Buffer.allocUnsafe(HEADER_BYTES + 20 + doc.length);
  writeHeader(message, { length: message.length, requestId: replyId, responseTo: request.requestId, opCode: OpCode.REPLY });
  message.writeInt32LE(0, HEADER_BYTES);
  message.writeBigInt64LE(0n, HEADER_BYTES + 4);
  message.writeInt32LE(0, HEADER_BYTES + 12);
  message.writeInt32LE(1, HEADER_BYTES + 16);
  message.set(doc, HEADER_BYTES + 20);
  return message;
}
