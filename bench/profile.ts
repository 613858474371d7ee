/**
 * `npm run bench:profile`: where the SDK's client CPU goes on the hot path (issue 18). The
 * realistic action and raw undici sending the same request are each profiled in their own fresh
 * process (pinned as in the bench) against the bench server, at concurrency 1 and 64. The report
 * (bench/results/profile.md) gives each side's sampled CPU per request by where it was spent —
 * the SDK's modules, undici, Node's internals, garbage collection — and the SDK's costliest
 * functions, so the difference between the two columns is the SDK's cost, itemised.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { startBenchServer } from './bench-process.js';
import { CLIENTS } from './clients.js';
import { PLACEMENT, runPinnedForJson } from './pinned.js';
import type { Sample } from './measure.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const REALISTIC = 'connector-sdk, realistic';
// PROFILE_CLIENT names another of the bench's SDK clients (e.g. "connector-sdk, HMAC-signed"): its report goes to its own file.
const SDK = process.env.PROFILE_CLIENT ?? REALISTIC;
// The raw undici client that sends the same request as the SDK client profiled (its bench baseline).
const RAW = CLIENTS[SDK]?.baseline ?? 'raw undici, realistic';
const OUTPUT = SDK === REALISTIC ? 'profile.md' : `profile-${SDK.replace(/^connector-sdk,? */, '').replace(/[^a-z0-9]+/gi, '-').toLowerCase()}.md`;
const REQUESTS = Number(process.env.PROFILE_REQUESTS ?? 20_000);

function profileOf(name: string, url: string, concurrency: number): { sample: Sample; profile: Profile } {
  return runPinnedForJson(new URL('./profile-process.ts', import.meta.url), [name, url, String(REQUESTS), String(concurrency)], `profiling "${name}"`);
}

/** Where a sample's time goes: an SDK module, a package, Node's own code, GC, idle. */
function placeOf(node: ProfileNode): string {
  const { functionName, url } = node.callFrame;
  if (functionName === '(idle)') return 'idle';
  if (functionName === '(garbage collector)') return 'garbage collection';
  if (functionName === '(program)') return 'V8 (program)';
  const sdk = url.indexOf('/dist/sdk/');
  if (sdk >= 0) return `sdk/${url.slice(sdk + 10)}`;
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) return url.slice(modules + 13).split('/')[0] as string;
  if (url.startsWith('node:')) return 'node internals';
  if (url === '') return `native (${functionName || 'anonymous'})`;
  return 'bench harness';
}

/** Self time (µs) per place and per SDK function. */
function selfTimes(profile: Profile): { places: Map<string, number>; functions: Map<string, number> } {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const places = new Map<string, number>();
  const functions = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const node = byId.get(id) as ProfileNode;
    const micros = profile.timeDeltas[i] ?? 0;
    const place = placeOf(node);
    places.set(place, (places.get(place) ?? 0) + micros);
    // Functions of the SDK, and of undici and Node, whose cost the SDK's way of calling them may change.
    if (place.startsWith('sdk/') || place === 'undici' || place === 'node internals') {
      const file = place.startsWith('sdk/') ? place : node.callFrame.url.replace(/^.*node_modules\//, '');
      const key = `${node.callFrame.functionName || '(anonymous)'} (${file}:${node.callFrame.lineNumber + 1})`;
      functions.set(key, (functions.get(key) ?? 0) + micros);
    }
  });
  return { places, functions };
}

function report(concurrency: number, sdk: { sample: Sample; profile: Profile }, raw: { sample: Sample; profile: Profile }): string {
  const a = selfTimes(sdk.profile);
  const b = selfTimes(raw.profile);
  const perRequest = (micros: number | undefined) => ((micros ?? 0) / REQUESTS).toFixed(2);
  const places = [...new Set([...a.places.keys(), ...b.places.keys()])].filter((place) => place !== 'idle');
  places.sort((x, y) => (a.places.get(y) ?? 0) - (b.places.get(y) ?? 0) - ((a.places.get(x) ?? 0) - (b.places.get(x) ?? 0)));
  const busy = (times: Map<string, number>) => [...times].reduce((sum, [place, micros]) => sum + (place === 'idle' ? 0 : micros), 0);
  const lines = [
    `## Concurrency ${concurrency}`,
    '',
    `Client CPU (process.cpuUsage): SDK ${sdk.sample.cpuMicrosPerRequest.toFixed(1)} µs/request, raw undici ${raw.sample.cpuMicrosPerRequest.toFixed(1)} (${(sdk.sample.cpuMicrosPerRequest / raw.sample.cpuMicrosPerRequest).toFixed(2)}×). Sampled busy time: SDK ${perRequest(busy(a.places))}, raw ${perRequest(busy(b.places))} µs/request.`,
    '',
    '| where (self time) | SDK µs/request | raw undici µs/request | difference |',
    '|---|---:|---:|---:|',
    ...places
      .filter((place) => Math.abs((a.places.get(place) ?? 0) - (b.places.get(place) ?? 0)) / REQUESTS >= 0.05 || (a.places.get(place) ?? 0) / REQUESTS >= 0.2)
      .map((place) => `| ${place} | ${perRequest(a.places.get(place))} | ${perRequest(b.places.get(place))} | ${perRequest((a.places.get(place) ?? 0) - (b.places.get(place) ?? 0))} |`),
    '',
    'The SDK\'s costliest functions (self time):',
    '',
    ...[...a.functions].filter(([key]) => key.includes('(sdk/')).sort((x, y) => y[1] - x[1]).slice(0, 15).map(([key, micros]) => `- ${perRequest(micros)} µs — ${key}`),
    '',
    "undici's and Node's functions that cost more under the SDK than under raw undici (self time, SDK − raw):",
    '',
    ...[...a.functions]
      .filter(([key]) => !key.includes('(sdk/'))
      .map(([key, micros]): [string, number] => [key, micros - (b.functions.get(key) ?? 0)])
      .sort((x, y) => y[1] - x[1])
      .slice(0, 15)
      .map(([key, micros]) => `- +${perRequest(micros)} µs — ${key}`),
    '',
  ];
  return lines.join('\n');
}

const server = await startBenchServer();
try {
  const sections = [`# Hot-path profile: ${SDK} against ${RAW} (${new Date().toISOString()})`, '', `${REQUESTS} requests per profile, sampled every 100 µs; ${PLACEMENT}.`, ''];
  for (const concurrency of [1, 64]) {
    const raw = profileOf(RAW, server.url, concurrency);
    const sdk = profileOf(SDK, server.url, concurrency);
    sections.push(report(concurrency, sdk, raw));
  }
  if ((await server.refused()) > 0) throw new Error('the bench server refused requests: a client is broken');
  const text = sections.join('\n');
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(new URL(`./results/${OUTPUT}`, import.meta.url), text);
  process.stdout.write(`${text}\n`);
} finally {
  server.close();
}
