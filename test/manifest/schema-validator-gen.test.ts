import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { generateSchemaValidator } from '../../scripts/generate-schema-validator.js';
import { connectorSchema } from '../../sdk/manifest/schema-validator.gen.js';

describe('generated schema validator', () => {
  it('sdk/manifest/schema-validator.gen.ts matches a fresh generation from the schema', async () => {
    const committed = readFileSync(fileURLToPath(new URL('../../sdk/manifest/schema-validator.gen.ts', import.meta.url)), 'utf8');
    // A boolean, not toBe: the diff of two 300 kB one-line files helps nobody.
    const fresh = committed === (await generateSchemaValidator());
    expect(fresh, 'stale: run npx tsx scripts/generate-schema-validator.ts').toBe(true);
  });

  it('holds the schema as one object tree, with each definition shared rather than copied', () => {
    const schema = JSON.parse(readFileSync(fileURLToPath(new URL('../../schemas/connector.schema.json', import.meta.url)), 'utf8')) as unknown;
    expect(connectorSchema).toEqual(schema);
  });
});
