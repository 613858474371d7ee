/**
 * The dependency floor: the INSTALLED versions (node_modules/<name>/package.json, not the
 * ranges in package.json) of the libraries the SDK trusts with hostile input must be at or
 * above the releases that fixed their known advisories (docs: reliability-security.md §a).
 *
 *   tsx scripts/check-dependency-floor.ts [--audit] [--node-modules <dir>]
 *
 * Exit 1 when a library is missing or below its floor. With --audit it also runs
 * `npm audit --omit=dev --audit-level=high`: high or critical advisories fail the check; an
 * unreachable audit endpoint only prints a warning (it says nothing about our dependencies).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Floor {
  name: string;
  minimum: string;
  why: string;
}

export const FLOORS: readonly Floor[] = [
  {
    name: 'jsonpath-plus',
    minimum: '10.4.0',
    why: 'newest 10.x: safe-eval RCEs CVE-2024-21534, CVE-2025-1302 and the __lookupGetter__ bypass fixed by 10.4.0 (the SDK also runs it with eval: false)',
  },
  { name: 'liquidjs', minimum: '10.27.1', why: 'valueOf-filter RCE (10.26.0), loader traversal, sort bypass, strip_html ReDoS, pop memory (10.27.1)' },
  { name: 'ajv', minimum: '8.18.0', why: 'CVE-2025-69873 ReDoS with $data' },
  { name: 'set-cookie-parser', minimum: '3.1.1', why: 'prototype pollution by cookie names (2.7.2), attribute whitespace (3.1.1)' },
  { name: 'undici', minimum: '7.18.2', why: 'decompression-chain DoS CVE-2026-22036; cross-origin credential leaks fixed earlier' },
];

/** -1, 0 or 1; numeric parts compared as numbers, a pre-release below its release. */
export function compareVersions(a: string, b: string): number {
  const parse = (version: string) => {
    const [core = '', pre] = version.trim().replace(/^v/, '').split(/-(.*)/s, 2);
    return { parts: core.split('.').map((part) => Number.parseInt(part, 10) || 0), pre };
  };
  const left = parse(a);
  const right = parse(b);
  for (let i = 0; i < 3; i++) {
    const diff = (left.parts[i] ?? 0) - (right.parts[i] ?? 0);
    if (diff !== 0) return Math.sign(diff);
  }
  if (left.pre === right.pre) return 0;
  if (left.pre === undefined) return 1;
  if (right.pre === undefined) return -1;
  return left.pre < right.pre ? -1 : 1;
}

/** Problems with the installed versions (name → version, undefined when not installed). */
export function checkFloor(installed: Readonly<Record<string, string | undefined>>, floors: readonly Floor[] = FLOORS): string[] {
  const problems: string[] = [];
  for (const { name, minimum, why } of floors) {
    const version = installed[name];
    if (version === undefined) problems.push(`${name} is not installed (need >= ${minimum})`);
    else if (compareVersions(version, minimum) < 0) problems.push(`${name} ${version} is below the floor ${minimum}: ${why}`);
  }
  return problems;
}

/** The versions installed under `nodeModules`, read from each package's own package.json. */
export function installedVersions(nodeModules: string, floors: readonly Floor[] = FLOORS): Record<string, string | undefined> {
  const versions: Record<string, string | undefined> = {};
  for (const { name } of floors) {
    try {
      const manifest = JSON.parse(readFileSync(join(nodeModules, name, 'package.json'), 'utf8')) as { version?: unknown };
      versions[name] = typeof manifest.version === 'string' ? manifest.version : undefined;
    } catch {
      versions[name] = undefined;
    }
  }
  return versions;
}

/** `npm audit --omit=dev --audit-level=high`: ok, failed (with its report), or unavailable (warning). */
export function audit(cwd: string): { outcome: 'ok' | 'failed' | 'unavailable'; detail: string } {
  const result = spawnSync('npm', ['audit', '--omit=dev', '--audit-level=high', '--json'], { cwd, encoding: 'utf8', timeout: 120_000 });
  const text = `${result.stdout ?? ''}`;
  let report: { message?: string; error?: { code?: string; summary?: string }; metadata?: { vulnerabilities?: Record<string, number> } } | undefined;
  try {
    report = JSON.parse(text) as typeof report;
  } catch {
    report = undefined;
  }
  if (result.error || report === undefined || report.error) {
    const reason =
      report?.message || report?.error?.summary || report?.error?.code || result.error?.message || (result.stderr || 'no answer').trim().split('\n').at(-1);
    return { outcome: 'unavailable', detail: String(reason) };
  }
  const counts = report.metadata?.vulnerabilities ?? {};
  const high = (counts.high ?? 0) + (counts.critical ?? 0);
  const summary = Object.entries(counts).map(([level, count]) => `${level}: ${count}`).join(', ');
  return high > 0 ? { outcome: 'failed', detail: summary } : { outcome: 'ok', detail: summary || 'no advisories' };
}

function main(argv: string[]): number {
  const at = argv.indexOf('--node-modules');
  const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
  const given = at >= 0 ? argv[at + 1] : undefined;
  const nodeModules = given ? resolve(given) : join(root, 'node_modules');
  const installed = installedVersions(nodeModules);
  const problems = checkFloor(installed);
  for (const { name, minimum } of FLOORS) {
    const version = installed[name] ?? 'missing';
    console.log(`${problems.some((p) => p.startsWith(`${name} `)) ? 'FAIL' : 'ok  '} ${name} ${version} (floor ${minimum})`);
  }
  let failed = problems.length > 0;
  for (const problem of problems) console.error(`dependency floor: ${problem}`);
  if (argv.includes('--audit')) {
    const { outcome, detail } = audit(root);
    if (outcome === 'unavailable') {
      console.warn(`dependency floor: WARNING: npm audit could not reach the registry's audit endpoint (${detail}); advisories were NOT checked`);
    } else if (outcome === 'failed') {
      console.error(`dependency floor: npm audit --omit=dev found high or critical advisories (${detail})`);
      failed = true;
    } else {
      console.log(`ok   npm audit --omit=dev (${detail})`);
    }
  }
  return failed ? 1 : 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
