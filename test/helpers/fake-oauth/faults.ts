/** Plays one injected fault (see Fault in types.ts). */
import { challenge } from './api.js';
import { delay, redirect, send, type Exchange } from './http.js';
import type { Fault } from './types.js';

/** Returns true when the fault answered (or dropped, or will never answer) the request; false to handle it normally. */
export async function playFault(exchange: Exchange, fault: Fault): Promise<boolean> {
  if (typeof fault === 'number') {
    send(exchange, fault, { error: 'temporarily_unavailable' });
    return true;
  }
  switch (fault) {
    case 'drop':
      exchange.response.socket?.destroy();
      return true;
    case 'lost':
      exchange.lost = true;
      return false;
    case 'hang':
      return true;
  }
  if ('delayMs' in fault) {
    await delay(fault.delayMs);
    return false;
  }
  if ('redirect' in fault) redirect(exchange, fault.status ?? 307, fault.redirect);
  else if ('challenge' in fault) challenge(exchange, fault.challenge);
  else send(exchange, fault.status, fault.body ?? '', fault.headers);
  return true;
}
