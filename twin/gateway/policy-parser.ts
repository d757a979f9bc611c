import { XMLParser } from 'fast-xml-parser';
import { compileCondition, compileExpression } from './policy-expressions';
import { DEFAULT_FORWARD_TIMEOUT_SECONDS, VALIDATE_CONTENT_MAX_SIZE } from './policy-plan';
import type { ExistsAction, PolicyPlan, PolicySection, PolicyStep, ValueTemplate } from './policy-plan';

export class PolicyError extends Error {
  constructor(message: string) {
    super(`policy: ${message}`);
    this.name = 'PolicyError';
  }
}

type XmlNode = Record<string, unknown>;

const ATTRIBUTES = ':@';
const TEXT = '#text';
const SECTIONS: readonly PolicySection[] = ['inbound', 'backend', 'outbound', 'on-error'];

/** Which elements each section accepts, and which attributes each element accepts. */
const ELEMENTS: Record<string, { sections: readonly PolicySection[]; attributes: readonly string[] }> = {
  base: { sections: SECTIONS, attributes: [] },
  'set-header': { sections: ['inbound', 'outbound', 'on-error'], attributes: ['name', 'exists-action'] },
  'rate-limit-by-key': { sections: ['inbound'], attributes: ['calls', 'renewal-period', 'counter-key'] },
  'set-backend-service': { sections: ['inbound', 'backend'], attributes: ['backend-id'] },
  'forward-request': { sections: ['backend'], attributes: ['timeout'] },
  choose: { sections: SECTIONS, attributes: [] },
  'return-response': { sections: SECTIONS, attributes: [] },
  'validate-content': { sections: ['inbound', 'outbound', 'on-error'], attributes: ['unspecified-content-type-action', 'max-size', 'size-exceeded-action'] },
};

type ParseContext = { namedValues: Set<string>; backendIds: Set<string>; nextId: () => number };

function nameOf(node: XmlNode): string {
  const name = Object.keys(node).find((k) => k !== ATTRIBUTES);
  if (!name) throw new PolicyError('empty XML node');
  return name;
}

function childrenOf(node: XmlNode): XmlNode[] {
  const value = node[nameOf(node)];
  return Array.isArray(value) ? (value as XmlNode[]) : [];
}

function elementsOf(node: XmlNode, where: string): XmlNode[] {
  return childrenOf(node).filter((child) => {
    const name = nameOf(child);
    if (name === TEXT) {
      if (String(child[TEXT]).trim() !== '') throw new PolicyError(`unexpected text in <${where}>`);
      return false;
    }
    return true;
  });
}

function attributesOf(node: XmlNode): Record<string, string> {
  const raw = (node[ATTRIBUTES] ?? {}) as Record<string, unknown>;
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k.replace(/^@_/, ''), String(v)]));
}

function textOf(node: XmlNode): string {
  return childrenOf(node)
    .map((child) => {
      if (nameOf(child) !== TEXT) throw new PolicyError(`unsupported element <${nameOf(child)}> inside <${nameOf(node)}>`);
      return String(child[TEXT]);
    })
    .join('');
}

function parseValue(raw: string, namedValues: Set<string>): ValueTemplate {
  const text = raw.trim();
  if (text.startsWith('@')) return { kind: 'expression', source: text, evaluate: wrapExpression(text) };
  const parts: ({ text: string } | { namedValue: string })[] = [];
  let rest = raw;
  for (let match = /\{\{([^{}]+)\}\}/.exec(rest); match; match = /\{\{([^{}]+)\}\}/.exec(rest)) {
    if (match.index > 0) parts.push({ text: rest.slice(0, match.index) });
    const name = match[1].trim();
    namedValues.add(name);
    parts.push({ namedValue: name });
    rest = rest.slice(match.index + match[0].length);
  }
  if (rest.length > 0) parts.push({ text: rest });
  return { kind: 'text', parts };
}

function wrapExpression(text: string): ReturnType<typeof compileExpression> {
  try {
    return compileExpression(text);
  } catch (error) {
    throw new PolicyError((error as Error).message);
  }
}

function requireAttribute(attributes: Record<string, string>, element: string, name: string): string {
  const value = attributes[name];
  if (value === undefined || value.trim() === '') throw new PolicyError(`<${element}> requires attribute "${name}"`);
  return value;
}

function positiveInteger(value: string, element: string, attribute: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number <= 0) {
    throw new PolicyError(`<${element}> attribute "${attribute}" must be a positive integer, got "${value}"`);
  }
  return number;
}

function noAttributes(node: XmlNode): void {
  const extra = Object.keys(attributesOf(node));
  if (extra.length > 0) throw new PolicyError(`unsupported attribute "${extra[0]}" on policy element <${nameOf(node)}>`);
}

function parseSetHeader(node: XmlNode, children: XmlNode[], context: ParseContext): { name: string; existsAction: ExistsAction; values: ValueTemplate[] } {
  const attributes = attributesOf(node);
  const name = requireAttribute(attributes, 'set-header', 'name');
  for (const attribute of Object.keys(attributes)) {
    if (!['name', 'exists-action'].includes(attribute)) throw new PolicyError(`unsupported attribute "${attribute}" on policy element <set-header>`);
  }
  const action = (attributes['exists-action'] ?? 'override') as ExistsAction;
  if (!['override', 'skip', 'append', 'delete'].includes(action)) {
    throw new PolicyError(`<set-header> exists-action "${action}" is not one of override, skip, append, delete`);
  }
  const values = children.map((child) => {
    if (nameOf(child) !== 'value') throw new PolicyError(`unsupported element <${nameOf(child)}> inside <set-header>`);
    if (Object.keys(attributesOf(child)).length > 0) throw new PolicyError('<value> takes no attributes');
    return parseValue(textOf(child), context.namedValues);
  });
  if (action !== 'delete' && values.length === 0) throw new PolicyError(`<set-header name="${name}"> needs a <value>`);
  return { name: name.toLowerCase(), existsAction: action, values };
}

function parseChoose(node: XmlNode, section: PolicySection, context: ParseContext): PolicyStep {
  const branches: { condition: ReturnType<typeof compileCondition>; source: string; steps: PolicyStep[] }[] = [];
  let otherwise: PolicyStep[] | undefined;
  for (const child of elementsOf(node, 'choose')) {
    const name = nameOf(child);
    const attributes = attributesOf(child);
    if (name === 'when' && otherwise === undefined) {
      const source = requireAttribute(attributes, 'when', 'condition');
      if (Object.keys(attributes).length > 1) throw new PolicyError('<when> takes only "condition"');
      let condition: ReturnType<typeof compileCondition>;
      try {
        condition = compileCondition(source);
      } catch (error) {
        throw new PolicyError((error as Error).message);
      }
      branches.push({ condition, source, steps: elementsOf(child, 'when').map((step) => parseStep(step, section, context)) });
    } else if (name === 'otherwise' && otherwise === undefined && branches.length > 0) {
      noAttributes(child);
      otherwise = elementsOf(child, 'otherwise').map((step) => parseStep(step, section, context));
    } else {
      throw new PolicyError(`<choose> takes one or more <when> then at most one <otherwise>, not <${name}> here`);
    }
  }
  if (branches.length === 0) throw new PolicyError('<choose> needs at least one <when>');
  return { kind: 'choose', branches, otherwise: otherwise ?? [] };
}

function parseReturnResponse(node: XmlNode, context: ParseContext): PolicyStep {
  let status = 200;
  let reason: string | undefined;
  let body: string | undefined;
  const headers: { name: string; values: ValueTemplate[] }[] = [];
  for (const child of elementsOf(node, 'return-response')) {
    const name = nameOf(child);
    if (name === 'set-status') {
      const attributes = attributesOf(child);
      status = positiveInteger(requireAttribute(attributes, 'set-status', 'code'), 'set-status', 'code');
      reason = attributes.reason;
      if (Object.keys(attributes).some((a) => a !== 'code' && a !== 'reason')) throw new PolicyError('<set-status> takes only "code" and "reason"');
    } else if (name === 'set-header') {
      const header = parseSetHeader(child, elementsOf(child, 'set-header'), context);
      if (header.existsAction !== 'override') throw new PolicyError('<set-header> inside <return-response> must override');
      headers.push({ name: header.name, values: header.values });
    } else if (name === 'set-body') {
      noAttributes(child);
      body = textOf(child).trim();
      if (body.startsWith('@')) throw new PolicyError('<set-body> expressions are not supported');
    } else {
      throw new PolicyError(`unsupported element <${name}> inside <return-response>`);
    }
  }
  return { kind: 'return-response', status, reason, headers, body };
}

function parseValidateContent(attributes: Record<string, string>): PolicyStep {
  const unspecified = requireAttribute(attributes, 'validate-content', 'unspecified-content-type-action');
  if (unspecified !== 'ignore') throw new PolicyError('<validate-content> unspecified-content-type-action other than "ignore" is not supported');
  const maxSize = positiveInteger(requireAttribute(attributes, 'validate-content', 'max-size'), 'validate-content', 'max-size');
  if (maxSize > VALIDATE_CONTENT_MAX_SIZE) throw new PolicyError(`<validate-content> max-size may be at most ${VALIDATE_CONTENT_MAX_SIZE} bytes, got ${maxSize}`);
  const action = requireAttribute(attributes, 'validate-content', 'size-exceeded-action');
  if (action !== 'ignore' && action !== 'prevent' && action !== 'detect') throw new PolicyError(`<validate-content> size-exceeded-action "${action}" is not one of ignore, prevent, detect`);
  return { kind: 'validate-content', maxSize, sizeExceededAction: action };
}

function parseStep(node: XmlNode, section: PolicySection, context: ParseContext): PolicyStep {
  const element = nameOf(node);
  const rule = ELEMENTS[element];
  if (!rule) throw new PolicyError(`unsupported policy element <${element}> in <${section}>`);
  if (!rule.sections.includes(section)) throw new PolicyError(`policy element <${element}> is not allowed in <${section}>`);
  const attributes = attributesOf(node);
  for (const attribute of Object.keys(attributes)) {
    if (!rule.attributes.includes(attribute)) {
      throw new PolicyError(`unsupported attribute "${attribute}" on policy element <${element}>`);
    }
  }
  if (element === 'choose') return parseChoose(node, section, context);
  if (element === 'return-response') return parseReturnResponse(node, context);
  const children = elementsOf(node, element);
  if (element !== 'set-header' && children.length > 0) {
    throw new PolicyError(`unsupported element <${nameOf(children[0])}> inside <${element}>`);
  }
  switch (element) {
    case 'base':
      return { kind: 'base' };
    case 'set-header':
      return { kind: 'set-header', ...parseSetHeader(node, children, context) };
    case 'validate-content':
      return parseValidateContent(attributes);
    case 'rate-limit-by-key':
      return {
        kind: 'rate-limit-by-key',
        id: context.nextId(),
        calls: positiveInteger(requireAttribute(attributes, element, 'calls'), element, 'calls'),
        renewalPeriodSeconds: positiveInteger(requireAttribute(attributes, element, 'renewal-period'), element, 'renewal-period'),
        counterKey: parseValue(requireAttribute(attributes, element, 'counter-key'), context.namedValues),
      };
    case 'set-backend-service': {
      const backendId = requireAttribute(attributes, element, 'backend-id');
      context.backendIds.add(backendId);
      return { kind: 'set-backend-service', backendId };
    }
    case 'forward-request':
      return {
        kind: 'forward-request',
        timeoutSeconds: attributes.timeout === undefined ? DEFAULT_FORWARD_TIMEOUT_SECONDS : positiveInteger(attributes.timeout, element, 'timeout'),
      };
    default:
      throw new PolicyError(`unsupported policy element <${element}> in <${section}>`);
  }
}

/**
 * Parses an APIM policy document into an executable plan. Anything the gateway does not
 * implement (element, attribute, expression) is an error here, at start-up, never skipped.
 */
export function parsePolicy(xml: string): PolicyPlan {
  let document: XmlNode[];
  try {
    document = new XMLParser({ preserveOrder: true, ignoreAttributes: false, attributeNamePrefix: '@_', trimValues: false, parseTagValue: false, parseAttributeValue: false }).parse(xml, true) as XmlNode[];
  } catch (error) {
    throw new PolicyError(`not well-formed XML: ${(error as Error).message}`);
  }
  const roots = document.filter((node) => !['?xml', TEXT].includes(nameOf(node)));
  if (roots.length !== 1 || nameOf(roots[0]) !== 'policies') throw new PolicyError('the document element must be <policies>');
  const root = roots[0];
  if (Object.keys(attributesOf(root)).length > 0) throw new PolicyError('<policies> takes no attributes');

  let id = 0;
  const context = { namedValues: new Set<string>(), backendIds: new Set<string>(), nextId: () => (id += 1) };
  const sections: Record<PolicySection, PolicyStep[]> = { inbound: [{ kind: 'base' }], backend: [{ kind: 'base' }], outbound: [{ kind: 'base' }], 'on-error': [{ kind: 'base' }] };
  const seen = new Set<string>();
  for (const sectionNode of elementsOf(root, 'policies')) {
    const section = nameOf(sectionNode) as PolicySection;
    if (!SECTIONS.includes(section)) throw new PolicyError(`unsupported policy section <${section}>`);
    if (seen.has(section)) throw new PolicyError(`duplicate section <${section}>`);
    seen.add(section);
    if (Object.keys(attributesOf(sectionNode)).length > 0) throw new PolicyError(`<${section}> takes no attributes`);
    sections[section] = elementsOf(sectionNode, section).map((node) => parseStep(node, section, context));
  }
  return { sections, namedValues: [...context.namedValues].sort(), backendIds: [...context.backendIds].sort() };
}
