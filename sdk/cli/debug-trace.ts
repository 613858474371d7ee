/**
 * `--debug`: one line on stderr per event of the connection — every attempt and response
 * (method, URL with credential values masked, status, duration), retries and the token
 * lifecycle. Events are redacted before they get here, and the Printer redacts again.
 */
import type { ConnectorEvent } from '../events.js';
import type { Printer } from './output.js';

/** Fields every event has; the rest say what happened. */
const ENVELOPE = new Set(['type', 'connectionId', 'at']);

export function debugTrace(out: Printer): (event: ConnectorEvent) => void {
  return (event) => {
    const fields = Object.entries(event)
      .filter(([key, value]) => !ENVELOPE.has(key) && value !== undefined)
      .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
    out.err(`debug: ${event.type}${fields.length > 0 ? ` ${fields.join(' ')}` : ''}\n`);
  };
}
