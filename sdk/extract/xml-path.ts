/**
 * Slash paths into a parsed XML answer (xml.ts's model), compiled once per manifest field. Apart
 * from the parser so that checking a manifest's paths (`connector validate`) never loads it.
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
 * are refused at compile time with a message. What `first()` returns: xml.ts ("Values").
 */
import type { XmlDocument, XmlElement } from './xml.js';

export interface CompiledXmlPath {
  /** The path as written in the manifest. */
  readonly source: string;
  /** Every match's value, in document order. */
  all(document: XmlDocument): string[];
  /** The first match's value, or undefined when nothing matches. */
  first(document: XmlDocument): string | undefined;
}

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
