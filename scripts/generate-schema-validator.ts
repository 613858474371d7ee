/**
 * Generates sdk/manifest/schema-validator.gen.ts: the connector schema compiled by ajv ahead of
 * time ("standalone code"), so `connector validate` and `loadConnector` neither import ajv nor
 * spend their cold start compiling the schema. `--check` exits 1 when the committed file is stale.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { _, Name, stringify, type CodeKeywordDefinition, type KeywordCxt } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { getProperty, strConcat } from 'ajv/dist/compile/codegen/index.js';
import standalone from 'ajv/dist/standalone/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const schemaPath = `${root}schemas/connector.schema.json`;
const outPath = `${root}sdk/manifest/schema-validator.gen.ts`;

// The names ajv's generated code gives the validation's context and the data's pointer.
const THIS = new Name('this');
const INSTANCE_PATH = new Name('instancePath');

/**
 * The x-template and x-jsonpath keywords validate nothing: they push what they see onto the
 * validation's `this` (passContext), for the rules beyond the schema. Written as code, not as a
 * `validate` function: standalone code cannot carry a function from this module.
 */
function collector(keyword: string, list: 'templates' | 'jsonPaths', schemaType: 'array' | 'boolean'): CodeKeywordDefinition {
  return {
    keyword,
    schemaType,
    code(cxt: KeywordCxt) {
      const { gen, data, schemaCode, it } = cxt;
      const pointer = strConcat(INSTANCE_PATH, it.errorPath);
      const entry =
        list === 'templates'
          ? _`{pointer: ${pointer}, value: ${data}, scopes: ${schemaCode}, schema: ${it.topSchemaRef}${it.schemaPath}}`
          : _`{pointer: ${pointer}, value: ${data}}`;
      gen.code(_`${THIS}.${new Name(list)}.push(${entry});`);
    },
  };
}

export async function generateSchemaValidator(): Promise<string> {
  const schema = JSON.parse(await readFile(schemaPath, 'utf8')) as Record<string, unknown>;
  const ajv = new Ajv2020({
    strict: true,
    // `auth` and `pagination` require their `type` next to the oneOf that defines it: sound JSON Schema.
    strictRequired: false,
    // Locoia's fields are `"type": ["string", "null"]`.
    allowUnionTypes: true,
    allErrors: true,
    discriminator: true,
    // Errors carry their schema and data: messages list allowed values and use the descriptions.
    verbose: true,
    // `this` in the collecting code is the SchemaCheck of the current validation.
    passContext: true,
    $data: false,
    // The generated code holds the formats as this text; ajv still wants the function to compile.
    code: { source: true, esm: true, formats: _`{ uri: (value) => URL.canParse(value) }` },
  });
  ajv.addFormat('uri', (value: string) => URL.canParse(value));
  ajv.addKeyword(collector('x-template', 'templates', 'array'));
  ajv.addKeyword(collector('x-jsonpath', 'jsonPaths', 'boolean'));
  const validate = ajv.compile(schema);
  const name = validate.source?.validateName;
  // ajv's own exports give way to typed ones below.
  const exports = `export const validate = ${name};export default ${name};`;
  const standaloneCode = standalone.default(ajv, validate);
  if (!standaloneCode.includes(exports)) throw new Error('ajv no longer writes its exports as expected');
  const { code, rootName } = shareSchemaObjects(standaloneCode.replace(exports, ''), schema);
  return `// @ts-nocheck
/* Generated from schemas/connector.schema.json by \`npx tsx scripts/generate-schema-validator.ts\`. Do not edit. */
import type { ErrorObject } from 'ajv';
import { createRequire } from 'node:module';
// ajv's standalone code requires its runtime helpers, even as an ES module.
const require = createRequire(import.meta.url);
${code}
/** Validates a manifest; \`this\` receives the fields x-template and x-jsonpath saw. */
export const validate: { (this: { templates: unknown[]; jsonPaths: unknown[] }, data: unknown): boolean; errors?: ErrorObject[] | null } = ${name};
/** The schema, as the very objects errors name in \`schema\` and \`parentSchema\`. */
export const connectorSchema: Record<string, unknown> & { $defs: Record<string, Record<string, unknown>> } = ${rootName};
`;
}

/**
 * ajv writes each compiled part of the schema (the root, each `$defs` entry) as its own copy.
 * Here every part after the root becomes a reference into the root, as when ajv compiles in
 * memory: ajv-diagnostics recognises the branch of an anyOf an error comes from by identity.
 * It also makes the file a fraction of the size.
 */
function shareSchemaObjects(code: string, schema: Record<string, unknown>): { code: string; rootName: string } {
  // ajv compiles the root and each `$defs` entry a `$ref` names; they appear as ajv writes them.
  const paths = new Map<string, string>();
  const parts: [string, unknown][] = [['', schema], ...Object.entries(schema.$defs ?? {}).map(([name, def]): [string, unknown] => [`.$defs${getProperty(name)}`, def])];
  for (const [path, part] of parts) {
    const text = String(stringify(part));
    if (paths.has(text)) throw new Error(`${path} is a copy of ${paths.get(text)}: the generated code could not tell them apart`);
    paths.set(text, path);
  }
  let rootName: string | undefined;
  let out = '';
  let last = 0;
  for (const match of code.matchAll(/const (schema\d+) = /g)) {
    const start = (match.index ?? 0) + match[0].length;
    const text = [...paths.keys()].find((candidate) => code.startsWith(`${candidate};`, start));
    if (text === undefined) throw new Error(`${match[1]} is not a part of the schema`);
    const path = paths.get(text) as string;
    if (path === '') rootName = match[1];
    if (rootName === undefined) throw new Error(`${match[1]} comes before the root schema`);
    if (path === '') continue;
    out += `${code.slice(last, start)}${rootName}${path}`;
    last = start + text.length;
  }
  if (rootName === undefined) throw new Error('the root schema is not in the generated code');
  return { code: out + code.slice(last), rootName };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const generated = await generateSchemaValidator();
  if (process.argv.includes('--check')) {
    const current = await readFile(outPath, 'utf8').catch(() => '');
    if (current !== generated) {
      console.error(`${outPath} is stale: run npx tsx scripts/generate-schema-validator.ts`);
      process.exit(1);
    }
  } else {
    await writeFile(outPath, generated);
  }
}
