/**
 * Compile-time types for a connector whose types `connector generate` wrote: its action ids, each
 * action's input and output, its credentials. The runtime is the same Connection; only what the
 * compiler lets a host write changes. A connector loaded without them stays untyped.
 *
 * @example
 * import type { SnovIo } from './snov-io.connector.js'; // written by `npx connector generate connectors/snov-io.json`
 * const connector = await loadConnector<SnovIo>('connectors/snov-io.json');
 * const connection = connector.connect({ connectionId: 't1', credentials: { client_id, client_secret } });
 * const { data } = await connection.execute('get-balance'); // data: the action's output_schema type
 */
import type { CallOptions, Connection, PageOptions } from './connection.js';
import type { ActionResult } from './action-response.js';
import type { ConnectOptions } from './connector.js';

/**
 * What `connector generate` declares for one connector: pass it to loadConnector to type the
 * connection. A hand-written one fits too.
 *
 * @example
 * interface SnovIoBalance extends ConnectorTypes {
 *   credentials: { client_id: string; client_secret: string; api_base?: string };
 *   actions: { 'get-balance': { input: undefined; output: { balance: string; teamwork: boolean } } };
 * }
 * const connector = await loadConnector<SnovIoBalance>('connectors/snov-io.json');
 */
export interface ConnectorTypes {
  credentials: object;
  actions: Record<string, { input: object | undefined; output: unknown }>;
}

/**
 * The marker of a connector loaded without generated types (loadConnector's default type
 * argument): its connections are plain Connections, with any action id and `unknown` data.
 *
 * @example
 * const connector: Connector<Untyped> = await loadConnector('connectors/snov-io.json');
 * const connection: Connection = connector.connect({ connectionId: 't1', credentials: { client_id, client_secret } });
 */
export interface Untyped {
  readonly untyped: true;
}

type ActionId<T extends ConnectorTypes> = Extract<keyof T['actions'], string>;
type InputOf<T extends ConnectorTypes, K extends ActionId<T>> = T['actions'][K]['input'];
type OutputOf<T extends ConnectorTypes, K extends ActionId<T>> = T['actions'][K]['output'];
/** An input with no required field may be left out. */
type InputArgs<I> = I extends undefined ? [input?: I] : {} extends I ? [input?: I] : [input: I];

/**
 * A Connection whose action ids, inputs, outputs are the generated ones: what connect() returns
 * for a connector loaded with its types. A wrong action id or input is a compile error.
 *
 * @example
 * const connection: TypedConnection<SnovIo> = (await loadConnector<SnovIo>('connectors/snov-io.json')).connect({ connectionId: 't1', credentials: { client_id, client_secret } });
 * const { data } = await connection.execute('get-domain-search-result', { task_hash }); // typed input and output
 */
export interface TypedConnection<T extends ConnectorTypes> extends Omit<Connection, 'execute' | 'paginate' | 'items'> {
  execute<K extends ActionId<T>>(actionId: K, ...args: [...InputArgs<InputOf<T, K>>, options?: CallOptions]): Promise<ActionResult<OutputOf<T, K>>>;
  paginate<K extends ActionId<T>>(actionId: K, ...args: [...InputArgs<InputOf<T, K>>, options?: PageOptions]): AsyncGenerator<ActionResult<OutputOf<T, K>>>;
  items<K extends ActionId<T>>(actionId: K, ...args: [...InputArgs<InputOf<T, K>>, options?: PageOptions]): AsyncGenerator<unknown>;
}

/** What connect() returns: the typed connection, or the plain one. */
export type ConnectionOf<T> = T extends ConnectorTypes ? TypedConnection<T> : Connection;

/** What connect() takes: the generated credentials type, when there is one. */
export type ConnectOptionsOf<T> = T extends ConnectorTypes ? Omit<ConnectOptions, 'credentials'> & { credentials: T['credentials'] } : ConnectOptions;
