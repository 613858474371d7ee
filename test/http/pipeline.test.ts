/**
 * compose (sdk/http/pipeline.ts) alone, over a recording terminal: the order of the stages
 * (outermost first), `undefined` stages left out, a stage that calls next more than once, and
 * requests of a wider type passing through with their extra fields.
 */
import { describe, expect, it } from 'vitest';
import type { HttpRequest, HttpResponse } from '../../sdk/http/http-client.js';
import { compose, type Send, type Stage } from '../../sdk/http/pipeline.js';

function request(path = '/x'): HttpRequest {
  return { method: 'GET', url: new URL(path, 'http://127.0.0.1:1'), headers: {}, maxRedirects: 0, responseType: 'buffer' };
}

function answer(req: HttpRequest, status = 200, body = ''): HttpResponse {
  return { status, headers: {}, body: Buffer.from(body), url: req.url, setCookies: [], redirects: [], redirectSetCookies: [], request: req };
}

/** A terminal that records every request it receives and answers 200 with a count as its body. */
function recordingTerminal<R extends HttpRequest>(trail: string[] = []): { send: Send<R>; received: R[] } {
  const received: R[] = [];
  const send: Send<R> = async (req) => {
    received.push(req);
    trail.push('terminal');
    return answer(req, 200, String(received.length));
  };
  return { send, received };
}

/** A stage that writes `name>` on the way down and `<name` on the way back. */
function tracing<R extends HttpRequest>(name: string, trail: string[]): Stage<R> {
  return (next) => async (req) => {
    trail.push(`${name}>`);
    const response = await next(req);
    trail.push(`<${name}`);
    return response;
  };
}

describe('compose', () => {
  it('runs the stages outermost first, down to the terminal, and back in reverse', async () => {
    const trail: string[] = [];
    const terminal = recordingTerminal(trail);
    const send = compose([tracing('a', trail), tracing('b', trail), tracing('c', trail)], terminal.send);
    const response = await send(request());
    expect(trail).toEqual(['a>', 'b>', 'c>', 'terminal', '<c', '<b', '<a']);
    expect(response.status).toBe(200);
    expect(terminal.received).toHaveLength(1);
  });

  it('builds each stage once, at compose time, not per request', async () => {
    const built: string[] = [];
    const counting =
      (name: string): Stage =>
      (next) => {
        built.push(name);
        return next;
      };
    const terminal = recordingTerminal();
    const send = compose([counting('outer'), counting('inner')], terminal.send);
    // Built innermost first (each needs the Send below it), once.
    expect(built).toEqual(['inner', 'outer']);
    await send(request());
    await send(request());
    await send(request());
    expect(built).toEqual(['inner', 'outer']);
    expect(terminal.received).toHaveLength(3);
  });

  it('skips undefined stages; with none left the terminal itself is the Send', async () => {
    const trail: string[] = [];
    const terminal = recordingTerminal(trail);
    const send = compose([undefined, tracing('a', trail), undefined, tracing('b', trail), undefined], terminal.send);
    await send(request());
    expect(trail).toEqual(['a>', 'b>', 'terminal', '<b', '<a']);

    expect(compose([], terminal.send)).toBe(terminal.send);
    expect(compose([undefined, undefined], terminal.send)).toBe(terminal.send);
  });

  it('a stage may call next twice: the stages below and the terminal see both calls', async () => {
    const trail: string[] = [];
    const terminal = recordingTerminal(trail);
    const twice: Stage = (next) => async (req) => {
      const first = await next(req);
      trail.push(`first ${first.status} ${String(first.body)}`);
      return next({ ...req, headers: { ...req.headers, 'x-try': '2' } });
    };
    const send = compose([tracing('outer', trail), twice, tracing('inner', trail)], terminal.send);
    const original = request();
    const response = await send(original);
    expect(trail).toEqual(['outer>', 'inner>', 'terminal', '<inner', 'first 200 1', 'inner>', 'terminal', '<inner', '<outer']);
    expect(terminal.received).toHaveLength(2);
    expect(terminal.received[0]).toBe(original);
    expect(terminal.received[1]?.headers).toEqual({ 'x-try': '2' });
    // The answer of the second call is the one that comes back.
    expect(String(response.body)).toBe('2');
  });

  it('a stage sees the request as the stage above passed it on, and may change the response on its way back', async () => {
    const terminal = recordingTerminal();
    const addHeader: Stage = (next) => (req) => next({ ...req, headers: { ...req.headers, 'x-outer': 'yes' } });
    const seen: Record<string, string>[] = [];
    const look: Stage = (next) => (req) => {
      seen.push(req.headers);
      return next(req);
    };
    const relabel: Stage = (next) => async (req) => ({ ...(await next(req)), status: 299 });
    const send = compose([relabel, addHeader, look], terminal.send);
    const response = await send(request());
    expect(seen).toEqual([{ 'x-outer': 'yes' }]);
    expect(terminal.received[0]?.headers).toEqual({ 'x-outer': 'yes' });
    expect(response.status).toBe(299);
  });

  it('a stage failure propagates to the caller and stops the stages below', async () => {
    const terminal = recordingTerminal();
    const refuse: Stage = () => async () => {
      throw new Error('refused here');
    };
    const send = compose([refuse], terminal.send);
    await expect(send(request())).rejects.toThrow('refused here');
    expect(terminal.received).toHaveLength(0);
  });

  it('generic request types: extra fields pass through every stage to the terminal', async () => {
    interface Tagged extends HttpRequest {
      readonly tag: string;
      readonly call: { id: number };
    }
    const trail: string[] = [];
    const terminal = recordingTerminal<Tagged>(trail);
    const seenTags: string[] = [];
    const reads: Stage<Tagged> = (next) => (req) => {
      seenTags.push(`${req.tag}/${req.call.id}`);
      return next(req);
    };
    const retags: Stage<Tagged> = (next) => (req) => next({ ...req, tag: `${req.tag}+retagged` });
    // A generic transport stage composes with the wider type.
    const generic = <R extends HttpRequest>(): Stage<R> => tracing<R>('generic', trail);
    const send = compose<Tagged>([reads, generic<Tagged>(), retags, reads], terminal.send);
    const call = { id: 7 };
    await send({ ...request(), tag: 'first', call });
    expect(seenTags).toEqual(['first/7', 'first+retagged/7']);
    expect(terminal.received).toHaveLength(1);
    expect(terminal.received[0]?.tag).toBe('first+retagged');
    expect(terminal.received[0]?.call).toBe(call);
    expect(trail).toEqual(['generic>', 'terminal', '<generic']);
  });
});
