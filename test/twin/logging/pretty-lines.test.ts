import { expect } from 'chai';
import { prettyLogLines } from '../../../twin/logging/pretty-lines';

/** A gateway request line as the request logger writes it. */
const GATEWAY_LINE = JSON.stringify({
  level: 30,
  time: '2026-12-01T23:24:11.617Z',
  process: 'apim',
  pid: 31329,
  traceId: '9d1f24de04be0ae49d2f599d258dde92',
  method: 'POST',
  clientIp: '127.0.0.1',
  route: '/patient/search',
  operationId: 'searchPatients',
  subscriptionId: 'consumers',
  status: 200,
  durationMs: 183,
  msg: 'request',
});

describe('pretty log lines (a terminal reading the local stack)', () => {
  it('prints a JSON line as time, level, process and message with its fields, without the JSON braces', () => {
    const line = prettyLogLines('apim', false)(GATEWAY_LINE);
    expect(line).to.match(
      /^\[\d{2}:\d{2}:\d{2}\.\d{3}\] INFO \(apim\): request traceId=9d1f24de04be0ae49d2f599d258dde92 method=POST clientIp=127\.0\.0\.1 route=\/patient\/search operationId=searchPatients subscriptionId=consumers status=200 durationMs=183\n$/,
    );
    expect(line).to.not.match(/[{}]/);
  });

  it("names the process a line came from, takes the apps' `message`, and shows a level they spell out", () => {
    const pretty = prettyLogLines('patient-api', false);
    expect(pretty('{"level":50,"time":"2026-12-01T23:24:10.522Z","database":"patients","problem":"not reachable","message":"database not ready"}')).to.match(
      /\] ERROR \(patient-api\): database not ready database=patients problem="not reachable"\n$/,
    );
    expect(pretty('{"level":30,"time":"2026-12-01T23:24:10.287Z","app":"audit-api","level":"debug","category":"system","msg":"HTTP streaming enabled."}')).to.match(
      /\] DEBUG \(patient-api\): HTTP streaming enabled\. app=audit-api category=system\n$/,
    );
  });

  it('never prints a secret field, whoever wrote the line', () => {
    const line = prettyLogLines('apim', false)(JSON.stringify({ level: 30, time: 0, msg: 'request', key: 'k-s3cret', token: 't-s3cret', headers: { 'ocp-apim-subscription-key': 'h-s3cret' }, query: 'code=q-s3cret', body: 'b-s3cret', status: 401 }));
    expect(line).to.contain('request status=401').and.not.match(/s3cret|key=|token=|headers=|query=|body=/);
  });

  it('colours level and fields when the terminal takes colour, and passes a line that is not JSON as it is', () => {
    expect(prettyLogLines('apim', true)(GATEWAY_LINE)).to.contain('\u001b[32mINFO\u001b[39m');
    expect(prettyLogLines('apim', false)('MongoDB twin listening')).to.equal('MongoDB twin listening\n');
    expect(prettyLogLines('apim', false)('[1,2]')).to.equal('[1,2]\n');
  });
});
