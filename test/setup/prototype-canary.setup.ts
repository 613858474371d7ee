/**
 * After every test: no prototype was polluted and no code-execution canary fired. Hostile
 * manifests and servers try `__proto__`, `constructor.prototype` and script payloads; a payload
 * that got through would leave a trace here, whichever test ran it.
 */
import { afterEach, expect } from 'vitest';
import { EXECUTION_CANARY } from '../security/support/canary.js';

const prototypes: [string, object][] = [
  ['Object.prototype', Object.prototype],
  ['Array.prototype', Array.prototype],
  ['Function.prototype', Function.prototype],
  ['String.prototype', String.prototype],
];
const baseline = new Map(prototypes.map(([name, proto]) => [name, Reflect.ownKeys(proto).map(String).sort()]));

afterEach(() => {
  const probe = {} as Record<string, unknown>;
  expect(probe.polluted, 'Object.prototype.polluted').toBeUndefined();
  expect(([] as unknown as Record<string, unknown>).polluted, 'Array.prototype.polluted').toBeUndefined();
  for (const [name, proto] of prototypes) {
    expect(Reflect.ownKeys(proto).map(String).sort(), `own keys of ${name}`).toEqual(baseline.get(name));
  }
  expect((globalThis as Record<string, unknown>)[EXECUTION_CANARY], 'a script payload ran').toBeUndefined();
});
