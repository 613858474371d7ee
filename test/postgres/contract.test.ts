/**
 * The TokenStore contract (test/helpers/token-store-contract.ts) against PostgresTokenStore on a
 * real PostgreSQL server: from a connection string (its own pool), encrypted, and on a pg.Pool the
 * host passes in. Every store gets a table of its own, created beforehand with ensureSchema().
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { PostgresTokenStore } from '../../sdk/index.js';
import type { TokenStore } from '../../sdk/store/token-store.js';
import { startPostgresServer, type PostgresServer } from '../helpers/postgres-server.js';
import { tokenStoreContract } from '../helpers/token-store-contract.js';

/** Tables made ready per variant: one per contract test (there are 12), with room to spare. */
const TABLES = 16;
const key = randomBytes(32);
let server: PostgresServer;
let hostPool: pg.Pool;
const opened: PostgresTokenStore[] = [];

const variants = {
  own: (table: string) => new PostgresTokenStore(server.url, { table }),
  encrypted: (table: string) => new PostgresTokenStore(server.url, { table, encryptionKey: key }),
  given: (table: string) => new PostgresTokenStore(hostPool, { table }),
};
type Variant = keyof typeof variants;
const used: Record<Variant, number> = { own: 0, encrypted: 0, given: 0 };

beforeAll(async () => {
  server = await startPostgresServer();
  hostPool = new pg.Pool({ connectionString: server.url, max: 10 });
  for (const variant of Object.keys(variants)) {
    for (let i = 0; i < TABLES; i++) await new PostgresTokenStore(hostPool, { table: `contract_${variant}_${i}` }).ensureSchema();
  }
});
afterAll(async () => {
  await Promise.all(opened.map((store) => store.close()));
  await hostPool?.end();
  await server?.destroy();
});

/** A store of the variant on a table nobody used yet. */
function fresh(variant: Variant): TokenStore {
  const index = used[variant]++;
  if (index >= TABLES) throw new Error(`more than ${TABLES} stores of variant ${variant}: raise TABLES`);
  const store = variants[variant](`contract_${variant}_${index}`);
  opened.push(store);
  return store;
}

tokenStoreContract([
  ['PostgresTokenStore', () => fresh('own')],
  ['PostgresTokenStore (encrypted)', () => fresh('encrypted')],
  ['PostgresTokenStore (host pg.Pool)', () => fresh('given')],
]);
