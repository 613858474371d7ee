/**
 * Generates sdk/manifest/types.gen.ts from schemas/connector.schema.json, so the runtime's
 * types come from the one source of truth. `--check` exits 1 when the committed file is stale.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { compile, type JSONSchema } from 'json-schema-to-typescript';

const root = fileURLToPath(new URL('..', import.meta.url));
const schemaPath = `${root}schemas/connector.schema.json`;
const outPath = `${root}sdk/manifest/types.gen.ts`;

export async function generateTypes(): Promise<string> {
  const schema = JSON.parse(await readFile(schemaPath, 'utf8')) as JSONSchema;
  return compile(withRootExample(withNamedDefinitionsOnly(schema)), 'ConnectorManifest', {
    bannerComment:
      '/* Generated from schemas/connector.schema.json by `npm run generate`. Do not edit. */',
    additionalProperties: false,
    unreachableDefinitions: true,
    strictIndexSignatures: true,
    format: true,
    style: { singleQuote: true, printWidth: 100 },
  });
}

/**
 * The TSDoc example of the generated root type (a public export of the SDK). The root's
 * description becomes that type's comment, line by line, so the example rides on it: the
 * schema itself stays free of TypeScript.
 */
const ROOT_EXAMPLE = `

@example
const manifest: ConnectorManifest = {
  id: 'acme',
  name: 'Acme',
  version: '1.0.0',
  base_url: 'https://api.acme.test',
  auth: { type: 'bearer', token: '{{ credentials.token }}' },
  credentials: { type: 'object', required: ['token'], properties: { token: { type: 'string', 'x-secret': true } } },
  actions: { 'get-balance': { method: 'GET', path: '/v1/get-balance' } },
};
const connector = await loadConnector(manifest);`;

function withRootExample(schema: JSONSchema): JSONSchema {
  return { ...schema, description: `${schema.description ?? ''}${ROOT_EXAMPLE}` };
}

/**
 * Every property of the schema has a `title` for authors; json-schema-to-typescript would turn
 * each into its own alias (Type1, Type2…). Only the `$defs` entries and the root name types, and a
 * `$ref` stands alone.
 */
function withNamedDefinitionsOnly(schema: JSONSchema): JSONSchema {
  const strip = (node: unknown, keepTitle: boolean): unknown => {
    if (Array.isArray(node)) return node.map((item) => strip(item, false));
    if (node === null || typeof node !== 'object') return node;
    // A $ref with sibling keywords would become a fresh alias (JSONPath1, JSONPath2…).
    if ('$ref' in node) return { $ref: (node as { $ref: string }).$ref };
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) {
      if (key === 'title' && !keepTitle) continue;
      if (key === 'examples' || key === 'default') out[key] = value;
      else if (key === 'properties' && value !== null && typeof value === 'object') {
        // Names of properties, not keywords: a property called "title" (an action's) stays.
        out[key] = Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([name, property]) => [name, strip(property, false)]));
      } else if (key === '$defs') {
        out[key] = Object.fromEntries(
          Object.entries(value as Record<string, unknown>).map(([name, def]) => [name, strip(def, true)]),
        );
      } else out[key] = strip(value, false);
    }
    return out;
  };
  return strip(schema, true) as JSONSchema;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const generated = await generateTypes();
  if (process.argv.includes('--check')) {
    const current = await readFile(outPath, 'utf8').catch(() => '');
    if (current !== generated) {
      console.error(`${outPath} is stale: run npm run generate`);
      process.exit(1);
    }
  } else {
    await writeFile(outPath, generated);
  }
}
