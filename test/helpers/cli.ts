/**
 * Runs the real `connector` CLI (through tsx) the way an author does; resolves with its exit
 * code and output. Also what the CLI tests check that output with: every encoding a secret may
 * take, and a loopback server that refuses every request by echoing it back.
 */
import { execFile } from 'node:child_process';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { secretEncodings } from '../../sdk/redact.js';
import { secretForms } from './secret-scan.js';

export const root = fileURLToPath(new URL('../..', import.meta.url));

export function connectorCli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return connectorCliWithInput(undefined, ...args);
}

/** As connectorCli, with `input` written to the command's standard input. */
export function connectorCliWithInput(input: string | undefined, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, ['--import', 'tsx', 'sdk/cli/main.ts', ...args], { cwd: root }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
    });
    child.stdin?.end(input ?? '');
  });
}

/**
 * Every form `secret` may take: the SDK's own list, the scanner's list computed independently
 * of the SDK (so a test does not merely trust the code under test), and the form the SDK's
 * query strings carry — encodeURIComponent, then `new URL()` escaping `'` as %27.
 */
export function encodingsOf(secret: string): string[] {
  const url = new URL(`http://x/?${encodeURIComponent(secret)}`).search.slice(1);
  return [...new Set([...secretEncodings(secret), ...secretForms(secret).map((form) => form.text), url])];
}

/** Fails, naming the encoding's index and `where` (never the secret), if any form of any secret is in `text`. */
export function expectNoSecret(text: string, secrets: readonly string[], where: string): void {
  for (const secret of secrets) {
    encodingsOf(secret).forEach((form, index) => {
      expect(text.includes(form), `${where} holds a secret (${secret.slice(0, 3)}…, form ${index})`).toBe(false);
    });
  }
}

/** One request as the echo server saw it. */
export interface EchoedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface EchoServer {
  url: string;
  requests: EchoedRequest[];
  close(): Promise<void>;
}

/**
 * A loopback server that answers every request 400, echoing all of it back in the encodings
 * servers use: the URL and headers as received, the body raw and re-encoded by URLSearchParams
 * (which escapes ! ' ( ) ~), and every query and form value decoded, in Base64 and Base64url.
 */
export async function startEchoServer(): Promise<EchoServer> {
  const requests: EchoedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const seen: EchoedRequest = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(seen);
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify(echo(seen)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function echo({ method, url, headers, body }: EchoedRequest): Record<string, unknown> {
  const values = [...new URL(url, 'http://echo').searchParams, ...new URLSearchParams(body)];
  const form = new URLSearchParams(body).toString();
  return {
    error: 'invalid_request',
    error_description: `refused ${method} ${url} with ${form} (headers: ${Object.values(headers).join(' ')})`,
    echo: { method, url, headers, body, form },
    decoded: Object.fromEntries(values),
    base64: values.map(([name, value]) => [name, Buffer.from(value).toString('base64'), Buffer.from(value).toString('base64url')]),
  };
}
