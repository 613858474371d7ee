/**
 * XML answers from servers we do not trust (a Sage Intacct session, a SOAP login result): the
 * one door to fast-xml-parser. A document is parsed once into a small, prototype-free model and
 * read with compiled slash paths.
 *
 * What the parser refuses or never does:
 * - entities: no DOCTYPE entity is ever expanded (the library runs with `processEntities: false`);
 *   the five predefined entities (`&amp;` …) and numeric character references are decoded here,
 *   in one pass, and any other reference stays as literal text (`&lol9;`). A DOCTYPE declaring
 *   an external entity (SYSTEM/PUBLIC) is refused as malformed.
 * - size: text longer than `maxLength` characters (default 1 MiB) is refused before parsing. The
 *   HTTP layer caps bodies at 10 MiB, but the library parses a few MB a second at worst (an 8 MB
 *   document of small elements takes seconds), and a token answer is a few kilobytes.
 * - depth: elements nested deeper than `maxDepth` levels (default 100) are refused; the library
 *   stops at that depth too, so a 100 000-deep document fails at once, never with a RangeError.
 * - prototypes: element and attribute names are data (Maps and arrays), so `__proto__`,
 *   `constructor` or `toString` elements are ordinary elements.
 * - types: every value is a string (`parseTagValue: false`): `<id>007</id>` is "007".
 * A document that is not well-formed (the library's validator, plus one root element and nothing
 * but whitespace after it) is refused. Every refusal is an XmlResponseError whose message never
 * quotes the document: the library's own messages may, so they are never passed on.
 *
 * Paths into the model: xml-path.ts.
 *
 * Values: `first()` returns the text of the first match in document order, or undefined when
 * nothing matches. An element's text is its own text (references decoded) and CDATA sections
 * (verbatim), in order, with the whitespace at both ends removed: '' for `<a/>` or an element with
 * only child elements. An attribute's value is as written, references decoded.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { ResponseError } from '../errors.js';

export interface XmlElement {
  /** The local name (a namespace prefix removed). */
  readonly name: string;
  /** By local name, values as strings; `xmlns` declarations are dropped. */
  readonly attributes: ReadonlyMap<string, string>;
  /** Child elements in document order. */
  readonly children: readonly XmlElement[];
  /** The element's own text and CDATA, trimmed at both ends ('' when none); see the module comment. */
  readonly text: string;
}

export interface XmlDocument {
  readonly root: XmlElement;
}

export interface XmlLimits {
  /** Characters; longer text is refused before parsing. Default 1 MiB. */
  maxLength?: number;
  /** Element nesting; the root is level 1. Default 100. */
  maxDepth?: number;
}

export const DEFAULT_XML_LIMITS = Object.freeze({ maxLength: 1024 * 1024, maxDepth: 100 });

export type XmlRefusal = 'malformed' | 'too_large' | 'too_deep';

/** The response is not XML this module accepts. Never quotes the document. */
export class XmlResponseError extends ResponseError {
  readonly reason: XmlRefusal;
  constructor(reason: XmlRefusal, message: string) {
    super(message);
    this.reason = reason;
  }
}


/**
 * Parses an XML answer, or throws an XmlResponseError (reason `malformed`, `too_large` or
 * `too_deep`).
 *
 * @example compileXmlPath('//sessionid').first(parseXmlSafely(body)) // 'nJw…' (compileXmlPath: xml-path.ts)
 */
export function parseXmlSafely(text: string, limits: XmlLimits = {}): XmlDocument {
  const maxLength = limits.maxLength ?? DEFAULT_XML_LIMITS.maxLength;
  const maxDepth = limits.maxDepth ?? DEFAULT_XML_LIMITS.maxDepth;
  if (text.length > maxLength) {
    throw new XmlResponseError('too_large', `the XML response is ${text.length} characters long, more than the ${maxLength} accepted`);
  }
  // A byte order mark and leading whitespace are tolerated (some servers send a blank line first).
  const xml = text.replace(/^\uFEFF?\s*/, '');
  if (xml.length === 0) throw new XmlResponseError('malformed', 'the response is empty, not XML');
  let nodes: unknown;
  try {
    nodes = parser(maxDepth).parse(xml);
  } catch (error) {
    // Checked before the validator: its pass over a hostile 100 000-deep document is wasted work.
    if (error instanceof Error && /nested tags/i.test(error.message)) throw tooDeep(maxDepth);
    throw malformed(xml);
  }
  const verdict = XMLValidator.validate(xml);
  if (verdict !== true) throw malformed(xml, verdict.err);
  // The validator takes text after the root element; it is not XML.
  if (!xml.trimEnd().endsWith('>')) throw new XmlResponseError('malformed', 'the response is not well-formed XML (text after the root element)');
  return { root: toModel(nodes, maxDepth) };
}

/**
 * Library keys for elements carry this prefix: no XML name starts with "~", so the library's
 * reserved keys (`#text`, `#cdata`, `:@`) and its refusal of `__proto__`/`constructor` names
 * never meet a name from the document. The library applies the transform twice to a
 * self-closing tag, hence idempotent.
 */
const ELEMENT_KEY = '~';
const TEXT_KEY = '#text';
const CDATA_KEY = '#cdata';
const ATTRIBUTES_KEY = ':@';
const ATTRIBUTE_PREFIX = '@_';

function parser(maxDepth: number): XMLParser {
  return new XMLParser({
    preserveOrder: true,
    ignoreAttributes: false,
    attributeNamePrefix: ATTRIBUTE_PREFIX,
    removeNSPrefix: true,
    parseTagValue: false,
    parseAttributeValue: false,
    processEntities: false,
    htmlEntities: false,
    cdataPropName: CDATA_KEY,
    textNodeName: TEXT_KEY,
    ignoreDeclaration: true,
    ignorePiTags: true,
    trimValues: false,
    // The library lets one or two levels more through (it counts open ancestors); toModel counts exactly.
    maxNestedTags: maxDepth,
    transformTagName: (name: string) => (name.startsWith(ELEMENT_KEY) ? name : ELEMENT_KEY + name),
  });
}

function tooDeep(maxDepth: number): XmlResponseError {
  return new XmlResponseError('too_deep', `the XML response is nested deeper than ${maxDepth} levels`);
}

function malformed(xml: string, err?: { code?: unknown; line?: unknown; col?: unknown }): XmlResponseError {
  if (xml[0] !== '<') return new XmlResponseError('malformed', 'the response is not XML (it does not start with "<")');
  // Only the validator's error code and position: its message may quote a name from the document.
  const details: string[] = [];
  if (typeof err?.code === 'string' && /^Invalid[A-Za-z]{1,20}$/.test(err.code)) details.push(err.code);
  if (typeof err?.line === 'number') details.push(`line ${err.line}${typeof err.col === 'number' ? `, column ${err.col}` : ''}`);
  const suffix = details.length > 0 ? ` (${details.join(' at ')})` : '';
  return new XmlResponseError('malformed', `the response is not well-formed XML${suffix}`);
}

interface MutableElement {
  name: string;
  attributes: Map<string, string>;
  children: MutableElement[];
  text: string;
}

type LibraryNode = Record<string, unknown>;

/** The library's ordered output to the model, without recursion (depth is bounded anyway). */
function toModel(nodes: unknown, maxDepth: number): XmlElement {
  const top: MutableElement = { name: '', attributes: new Map(), children: [], text: '' };
  const stack: { element: MutableElement; nodes: unknown[]; depth: number }[] = [{ element: top, nodes: asArray(nodes), depth: 0 }];
  while (stack.length > 0) {
    const { element, nodes: list, depth } = stack.pop()!;
    for (const node of list) {
      if (node === null || typeof node !== 'object') continue;
      for (const key of Object.keys(node)) {
        const value = (node as LibraryNode)[key];
        if (key === TEXT_KEY) {
          if (depth > 0) element.text += decodeReferences(String(value));
          else if (String(value).trim() !== '') throw new XmlResponseError('malformed', 'the response is not well-formed XML (text outside the root element)');
        } else if (key === CDATA_KEY) {
          for (const piece of asArray(value)) {
            const raw = (piece as LibraryNode | null)?.[TEXT_KEY];
            if (typeof raw === 'string' && depth > 0) element.text += raw;
          }
        } else if (key.startsWith(ELEMENT_KEY)) {
          if (depth + 1 > maxDepth) throw tooDeep(maxDepth);
          const child: MutableElement = {
            name: key.replace(/^~+/, ''),
            attributes: attributesOf((node as LibraryNode)[ATTRIBUTES_KEY]),
            children: [],
            text: '',
          };
          element.children.push(child);
          stack.push({ element: child, nodes: asArray(value), depth: depth + 1 });
        }
      }
    }
    element.text = element.text.trim();
  }
  if (top.children.length !== 1) {
    throw new XmlResponseError('malformed', `the response is not well-formed XML (${top.children.length === 0 ? 'no' : 'more than one'} root element)`);
  }
  return top.children[0]!;
}

function attributesOf(value: unknown): Map<string, string> {
  const attributes = new Map<string, string>();
  if (value === null || typeof value !== 'object') return attributes;
  for (const key of Object.keys(value)) {
    if (!key.startsWith(ATTRIBUTE_PREFIX)) continue;
    const name = key.slice(ATTRIBUTE_PREFIX.length);
    const raw = (value as LibraryNode)[key];
    if (name !== '' && typeof raw === 'string') attributes.set(name, decodeReferences(raw));
  }
  return attributes;
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

const PREDEFINED: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** One pass: `&amp;lt;` is "&lt;". Declared entities are never expanded; unknown references stay as written. */
function decodeReferences(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(?:#(\d{1,7})|#x([0-9A-Fa-f]{1,6})|(lt|gt|amp|quot|apos));/g, (whole, dec?: string, hex?: string, name?: string) => {
    if (name !== undefined) return PREDEFINED[name]!;
    const code = dec !== undefined ? Number.parseInt(dec, 10) : Number.parseInt(hex!, 16);
    return isXmlChar(code) ? String.fromCodePoint(code) : whole;
  });
}

/** XML 1.0 §2.2 Char. */
function isXmlChar(code: number): boolean {
  return (
    code === 0x9 || code === 0xa || code === 0xd || (code >= 0x20 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd) || (code >= 0x10000 && code <= 0x10ffff)
  );
}

// ---------------------------------------------------------------------------------------------
