/**
 * The test kit's transport: a dispatcher that sends every request to one local origin (the
 * fixture server), whatever host its URL names, so a connection runs unchanged against canned
 * responses. The origin the request was meant for travels in the `x-connector-test-origin`
 * header, where the server can see it.
 */
import { Agent, type Dispatcher } from 'undici';

/** Request header naming the origin a redirected request was meant for. */
export const ORIGIN_HEADER = 'x-connector-test-origin';

export interface FixtureDispatcher {
  /** Pass it as `connect({ dispatcher })`. */
  readonly dispatcher: Dispatcher;
  close(): Promise<void>;
}

/**
 * @example
 * const redirect = createFixtureDispatcher('http://127.0.0.1:40123');
 * connector.connect({ connectionId: 't', credentials, dispatcher: redirect.dispatcher, allowPrivateNetwork: true });
 * await redirect.close();
 */
export function createFixtureDispatcher(target: string): FixtureDispatcher {
  const origin = new URL(target).origin;
  const agent = new Agent();
  const dispatcher = agent.compose(
    (dispatch) => (options, handler) =>
      dispatch({ ...options, origin, headers: withHeader(options.headers, ORIGIN_HEADER, String(options.origin ?? '')) }, handler),
  );
  return { dispatcher, close: () => agent.close() };
}

/** Headers come as a record, a flat [name, value, …] array or an iterable of pairs. */
function withHeader(headers: Dispatcher.DispatchOptions['headers'], name: string, value: string): Dispatcher.DispatchOptions['headers'] {
  if (headers === undefined || headers === null) return { [name]: value };
  if (Array.isArray(headers)) return [...(headers as string[]), name, value];
  if (typeof (headers as Iterable<unknown>)[Symbol.iterator] === 'function') {
    const out: Record<string, string | string[] | undefined> = {};
    for (const [key, item] of headers as Iterable<[string, string | string[] | undefined]>) out[key] = item;
    return { ...out, [name]: value };
  }
  return { ...(headers as Record<string, string | string[] | undefined>), [name]: value };
}
