/**
 * Validates a connector manifest for its author: the JSON Schema (schema-validator.ts, its
 * errors reworded by ajv-diagnostics.ts) and the rules a schema cannot express
 * (manifest-rules.ts). Every problem comes back at once, one readable diagnostic per problem,
 * sorted by position.
 */
import type { Diagnostic } from '../errors.js';
import { schemaFindings } from './ajv-diagnostics.js';
import { error, toDiagnostics, withFile } from './finding.js';
import { tooDeep } from './json-value.js';
import { parseJson, type JsonLocator } from './locate.js';
import { checkRules } from './manifest-rules.js';
import { checkSchema } from './schema-validator.js';
import type { ConnectorManifest } from './types.gen.js';

export interface ValidateOptions {
  /** Shown in every diagnostic. */
  file?: string;
}

export interface ManifestValidation {
  /** False when any diagnostic is an error; warnings alone leave a manifest valid. */
  valid: boolean;
  diagnostics: Diagnostic[];
  /** The manifest, when valid. */
  manifest?: ConnectorManifest;
}

/** Larger texts are refused before parsing. */
export const MAX_MANIFEST_BYTES = 8 * 1024 * 1024;
/** Deeper nesting is refused before parsing: no manifest needs it, and it would risk the stack. */
export const MAX_MANIFEST_DEPTH = 64;

/**
 * Validates a manifest given as JSON text (diagnostics carry line and column) or as a parsed
 * value (line and column are 0: there is no text to point into; the pointer still says where).
 *
 * @example
 * const { valid, diagnostics } = validateManifest(await readFile(path, 'utf8'), { file: path });
 */
export function validateManifest(valueOrText: unknown, options: ValidateOptions = {}): ManifestValidation {
  let value = valueOrText;
  let locator: JsonLocator | undefined;
  if (typeof valueOrText === 'string') {
    const parsed = parseJson(valueOrText, { maxBytes: MAX_MANIFEST_BYTES, maxDepth: MAX_MANIFEST_DEPTH });
    if (!parsed.ok) return { valid: false, diagnostics: [withFile(parsed.diagnostic, options.file)] };
    ({ value, locator } = parsed);
  } else {
    const deep = tooDeep(valueOrText, MAX_MANIFEST_DEPTH);
    if (deep !== undefined) {
      const finding = error(deep, `nesting deeper than ${MAX_MANIFEST_DEPTH} levels (or a cycle)`, 'flatten the structure');
      return { valid: false, diagnostics: toDiagnostics([finding], undefined, options.file) };
    }
  }
  const check = checkSchema(value);
  const findings = schemaFindings(check.errors);
  checkRules(value, check, findings);
  const diagnostics = toDiagnostics(findings, locator, options.file);
  const valid = !diagnostics.some((d) => d.severity === 'error');
  return valid ? { valid, diagnostics, manifest: value as ConnectorManifest } : { valid, diagnostics };
}
