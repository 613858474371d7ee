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
 * Path syntax (compileXmlPath), a small subset of XPath:
 *
 *   path  = step+ [ "/@" name ]          the attribute, when there is one, is the last step
 *   step  = "/" test                     a child of the context (the first step: the root element)
 *         | "//" test                    a descendant of the context, at any depth
 *   test  = name | prefix ":" name | "*" any element; a prefix is ignored (see below)
 *
 *   /response/operation/result/data/api/sessionid     Sage Intacct getAPISession
 *   /Envelope/Body/LoginResponse/LoginResult          a SOAP answer (soap:Envelope …)
 *   //sessionid                                       the first sessionid anywhere
 *   /response/control/@version                        an attribute
 *   /Envelope/Body/*                                  "*": any element (here: Body's first child)
 *
 * Namespace prefixes are ignored on both sides: `soap:Envelope` in the document is the element
 * `Envelope`, and so is `soap:Envelope` in a path; `xmlns` declarations are not attributes.
 * Names are case-sensitive, as in XML. Predicates (`[1]`), functions (`text()`) and `.`/`..` steps
 * are refused at compile time with a message.
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

export interface CompiledXmlPath {
  /** The path as written in the manifest. */
  readonly source: string;
  /** Every match's value, in document order. */
  all(document: XmlDocument): string[];
  /** The first match's value, or undefined when nothing matches. */
  first(document: XmlDocument): string | undefined;
}

/**
 * Parses an XML answer, or throws an XmlResponseError (reason `malformed`, `too_large` or
 * `too_deep`).
 *
 * @example compileXmlPath('//sessionid').first(parseXmlSafely(body)) // 'nJw…'
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
// Paths

interface Step {
  descendant: boolean;
  /** Local name, or undefined for `*`. */
  name: string | undefined;
}

interface ParsedPath {
  steps: Step[];
  attribute: string | undefined;
}

/** An XML NCName (no colon); a close approximation of XML 1.0 §2.3 with Unicode classes. */
const NCNAME = /^[\p{L}_][\p{L}\p{M}\p{N}_.\-\u00B7\u203F\u2040]*$/u;
const MAX_PATH_LENGTH = 1000;

/** Returns what is wrong with an XML path, or undefined when it can be used. */
export function checkXmlPath(path: string): string | undefined {
  const parsed = parsePath(path);
  return typeof parsed === 'string' ? parsed : undefined;
}

/** Compiles a path (see the module comment); throws a TypeError with checkXmlPath's message. */
export function compileXmlPath(path: string): CompiledXmlPath {
  const parsed = parsePath(path);
  if (typeof parsed === 'string') throw new TypeError(parsed);
  const { steps, attribute } = parsed;
  const all = (document: XmlDocument): string[] => {
    const elements = select(document, steps);
    if (attribute === undefined) return elements.map((element) => element.text);
    return elements.flatMap((element) => {
      const value = element.attributes.get(attribute);
      return value === undefined ? [] : [value];
    });
  };
  return { source: path, all, first: (document) => all(document)[0] };
}

function parsePath(path: string): ParsedPath | string {
  const text = path.trim();
  const shown = shorten(text);
  if (text === '') return 'the XML path is empty';
  if (text.length > MAX_PATH_LENGTH) return `the XML path is longer than ${MAX_PATH_LENGTH} characters`;
  if (/[[\]()]/.test(text)) {
    return `"${shown}" uses predicates ("[…]") or functions ("text()"), which XML paths do not support: a path selects the first match, and an element's text is its value`;
  }
  if (!text.startsWith('/')) return `"${shown}" must start with "/" (from the root element) or "//" (at any depth)`;
  if (text.endsWith('/')) return `"${shown}" ends with "/": name an element or an attribute`;
  const steps: Step[] = [];
  let attribute: string | undefined;
  let index = 0;
  while (index < text.length) {
    let descendant = false;
    index++; // the "/"
    if (text[index] === '/') {
      descendant = true;
      index++;
    }
    if (text[index] === '/') return `"${shown}" has an empty step ("///")`;
    const end = text.indexOf('/', index);
    const raw = text.slice(index, end === -1 ? text.length : end);
    index = end === -1 ? text.length : end;
    if (attribute !== undefined) return `"${shown}": the attribute step "@${attribute}" must be the last step`;
    if (raw.startsWith('@')) {
      if (descendant) return `"${shown}": an attribute needs an element before it (write "//*/${raw}")`;
      if (steps.length === 0) return `"${shown}": an attribute needs an element before it (write "/*/${raw}")`;
      const name = localName(raw.slice(1));
      if (name === undefined) return `"${shown}": "${raw}" is not an attribute name`;
      if (name === 'xmlns' || raw.slice(1).startsWith('xmlns:')) {
        return `"${shown}": namespace declarations ("${raw}") are not attributes an XML path can read`;
      }
      attribute = name;
      continue;
    }
    if (raw === '*') {
      steps.push({ descendant, name: undefined });
      continue;
    }
    if (raw === '.' || raw === '..') return `"${shown}": "${raw}" steps are not supported: name each element from the root`;
    const name = localName(raw);
    if (name === undefined) return `"${shown}": "${shorten(raw)}" is not an element name`;
    steps.push({ descendant, name });
  }
  return { steps, attribute };
}

/** `name` or `prefix:name` (the prefix ignored, as in the document); undefined when neither. */
function localName(raw: string): string | undefined {
  const parts = raw.split(':');
  if (parts.length > 2 || !parts.every((part) => NCNAME.test(part))) return undefined;
  return parts[parts.length - 1];
}

/**
 * The elements a path's steps select, in document order, each once. While no `//` step has run,
 * the context elements are never nested in one another, so a child step keeps document order by
 * concatenation; after one, a step walks the whole tree once, in document order.
 */
function select(document: XmlDocument, steps: readonly Step[]): XmlElement[] {
  const top: XmlElement = { name: '', attributes: new Map(), children: [document.root], text: '' };
  let context: readonly XmlElement[] = [top];
  let nested = false;
  for (const step of steps) {
    if (context.length === 0) return [];
    if (!nested && !step.descendant) {
      context = context.flatMap((element) => element.children.filter((child) => matchesName(child, step)));
      continue;
    }
    context = walk(top, new Set(context), step);
    nested = true;
  }
  return context as XmlElement[];
}

/** Preorder over the tree: the children (or descendants) of the context elements that match the step. */
function walk(top: XmlElement, context: ReadonlySet<XmlElement>, step: Step): XmlElement[] {
  const out: XmlElement[] = [];
  // Each entry: an element and whether one of its ancestors (for a child step: its parent) is a context element.
  const stack: [XmlElement, boolean][] = [[top, false]];
  while (stack.length > 0) {
    const [element, selected] = stack.pop()!;
    if (selected && matchesName(element, step)) out.push(element);
    const inContext = context.has(element);
    const below = step.descendant ? selected || inContext : inContext;
    for (let index = element.children.length - 1; index >= 0; index--) stack.push([element.children[index]!, below]);
  }
  return out;
}

function matchesName(element: XmlElement, step: Step): boolean {
  return step.name === undefined || element.name === step.name;
}

function shorten(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
