import fc from 'fast-check';

/**
 * Hostile requests for the gateway, as data: either an HTTP request Node's client can send,
 * or raw bytes for what it refuses to send (CR/LF in header values, smuggling, splitting).
 * `{pid}` and `{tid}` in paths stand for an existing patient and test result.
 */
export type HostileRequest =
  | { kind: string; transport: 'http'; method: string; path: string; contentType?: string; body?: string | Buffer; chunked?: boolean; headers?: Record<string, string> }
  | { kind: string; transport: 'raw'; bytes: string };

/** Personal values carry this marker, so a log line holding one is found by a plain search. */
export const PII_MARKER = 'PIIMRK';

let serial = 0;
const marked = (prefix: string) => `${PII_MARKER}${prefix}${(serial += 1)}`;

const validPatient = (): Record<string, unknown> => ({
  firstName: marked('fn'),
  lastName: marked('ln'),
  gender: 'other',
  dateOfBirth: '1970-01-01',
  postCode: marked('p').slice(0, 16),
  insuranceNumber: marked('ins'),
});
const validTest = (): Record<string, unknown> => ({
  performer: marked('perf'),
  orderReference: 'ORD-H',
  observations: [{ id: 'o1', code: 'HB', measurement: marked('m'), interpretation: 'normal', issued: '2024-01-02T03:04:05Z', status: 'final' }],
});

interface Target {
  method: string;
  path: string;
  body(): Record<string, unknown>;
}

const TARGETS: Record<string, Target> = {
  createPatient: { method: 'POST', path: '/patient', body: validPatient },
  updatePatient: { method: 'PUT', path: '/patient/{pid}', body: validPatient },
  searchPatients: { method: 'POST', path: '/patient/search', body: () => ({ lastName: marked('ln'), limit: 5 }) },
  createTestResult: { method: 'POST', path: '/patient/{pid}/tests', body: validTest },
  updateTestResult: { method: 'PUT', path: '/patient/{pid}/tests/{tid}', body: validTest },
};
const targetName = fc.constantFrom(...Object.keys(TARGETS));

const OPERATORS: unknown[] = [
  { $ne: null },
  { $where: 'sleep(2000) || true' },
  { $regex: '.*', $options: 'si' },
  { $gt: '' },
  { $in: ['a', null] },
  { $exists: true },
  { $expr: { $eq: [1, 1] } },
  { $function: { body: 'function() { return true; }', args: [], lang: 'js' } },
  { $set: { admin: true } },
  { $elemMatch: { $ne: null } },
];

function wrap(value: unknown, depth: number, shape: 'object' | 'array'): unknown {
  let wrapped = value;
  for (let i = 0; i < depth; i += 1) wrapped = shape === 'object' ? { [i % 2 === 0 ? 'a' : '$or']: wrapped } : [wrapped];
  return wrapped;
}

/** Sets `value` at one place of `body`: a field, an observation's field, a new key, or a key that is itself an operator. */
function plant(body: Record<string, unknown>, place: number, where: 'field' | 'observation' | 'extra-key' | 'operator-key', value: unknown): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(body)) as Record<string, unknown>;
  if (where === 'observation' && Array.isArray(copy.observations)) {
    const observation = (copy.observations as Record<string, unknown>[])[0];
    const keys = Object.keys(observation);
    observation[keys[place % keys.length]] = value;
    return copy;
  }
  if (where === 'extra-key') return { ...copy, [`field${place % 3}`]: value };
  if (where === 'operator-key') return { ...copy, [(['$where', '$or', '$ne', '$expr'] as const)[place % 4]]: value };
  const keys = Object.keys(copy);
  copy[keys[place % keys.length]] = value;
  return copy;
}

const jsonRequest = (kind: string, target: Target, body: unknown, contentType = 'application/json'): HostileRequest => ({
  kind,
  transport: 'http',
  method: target.method,
  path: target.path,
  contentType,
  body: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body),
});

const operatorInjection = fc
  .record({
    target: targetName,
    operator: fc.constantFrom(...OPERATORS),
    depth: fc.integer({ min: 0, max: 8 }),
    shape: fc.constantFrom<'object' | 'array'>('object', 'array'),
    where: fc.constantFrom<'field' | 'observation' | 'extra-key' | 'operator-key'>('field', 'observation', 'extra-key', 'operator-key'),
    place: fc.nat({ max: 20 }),
  })
  .map(({ target, operator, depth, shape, where, place }) => {
    const t = TARGETS[target];
    return jsonRequest(`operator ${where}`, t, plant(t.body(), place, where, wrap(operator, depth, shape)));
  });

const operatorInQueryOrPath = fc
  .constantFrom(
    '/patient/{pid}/tests?continuationToken[$ne]=x',
    '/patient/{pid}/tests?continuationToken=%7B%22%24ne%22%3Anull%7D',
    '/patient/%7B%22%24ne%22%3Anull%7D',
    '/patient/%24where',
    '/patient/{pid}/tests/%7B%22%24gt%22%3A%22%22%7D',
    '/compliance/patient/%7B%22%24regex%22%3A%22.*%22%7D/audit',
  )
  .map((path): HostileRequest => ({ kind: 'operator in path or query', transport: 'http', method: 'GET', path }));

const wrongType = fc
  .record({
    target: targetName,
    place: fc.nat({ max: 20 }),
    where: fc.constantFrom<'field' | 'observation'>('field', 'observation'),
    value: fc.oneof(
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.string({ maxLength: 4 }), { maxLength: 3 }),
      fc.dictionary(fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 }), { maxKeys: 3 }),
    ),
  })
  .map(({ target, place, where, value }) => jsonRequest('wrong type', TARGETS[target], plant(TARGETS[target].body(), place, where, value)));

const wrongBodyShape = fc
  .record({ target: targetName, body: fc.oneof(fc.constant('[]'), fc.constant('null'), fc.constant('42'), fc.constant('"text"'), fc.constant('true'), fc.json()) })
  .map(({ target, body }) => jsonRequest('wrong body shape', TARGETS[target], body));

const UNICODE_EDGES = ['\ud800', 'a\udfffb', '\udc00\ud800', '\u202eRTL\u202c', '\u0000NUL', 'a\u0000', '😀👩‍⚕️🏳️‍🌈', '\ufeffBOM', 'e\u0301\u0301\u0301', '\u2028\u2029', '\uffff\ufffe', 'ǅǈ', 'İı', '\u200b\u200d'];

const unicodeValue = fc
  .record({
    target: targetName,
    place: fc.nat({ max: 20 }),
    where: fc.constantFrom<'field' | 'observation'>('field', 'observation'),
    value: fc.oneof(
      fc.constantFrom(...UNICODE_EDGES),
      fc.string({ unit: 'binary', maxLength: 12 }),
      fc.string({ unit: 'grapheme', maxLength: 12 }),
      fc.integer({ min: 65, max: 30_000 }).map((n) => 'ä'.repeat(n)),
    ),
  })
  .map(({ target, place, where, value }) => jsonRequest('unicode', TARGETS[target], plant(TARGETS[target].body(), place, where, `${value}${marked('u').slice(0, 10)}`)));

/** Bytes that are not UTF-8 at all, inside an otherwise valid JSON text. */
const invalidUtf8 = fc
  .record({ target: targetName, bytes: fc.constantFrom([0xff], [0xc3, 0x28], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xc0, 0xaf], [0xe2, 0x82]) })
  .map(({ target, bytes }) => {
    const text = JSON.stringify(TARGETS[target].body());
    const at = text.indexOf('":"') + 3;
    return jsonRequest('invalid UTF-8', TARGETS[target], Buffer.concat([Buffer.from(text.slice(0, at)), Buffer.from(bytes), Buffer.from(text.slice(at))]));
  });

const hugeBody = fc
  .record({ target: targetName, kib: fc.integer({ min: 65, max: 400 }), chunked: fc.boolean() })
  .map(({ target, kib, chunked }): HostileRequest => {
    const t = TARGETS[target];
    const body = JSON.stringify({ ...t.body(), firstName: 'x'.repeat(kib * 1024) });
    return { kind: 'huge body', transport: 'http', method: t.method, path: t.path, contentType: 'application/json', body, chunked };
  });

const deepJson = fc
  .record({ target: targetName, depth: fc.oneof(fc.constant(10_000), fc.integer({ min: 100, max: 10_000 })), shape: fc.constantFrom('array', 'object'), asField: fc.boolean() })
  .map(({ target, depth, shape, asField }) => {
    const nested = shape === 'array' ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
    const body = asField ? `{"firstName":${nested},"gender":"male","dateOfBirth":"2000","postCode":"X"}` : nested;
    return jsonRequest('deep JSON', TARGETS[target], body);
  });

const duplicateKeys = fc
  .record({
    target: targetName,
    text: fc.constantFrom(
      `{"firstName":"a","gender":"male","dateOfBirth":"2000","postCode":"X","firstName":{"$ne":null}}`,
      `{"lastName":"a","lastName":{"$ne":null}}`,
      `{"postCode":{"$ne":null,"$ne":1}}`,
      `{"observations":[{"code":"a","code":{"$gt":""}}],"observations":[]}`,
      `{"a":1,"\\u0061":2}`,
    ),
  })
  .map(({ target, text }) => jsonRequest('duplicate keys', TARGETS[target], text));

const wrongContentType = fc
  .record({
    target: targetName,
    contentType: fc.constantFrom(
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/json; charset=latin1',
      'application/json; charset=utf-16',
      'application/xml',
      'application/json-patch+json',
      'application/jsonx',
      'json',
      '',
    ),
    form: fc.boolean(),
  })
  .map(({ target, contentType, form }) => {
    const t = TARGETS[target];
    return jsonRequest('wrong content type', t, form ? `firstName[$ne]=1&postCode=${marked('p')}` : t.body(), contentType);
  });

const ID_TRICKS = [
  '..%2f..%2fapi%2fauditrecord',
  '..%2F..%2F..%2Fetc%2Fpasswd',
  '%2e%2e%2f%2e%2e%2fcompliance',
  '.%2e/.%2e/api',
  '%252e%252e%252f',
  '%00',
  '00000000-0000-4000-8000-000000000000%00',
  '{pid}%00.json',
  '{pid}%20',
  '{pid}%0d%0aX-Injected:%201',
  '%ef%bc%8f..%ef%bc%8f',
  '%c0%ae%c0%ae%c0%af',
  '%u002e%u002e',
  'x'.repeat(5000),
  `${'a'.repeat(36)}${'%41'.repeat(2000)}`,
  '%ff%fe',
  '%',
  '%%32%65',
];

const pathTricks = fc
  .record({
    method: fc.constantFrom('GET', 'PUT', 'DELETE', 'POST'),
    template: fc.constantFrom('/patient/{x}', '/patient/{x}/tests', '/patient/{pid}/tests/{x}', '/patient/{x}/audit', '/compliance/patient/{x}/audit', '/{x}', '/patient/{x}/tests/{x}'),
    trick: fc.constantFrom(...ID_TRICKS),
  })
  .map(({ method, template, trick }): HostileRequest => {
    const path = template.split('{x}').join(trick);
    const withBody = method === 'POST' || method === 'PUT';
    return { kind: 'path trick', transport: 'http', method, path, ...(withBody ? { contentType: 'application/json', body: JSON.stringify(validTest()) } : {}) };
  });

const spoofedHeaders = fc
  .record({
    target: targetName,
    header: fc.constantFrom('x-apim-subscription-id', 'x-apim-client-ip', 'x-apim-request-id', 'x-forwarded-for', 'x-functions-key', 'traceparent', 'x-ms-client-principal', 'host'),
  })
  .map(({ target, header }): HostileRequest => {
    const t = TARGETS[target];
    const values: Record<string, string> = {
      'x-apim-subscription-id': 'evil-subscription',
      'x-apim-client-ip': '10.6.6.6',
      'x-apim-request-id': 'chosen-by-the-client',
      'x-forwarded-for': '10.6.6.6, 127.0.0.1',
      'x-functions-key': 'guessed-function-key',
      traceparent: '00-zzzz-yyyy-01',
      'x-ms-client-principal': 'YWRtaW4=',
      host: 'evil.example',
    };
    return { kind: 'spoofed header', transport: 'http', method: t.method, path: t.path, contentType: 'application/json', body: JSON.stringify(t.body()), headers: { [header]: values[header] } };
  });

/** Raw requests: Node's client refuses to send CR or LF inside a header value, so these are written byte by byte. */
const HEADER_INJECTIONS = [
  '\r\nx-apim-subscription-id: evil-subscription',
  '\r\nx-functions-key: guessed-function-key',
  '\r\nX-Forwarded-For: 10.6.6.6',
  '\nX-Forwarded-For: 10.6.6.6',
  '\rX-Bare-CR: 1',
  '\r\n Transfer-Encoding: chunked',
  '\r\nTransfer-Encoding: chunked',
  '\r\nContent-Length: 0',
  '\u0000',
  '\r\n\r\nGET /patient/{pid} HTTP/1.1\r\nHost: 127.0.0.1\r\nOcp-Apim-Subscription-Key: guessed',
];

const headerInjection = fc
  .record({ target: targetName, injection: fc.constantFrom(...HEADER_INJECTIONS), inKey: fc.boolean() })
  .map(({ target, injection, inKey }): HostileRequest => {
    const t = TARGETS[target];
    const body = JSON.stringify(t.body());
    const keyLine = inKey ? `Ocp-Apim-Subscription-Key: {key}${injection}` : `Ocp-Apim-Subscription-Key: {key}\r\nX-Note: a${injection}`;
    const bytes = `${t.method} ${t.path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${keyLine}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
    return { kind: 'header injection', transport: 'raw', bytes };
  });

const malformedHttp = fc
  .constantFrom(
    'GET /patient/{pid} HTTP/1.1\r\nHost: 127.0.0.1\r\nOcp-Apim-Subscription-Key: {key}\r\nBad Header: 1\r\nConnection: close\r\n\r\n',
    'POST /patient HTTP/1.1\r\nHost: 127.0.0.1\r\nOcp-Apim-Subscription-Key: {key}\r\nContent-Type: application/json\r\nContent-Length: 5\r\nContent-Length: 500\r\nConnection: close\r\n\r\n{"a":1}',
    'POST /patient HTTP/1.1\r\nHost: 127.0.0.1\r\nOcp-Apim-Subscription-Key: {key}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\nConnection: close\r\n\r\nzz\r\n{"a"\r\n0\r\n\r\n',
    `GET /patient/{pid} HTTP/1.1\r\nHost: 127.0.0.1\r\nOcp-Apim-Subscription-Key: {key}\r\nX-Long: ${'a'.repeat(70_000)}\r\nConnection: close\r\n\r\n`,
    'GET /patient/{pid} HTTP/9.9\r\nHost: 127.0.0.1\r\nOcp-Apim-Subscription-Key: {key}\r\nConnection: close\r\n\r\n',
    'GET /patient/{pid}\r\n\r\n',
  )
  .map((bytes): HostileRequest => ({ kind: 'malformed HTTP', transport: 'raw', bytes }));

/** Every kind, weighted so the body attacks dominate. */
export const hostileRequest: fc.Arbitrary<HostileRequest> = fc.oneof(
  { arbitrary: operatorInjection, weight: 30 },
  { arbitrary: operatorInQueryOrPath, weight: 2 },
  { arbitrary: wrongType, weight: 12 },
  { arbitrary: wrongBodyShape, weight: 4 },
  { arbitrary: unicodeValue, weight: 12 },
  { arbitrary: invalidUtf8, weight: 3 },
  { arbitrary: hugeBody, weight: 3 },
  { arbitrary: deepJson, weight: 3 },
  { arbitrary: duplicateKeys, weight: 3 },
  { arbitrary: wrongContentType, weight: 5 },
  { arbitrary: pathTricks, weight: 10 },
  { arbitrary: spoofedHeaders, weight: 4 },
  { arbitrary: headerInjection, weight: 6 },
  { arbitrary: malformedHttp, weight: 2 },
);

/** Valid creates whose personal values carry the marker: what a log must never show. */
export function markedPatient(): Record<string, unknown> {
  return validPatient();
}
