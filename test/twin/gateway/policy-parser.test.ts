import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePolicy } from '../../../twin/gateway/policy-parser';

const contractPolicy = readFileSync(join(__dirname, '..', '..', '..', 'contracts', 'apim-policy.xml'), 'utf8');

function policy(inbound: string, backend = '<forward-request timeout="20" />', outbound = '<base />'): string {
  return `<policies><inbound>${inbound}</inbound><backend>${backend}</backend><outbound>${outbound}</outbound><on-error><base /></on-error></policies>`;
}

describe('policy parser', () => {
  it('turns the deployed policy file into a plan in document order', () => {
    const plan = parsePolicy(contractPolicy);
    expect(plan.sections.inbound.map((s) => s.kind)).to.deep.equal([
      'base',
      'choose',
      'validate-content',
      'rate-limit-by-key',
      'set-backend-service',
      'set-header',
      'set-header',
      'set-header',
      'set-header',
    ]);
    expect(plan.sections['on-error'].map((s) => s.kind)).to.deep.equal(['base', 'choose']);
    expect(plan.sections.backend).to.deep.equal([{ kind: 'forward-request', timeoutSeconds: 20 }]);
    expect(plan.sections.outbound.filter((s) => s.kind === 'set-header').map((s) => s.kind === 'set-header' && `${s.name}:${s.existsAction}`)).to.deep.equal([
      'x-powered-by:delete',
      'x-aspnet-version:delete',
      'server:delete',
    ]);
    expect(plan.namedValues).to.deep.equal(['patient-api-host-key']);
    expect(plan.backendIds).to.deep.equal(['patient-api']);
  });

  it('refuses an element it does not implement, naming it', () => {
    expect(() => parsePolicy(policy('<base /><cors allow-credentials="false" />'))).to.throw(/<cors>/);
    expect(() => parsePolicy(policy('<base />', '<forward-request timeout="5" />', '<set-body>x</set-body>'))).to.throw(/<set-body>/);
    expect(() => parsePolicy(policy('<validate-content unspecified-content-type-action="ignore" max-size="10" size-exceeded-action="prevent"><content type="application/json" validate-as="json" action="prevent" /></validate-content>'))).to.throw(/<content>/);
  });

  it('refuses what API Management itself refuses or the gateway cannot do exactly', () => {
    expect(() => parsePolicy(policy('<validate-content unspecified-content-type-action="ignore" max-size="102401" size-exceeded-action="prevent" />'))).to.throw(/at most 102400/);
    expect(() => parsePolicy(policy('<validate-content unspecified-content-type-action="prevent" max-size="10" size-exceeded-action="prevent" />'))).to.throw(/unspecified-content-type-action/);
    expect(() => parsePolicy(policy('<choose><when condition="@(context.Request.Method == &quot;POST&quot;)"><base /></when></choose>'))).to.throw(/unsupported policy condition/);
    expect(() => parsePolicy(policy('<choose><otherwise /></choose>'))).to.throw(/<choose>/);
    expect(() => parsePolicy(policy('<return-response><set-body>@(context.RequestId)</set-body></return-response>'))).to.throw(/expressions are not supported/);
  });

  it('refuses an attribute it does not implement, naming element and attribute', () => {
    expect(() => parsePolicy(policy('<rate-limit-by-key calls="1" renewal-period="60" counter-key="x" increment-condition="@(true)" />'))).to.throw(
      /increment-condition.*<rate-limit-by-key>/,
    );
    expect(() => parsePolicy(policy('<base />', '<forward-request timeout="5" buffer-request-body="true" />'))).to.throw(/buffer-request-body/);
  });

  it('refuses an expression it cannot evaluate', () => {
    expect(() => parsePolicy(policy('<set-header name="x" exists-action="override"><value>@(context.User.Email)</value></set-header>'))).to.throw(
      /unsupported policy expression "@\(context.User.Email\)"/,
    );
  });

  it('refuses elements in a section where APIM does not allow them', () => {
    expect(() => parsePolicy(policy('<forward-request />'))).to.throw(/<forward-request> is not allowed in <inbound>/);
  });

  it('refuses an unknown exists-action, a missing value and a bad number', () => {
    expect(() => parsePolicy(policy('<set-header name="x" exists-action="replace"><value>a</value></set-header>'))).to.throw(/exists-action "replace"/);
    expect(() => parsePolicy(policy('<set-header name="x" exists-action="override" />'))).to.throw(/needs a <value>/);
    expect(() => parsePolicy(policy('<rate-limit-by-key calls="many" renewal-period="60" counter-key="x" />'))).to.throw(/positive integer/);
  });

  it('refuses a document that is not <policies> or not well-formed', () => {
    expect(() => parsePolicy('<policy />')).to.throw(/<policies>/);
    expect(() => parsePolicy('<policies><inbound></policies>')).to.throw(/policy:/);
  });

  it('treats a missing section as <base />, whose backend forwards with the default timeout', () => {
    const plan = parsePolicy('<policies><inbound><base /></inbound></policies>');
    expect(plan.sections.backend).to.deep.equal([{ kind: 'base' }]);
  });

  it('collects named values used inside text', () => {
    const plan = parsePolicy(policy('<set-header name="x" exists-action="append"><value>Bearer {{token-a}}/{{ token-b }}</value></set-header>'));
    expect(plan.namedValues).to.deep.equal(['token-a', 'token-b']);
  });
});
