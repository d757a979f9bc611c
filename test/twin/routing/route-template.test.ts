import { expect } from 'chai';
import { findBestMatch, parseRouteTemplate } from '../../../twin/routing/route-template';

describe('route templates', () => {
  it('matches literal segments case-insensitively and decodes parameters', () => {
    const template = parseRouteTemplate('patient/{patientId}/tests/{testId}');
    expect(template.match('/Patient/a%20b/tests/7')).to.deep.equal({ patientId: 'a b', testId: '7' });
    expect(template.match('/patient/a/tests')).to.equal(undefined);
    expect(template.match('/patient/a/other/7')).to.equal(undefined);
  });

  it('ranks literal segments before parameters, position by position', () => {
    const entries = ['patient/{patientId}', 'patient/search', 'patient/{patientId}/tests'].map((text) => ({ template: parseRouteTemplate(text) }));
    expect(findBestMatch(entries, '/patient/search').map((m) => m.entry.template.text)).to.deep.equal(['patient/search', 'patient/{patientId}']);
    expect(findBestMatch(entries, '/patient/42')[0].entry.template.text).to.equal('patient/{patientId}');
  });

  it('refuses constraints and optional parameters it does not implement', () => {
    expect(() => parseRouteTemplate('patient/{id:guid}')).to.throw(/unsupported route template segment/);
    expect(() => parseRouteTemplate('patient/{id?}')).to.throw(/unsupported/);
  });

  it('does not match a malformed percent-encoding', () => {
    expect(parseRouteTemplate('patient/{id}').match('/patient/%E0%A4%A')).to.equal(undefined);
  });
});
