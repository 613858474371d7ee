/** A throw-away PKI made with the openssl CLI: a CA, a server certificate for 127.0.0.1, client certificates. */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface KeyPair {
  cert: string;
  key: string;
}

export interface Pki {
  ca: string;
  server: KeyPair;
  clients: Record<string, KeyPair>;
}

/** Client certificates are issued with the given common names. */
export async function createPki(clientNames: string[]): Promise<Pki> {
  const dir = await mkdtemp(join(tmpdir(), 'pki-'));
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  try {
    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=test-ca');
    const issue = async (name: string, extension: string): Promise<KeyPair> => {
      openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
      await writeFile(join(dir, `${name}.ext`), extension);
      openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`);
      return { cert: await readFile(join(dir, `${name}.crt`), 'utf8'), key: await readFile(join(dir, `${name}.key`), 'utf8') };
    };
    const server = await issue('server', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
    const clients: Record<string, KeyPair> = {};
    for (const name of clientNames) clients[name] = await issue(name, 'extendedKeyUsage=clientAuth\n');
    return { ca: await readFile(join(dir, 'ca.crt'), 'utf8'), server, clients };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
