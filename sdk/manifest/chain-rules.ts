/**
 * The rules of a token_chain auth block the schema cannot express: step names unique, each value
 * read from exactly one place, `steps.<step>.<value>` only for steps that have run (for refresh
 * steps: kept steps and earlier refresh steps), `token` naming existing values, and what may be
 * stored as plain configuration (kept values, extras) marked `"secret": false`. Template
 * variables are checked with every other template (template-scope.ts asks `stepsProblem`).
 */
import { checkXmlPath } from '../extract/xml-path.js';
import { escapePointerToken } from '../json-pointer.js';
import { suggest } from './did-you-mean.js';
import { error, warning, type Finding } from './finding.js';
import { isRecord } from './json-value.js';
import { cut, show } from './message-text.js';
import type { Problem } from './template-scope.js';

const SOURCES = ['json', 'header', 'cookie', 'xml', 'text'];
/** The extras key the runtime stores the kept steps' values under (auth/token-chain.ts). */
const RESERVED_EXTRA = 'steps';

export interface StepFact {
  name: string;
  pointer: string;
  keep: boolean;
  /** Value name → its spec (whatever shape the manifest gave it). */
  values: Record<string, unknown>;
}

export interface ChainFacts {
  steps: StepFact[];
  refresh: StepFact[];
}

/** Where a template field sits in a chain: the step it belongs to. */
export interface ChainPlace {
  list: 'steps' | 'refresh';
  index: number;
}

const PLACE = /^\/auth\/(steps|refresh\/steps)\/(\d+)\//;

/** The step a field at `pointer` belongs to, when it is a token chain's step field. */
export function chainPlace(pointer: string): ChainPlace | undefined {
  const match = PLACE.exec(pointer);
  return match ? { list: match[1] === 'steps' ? 'steps' : 'refresh', index: Number(match[2]) } : undefined;
}

/** The steps of a token_chain auth block, or undefined for any other auth type. */
export function gatherChain(auth: Record<string, unknown>): ChainFacts | undefined {
  if (auth.type !== 'token_chain') return undefined;
  const refresh = isRecord(auth.refresh) ? auth.refresh.steps : undefined;
  return { steps: stepFacts(auth.steps, '/auth/steps'), refresh: stepFacts(refresh, '/auth/refresh/steps') };
}

function stepFacts(list: unknown, pointer: string): StepFact[] {
  if (!Array.isArray(list)) return [];
  return list.map((step: unknown, i) => {
    const spec = isRecord(step) ? step : {};
    return {
      name: typeof spec.name === 'string' ? spec.name : '',
      pointer: `${pointer}/${i}`,
      keep: spec.keep === true,
      values: isRecord(spec.values) ? spec.values : {},
    };
  });
}

/** What is wrong with a `steps.…` variable used in the step at `place`, or undefined. */
export function stepsProblem(segments: readonly string[], place: ChainPlace | undefined, chain: ChainFacts | undefined): Problem {
  const [, name, value, deeper] = segments;
  if (!chain || !place) return { message: 'steps exists only in the steps of a token_chain' };
  if (name === undefined) return { message: 'steps holds the values of earlier steps: write steps.<step>.<value>' };
  const current = (place.list === 'steps' ? chain.steps : chain.refresh)[place.index];
  const here = `step ${show(current?.name ?? '')}`;
  const step = visibleSteps(chain, place).find((candidate) => candidate.name === name);
  if (!step) return unseenStep(name, here, place, chain);
  if (current?.keep && !step.keep) {
    return { message: `steps.${cut(name)} is used by kept ${here}, but step ${show(name)} is not kept: a renewal skips kept steps only when they need nothing else`, hint: `mark step ${show(name)} keep: true, or drop keep on ${here}` };
  }
  const values = Object.keys(step.values);
  if (value === undefined) return { message: `steps.${cut(name)} is a step: write steps.${cut(name)}.<value>`, hint: `step ${show(name)} has ${values.join(', ') || 'no values'}` };
  if (!values.includes(value)) {
    return { message: `steps.${cut(name)}.${cut(value)} is not a value of step ${show(name)}`, hint: suggest(value, values) ?? `step ${show(name)} has ${values.join(', ') || 'no values'}` };
  }
  return deeper === undefined ? undefined : { message: `steps.${cut(name)}.${cut(value)} is a plain value and has no property ${show(deeper)}` };
}

/** The steps whose values a step may use: those before it; for a refresh step, the kept steps and earlier refresh steps. */
function visibleSteps(chain: ChainFacts, place: ChainPlace): StepFact[] {
  if (place.list === 'steps') return chain.steps.slice(0, place.index);
  return [...chain.steps.filter((step) => step.keep), ...chain.refresh.slice(0, place.index)];
}

/** A step name the field cannot use: one that runs later (or is this one), one a refresh cannot see, or none at all. */
function unseenStep(name: string, here: string, place: ChainPlace, chain: ChainFacts): Problem {
  const list = place.list === 'steps' ? chain.steps : chain.refresh;
  const at = list.findIndex((step) => step.name === name);
  if (at === place.index) return { message: `steps.${cut(name)} is ${here} itself: a step may use only the values of the steps before it` };
  if (at > place.index) {
    return { message: `steps.${cut(name)} is used in ${here} before step ${show(name)} runs: a step may use only the values of the steps before it`, hint: `move step ${show(name)} before ${here}` };
  }
  if (place.list === 'refresh' && chain.steps.some((step) => step.name === name)) {
    return { message: `steps.${cut(name)} is not kept, so refresh steps cannot use it`, hint: `mark step ${show(name)} keep: true, or use auth.* (the record being renewed)` };
  }
  const names = [...chain.steps, ...chain.refresh].map((step) => step.name);
  const earlier = visibleSteps(chain, place).map((step) => step.name);
  return { message: `steps.${cut(name)} is not a step of this chain`, hint: suggest(name, names) ?? `the steps ${here} may use: ${earlier.join(', ') || 'none'}` };
}

/** Appends the chain's own rules to `out` (nothing for other auth types). */
export function checkChainRules(auth: Record<string, unknown>, out: Finding[]): void {
  const chain = gatherChain(auth);
  if (!chain) return;
  checkNames([...chain.steps, ...chain.refresh], out);
  for (const step of [...chain.steps, ...chain.refresh]) checkValues(step, out);
  const steps = Array.isArray(auth.steps) ? auth.steps : [];
  const refreshSteps = isRecord(auth.refresh) && Array.isArray(auth.refresh.steps) ? auth.refresh.steps : [];
  steps.forEach((step, i) => checkStepRequest(step, `/auth/steps/${i}`, chain, out));
  refreshSteps.forEach((step, i) => checkStepRequest(step, `/auth/refresh/steps/${i}`, chain, out));
  checkTokenMap(auth.token, '/auth/token', chain.steps, [], out);
  // A refresh sees the kept steps and its own: the others are named as steps it cannot use.
  const unkept = chain.steps.filter((s) => !s.keep);
  if (isRecord(auth.refresh)) checkTokenMap(auth.refresh.token, '/auth/refresh/token', [...chain.steps.filter((s) => s.keep), ...chain.refresh], unkept.map((s) => s.name), out);
  const expiry = isRecord(auth.expiry) ? auth.expiry : {};
  for (const [field, instead] of [['expires_in_path', 'token.expires_in'], ['expires_at_path', 'token.expires_at']]) {
    if (expiry[field as string] !== undefined) {
      out.push(error(`/auth/expiry/${field}`, `a token chain names the value holding its expiry with ${instead}, not a JSONPath`, `remove ${field} and set ${instead} to "<step>.<value>"`, 'key'));
    }
  }
}

function checkNames(steps: readonly StepFact[], out: Finding[]): void {
  const seen = new Map<string, string>();
  for (const step of steps) {
    const first = seen.get(step.name);
    if (first !== undefined && step.name !== '') {
      out.push(error(`${step.pointer}/name`, `step name ${show(step.name)} is already used by ${first}`, 'step names are unique across steps and refresh.steps: later steps name values as steps.<step>.<value>'));
    } else seen.set(step.name, step.pointer);
  }
}

function checkValues(step: StepFact, out: Finding[]): void {
  for (const [name, spec] of Object.entries(step.values)) {
    if (!isRecord(spec)) continue;
    const at = `${step.pointer}/values/${escapePointerToken(name)}`;
    const given = SOURCES.filter((source) => spec[source] !== undefined);
    if (given.length !== 1) {
      const message = given.length === 0 ? `value ${show(name)} says nowhere to read it` : `value ${show(name)} has ${given.join(' and ')}: give exactly one source`;
      out.push(error(at, message, 'give one of json (a JSONPath), header, cookie, xml (a path) or text: true'));
    }
    const xml = typeof spec.xml === 'string' ? checkXmlPath(spec.xml) : undefined;
    if (xml) out.push(error(`${at}/xml`, xml, 'write a slash path such as /response/operation/result/data/api/sessionid or //sessionid'));
    if (step.keep && spec.secret !== false) {
      out.push(error(at, `value ${show(name)} of kept step ${show(step.name)} is secret, but kept values are stored in the token record as plain configuration`, `mark it "secret": false if it is no credential, or drop keep on step ${show(step.name)}`));
    }
  }
}

/** A raw body is one template string; a GET carries none; a URL whose host a server chose should be checked. */
function checkStepRequest(step: unknown, pointer: string, chain: ChainFacts, out: Finding[]): void {
  if (!isRecord(step)) return;
  if (step.body_format === 'raw' && step.body !== undefined && typeof step.body !== 'string') {
    out.push(error(`${pointer}/body`, 'body_format "raw" takes the body as one template string', 'write the XML or text as one string, or use body_format json or form'));
  }
  if (step.method === 'GET' && step.body !== undefined) {
    out.push(warning(`${pointer}/body`, 'a GET step is sent without a body: this body is never sent', 'use POST, or move the values into the URL'));
  }
  const hostFrom = typeof step.url === 'string' ? /^\s*\{\{-?\s*steps\.([a-z0-9_]+)\.([A-Za-z0-9_]+)/.exec(step.url) : null;
  if (!hostFrom) return;
  const [, name = '', value = ''] = hostFrom;
  const values = [...chain.steps, ...chain.refresh].find((candidate) => candidate.name === name)?.values;
  const spec = values && Object.hasOwn(values, value) ? values[value] : undefined;
  if (isRecord(spec) && spec.host_patterns === undefined) {
    out.push(warning(`${pointer}/url`, `the host of this step's URL comes from steps.${cut(name)}.${cut(value)}, which has no host_patterns: the server that answered it chooses where this request goes`, `add host_patterns to value ${show(value)} of step ${show(name)}`));
  }
}

/** token.* names existing values; the tokens are secret and present; extras are plain configuration. */
function checkTokenMap(token: unknown, pointer: string, steps: readonly StepFact[], hidden: readonly string[], out: Finding[]): void {
  if (!isRecord(token)) return;
  for (const field of ['access_token', 'refresh_token', 'expires_in', 'expires_at']) {
    const spec = valueOf(token[field], `${pointer}/${field}`, `${field}`, steps, hidden, out);
    if (!spec || (field !== 'access_token' && field !== 'refresh_token')) continue;
    if (spec.secret === false) out.push(error(`${pointer}/${field}`, `the ${field.replace('_', ' ')} must be secret, but ${show(token[field])} is marked "secret": false`, 'remove "secret": false from that value'));
    if (field === 'access_token' && spec.optional === true) out.push(error(`${pointer}/${field}`, `the access token cannot be optional, but ${show(token[field])} is marked optional`, 'remove "optional": true from that value'));
  }
  const extras = isRecord(token.extras) ? token.extras : {};
  for (const [name, ref] of Object.entries(extras)) {
    const at = `${pointer}/extras/${escapePointerToken(name)}`;
    if (name === RESERVED_EXTRA) {
      out.push(error(at, `extras name "${RESERVED_EXTRA}" is reserved: the kept steps' values are stored under it`, 'choose another name', 'key'));
      continue;
    }
    const spec = valueOf(ref, at, `extras.${name}`, steps, hidden, out);
    if (spec && spec.secret !== false) {
      out.push(error(at, `extra ${show(name)} takes the secret value ${show(ref)}, but extras are stored in the token record as plain configuration`, 'mark that value "secret": false if it is no credential; tokens go in access_token and refresh_token'));
    }
  }
}

/** The value spec a `<step>.<value>` reference names, or undefined (with a finding) when there is none. */
function valueOf(ref: unknown, pointer: string, field: string, steps: readonly StepFact[], hidden: readonly string[], out: Finding[]): Record<string, unknown> | undefined {
  if (typeof ref !== 'string') return undefined;
  const [name = '', value = ''] = ref.split('.');
  const step = steps.find((candidate) => candidate.name === name);
  if (!step) {
    const names = steps.map((candidate) => candidate.name);
    const hint = hidden.includes(name) ? `step ${show(name)} is not kept, so a refresh cannot use it; the refresh token map may use ${names.join(', ')}` : suggest(name, names);
    out.push(error(pointer, `token ${field} names ${show(ref)}, but there is no step ${show(name)} it may use`, hint ?? `steps it may use: ${names.join(', ') || 'none'}`));
    return undefined;
  }
  const spec = Object.hasOwn(step.values, value) ? step.values[value] : undefined;
  if (!isRecord(spec)) {
    const values = Object.keys(step.values);
    out.push(error(pointer, `token ${field} names ${show(ref)}, but step ${show(name)} has no value ${show(value)}`, suggest(value, values) ?? `step ${show(name)} has ${values.join(', ') || 'no values'}`));
    return undefined;
  }
  return spec;
}
