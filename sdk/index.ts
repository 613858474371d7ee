/**
 * connector-sdk: load a connector manifest, connect it with a user's credentials and a token
 * store, execute its actions.
 *
 * @example
 * const connector = await loadConnector('connectors/snov-io.json');
 * const connection = connector.connect({ connectionId: 'tenant-42', credentials: { client_id, client_secret } });
 * const { data } = await connection.execute('get-balance');
 */
export { loadConnector, Connector } from './runtime/connector.js';
export type { ConnectOptions, LoadOptions, Clock, Environment } from './runtime/connector.js';
export { Connection } from './runtime/connection.js';
export type { ActionResult, CallOptions, PageOptions, TokenInfo } from './runtime/connection.js';
export type { ConnectorTypes, TypedConnection, Untyped } from './runtime/typed-connection.js';
export { validateManifest } from './manifest/validate.js';
export { MemoryTokenStore } from './store/memory-token-store.js';
export { FileTokenStore, type FileTokenStoreOptions } from './store/file-token-store.js';
export type { EncryptionKey, EncryptionOptions } from './store/encryption.js';
export {
  RedisTokenStore,
  type RedisTokenStoreOptions,
  type RedisCommandClient,
  type RedisClusterCommandClient,
  type RedisSentinelCommandClient,
  type RedisClientLike,
} from './store/redis-token-store.js';
export {
  PostgresTokenStore,
  type PostgresTokenStoreOptions,
  type PostgresPool,
  type PostgresQueryable,
  type PostgresQueryResult,
} from './store/postgres-token-store.js';
export type { TokenStore, TokenRecord } from './store/token-store.js';
export type { StoredCookie } from './store/cookie-jar.js';
export type { ConnectorEvent, ConnectorEventType, EventListener } from './events.js';
export type { ConnectorManifest } from './manifest/types.gen.js';
export { runManifestTests } from './testkit/scenario-runner.js';
export type { ManifestReport, ScenarioReport, RunOptions } from './testkit/scenario-runner.js';
export * from './errors.js';
// The MCP server: @modelcontextprotocol/sdk (an optional peer) is imported only when a server is made.
export { createMcpServer } from './mcp/server.js';
export type { McpServerOptions, McpRequestContext, McpAuthInfo, McpConnector, McpTransport, ConnectorMcpServer } from './mcp/server.js';
// Importers: other connector formats as manifests, with diagnostics into the source (docs/import-locoia.md, docs/import-openapi.md).
export { importLocoia, LOCOIA_AUTH_TYPES, STARTER_ACTION_ID } from './import/locoia.js';
export type { LocoiaImport, LocoiaImportOptions, LocoiaAuthType } from './import/locoia.js';
export { importOpenApi } from './import/openapi.js';
export type { OpenApiImport, OpenApiImportOptions } from './import/openapi.js';
// Rate budgets (a manifest's rate_limit): in-process, or a shared store's (`store.rateBudget()`), for hosts and benches.
export { MemoryRateBudget, type BudgetTimer } from './store/memory-rate-budget.js';
export { rateBudgetKey, budgetWindowMs, type RateBudget, type RateSlot, type BudgetLimit } from './store/rate-budget.js';
