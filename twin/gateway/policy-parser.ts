import { XMLParser } from 'fast-xml-parser';
import { compileExpression } from './policy-expressions';
import { DEFAULT_FORWARD_TIMEOUT_SECONDS } from './policy-plan';
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
};

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

function parseStep(node: XmlNode, section: PolicySection, context: { namedValues: Set<string>; backendIds: Set<string>; nextId: () => number }): PolicyStep {
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
  const children = elementsOf(node, element);
  if (element !== 'set-header' && children.length > 0) {
    throw new PolicyError(`unsupported element <${nameOf(children[0])}> inside <${element}>`);
  }
  switch (element) {
    case 'base':
      return { kind: 'base' };
    case 'set-header': {
      const name = requireAttribute(attributes, element, 'name');
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
      return { kind: 'set-header', name: name.toLowerCase(), existsAction: action, values };
    }
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
