/** MongoDB wire protocol framing: every message starts with a 16-byte little-endian header. */
export const OpCode = {
  REPLY: 1,
  QUERY: 2004,
  COMPRESSED: 2012,
  MSG: 2013,
} as const;

export const HEADER_BYTES = 16;
export const MAX_MESSAGE_BYTES = 48_000_000;

export interface MessageHeader {
  length: number;
  requestId: number;
  responseTo: number;
  opCode: number;
}

export function readHeader(message: Buffer): MessageHeader {
  return {
    length: message.readInt32LE(0),
    requestId: message.readInt32LE(4),
    responseTo: message.readInt32LE(8),
    opCode: message.readInt32LE(12),
  };
}

export function writeHeader(target: Buffer, header: MessageHeader): void {
  target.writeInt32LE(header.length, 0);
  target.writeInt32LE(header.requestId, 4);
  target.writeInt32LE(header.responseTo, 8);
  target.writeInt32LE(header.opCode, 12);
}

/** Splits a byte stream into whole messages. */
export class MessageFramer {
  private pending: Buffer = Buffer.alloc(0);

  /** Returns the messages completed by this chunk; throws on a length no server would accept. */
  push(chunk: Buffer): Buffer[] {
    let data = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const messages: Buffer[] = [];
    while (data.length >= 4) {
      const length = data.readInt32LE(0);
      if (length < HEADER_BYTES || length > MAX_MESSAGE_BYTES) throw new Error(`invalid message length ${length}`);
      if (data.length < length) break;
      messages.push(data.subarray(0, length));
      data = data.subarray(length);
    }
    this.pending = data;
    return messages;
  }
}
