/**
 * Host patterns written without templates are checked when the manifest is validated, with the
 * parser the runtime compiles them with: a pattern the runtime would refuse at load
 * (`^(a+)+$`, a URL, a bare public suffix) is a diagnostic, not a valid manifest that cannot load.
 * Templated ones (`{{ credentials.host }}`) are checked when they are rendered, at connect.
 */
import { checkHostPattern } from './host-pattern.js';
import { escapePointerToken } from '../json-pointer.js';
import { error, type Finding } from './finding.js';
import { isRecord } from './json-value.js';

const PATTERN_LISTS = new Set(['allowed_host_patterns', 'host_patterns']);
const TEMPLATE = /\{\{|\{%/;

/**
 * Appends to `out` an error for each static host pattern the runtime could not compile, wherever
 * the manifest declares them (allowed_host_patterns, a step value's or callback value's host_patterns).
 *
 * @example checkHostPatterns({ allowed_host_patterns: ['https://x.example.com'] }, out); // out: "/allowed_host_patterns/0: … is a URL or a path"
 */
export function checkHostPatterns(manifest: Record<string, unknown>, out: Finding[]): void {
  for (const [key, value] of Object.entries(manifest)) {
    if (key !== 'tests') walk(value, `/${escapePointerToken(key)}`, PATTERN_LISTS.has(key), out);
  }
}

function walk(value: unknown, pointer: string, isPatternList: boolean, out: Finding[]): void {
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      if (isPatternList && typeof item === 'string') checkOne(item, `${pointer}/${i}`, out);
      else walk(item, `${pointer}/${i}`, false, out);
    });
  } else if (isRecord(value)) {
    for (const [key, child] of Object.entries(value)) walk(child, `${pointer}/${escapePointerToken(key)}`, PATTERN_LISTS.has(key), out);
  }
}

function checkOne(pattern: string, pointer: string, out: Finding[]): void {
  if (TEMPLATE.test(pattern)) return;
  const problem = checkHostPattern(pattern);
  if (problem) out.push(error(pointer, `host pattern cannot be used: ${problem}`, 'write a host pattern such as "*.example.com", "api.{eu,com}.example" or "host:8443"'));
}
