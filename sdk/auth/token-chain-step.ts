/**
 * One request of a token chain, compiled once: its request (sent as every token request is:
 * never following a redirect, with the shared headers, through the SSRF guard), how its answer
 * is judged (the failure classes of token-request.ts, so only a refusal of the credentials can
 * flag the connection), the values it takes from the answer and the steps whose values it uses.
 * A ChainRun is what one run of the chain has learnt so far: values by step, and the cookies
 * every answer set, kept per URL as a login's are.
 */
import type { ChainRefreshStep, ChainStep, RefusedWhen } from '../manifest/types.gen.js';
import { ConfigurationError, CredentialsRefusedError } from '../errors.js';
import type { ParsedCookie } from '../extract/cookie.js';
import { compileJsonPath } from '../extract/json-path.js';
import { cookieHeaderFor, storeCookies, type StoredCookie } from '../store/cookie-jar.js';
import { compileTemplate, requestScope, templateVariables } from '../template/liquid.js';
import { compileJsonTemplate } from '../template/json-template.js';
import { compileTemplateMap } from '../template/template-map.js';
import type { AuthContext } from './auth-context.js';
import type { AuthView } from './auth-view.js';
import { failureOf, formBody, sendTokenRequest, type AccessTokenSource, type TokenRequestSpec } from './token-request.js';
import { checkValueHost, compileStepValues, readAnswer, readStepValues, type CompiledValue, type StepAnswer, type StepValue } from './step-values.js';

/** The values of every step run (or reused) so far: `steps.<step>.<value>` in templates. */
export type StepValuesByName = Record<string, Record<string, StepValue>>;

export interface CompiledStep {
  readonly name: string;
  /** The step's manifest field, e.g. /auth/steps/2. */
  readonly pointer: string;
  readonly keep: boolean;
  readonly request: TokenRequestSpec;
  /** What failureOf needs: the refusal statuses, and what a 2xx answer with an OAuth `error` must hold to pass. */
  readonly judge: { readonly accessToken: AccessTokenSource; readonly refusalStatuses?: readonly number[] };
  readonly values: readonly CompiledValue[];
  /** A 2xx answer that still means "refused" (refused_when): the place it is read and the refusing values. */
  readonly refusedWhen?: { readonly value: CompiledValue; readonly values: readonly string[] };
  /** The steps whose values its url, headers or body use. */
  readonly uses: ReadonlySet<string>;
}

const FORM = 'application/x-www-form-urlencoded';

export function compileStep(spec: ChainStep | ChainRefreshStep, pointer: string): CompiledStep {
  const json = spec.values ? Object.values(spec.values).find((value) => value?.json !== undefined)?.json : undefined;
  return {
    name: spec.name,
    pointer,
    keep: 'keep' in spec && spec.keep === true,
    request: {
      method: spec.method,
      url: compileTemplate(spec.url, `${pointer}/url`),
      headers: compileTemplateMap(spec.headers, `${pointer}/headers`),
      ...compileBody(spec, `${pointer}/body`),
      pointer: `${pointer}/url`,
      bodyPointer: `${pointer}/body`,
    },
    judge: {
      // A step without a JSON value has nothing an OAuth error answer could lack.
      accessToken: json === undefined ? { from: 'header', name: '' } : { from: 'body', path: compileJsonPath(json) },
      refusalStatuses: spec.refusal_statuses,
    },
    values: compileStepValues(spec.values, `${pointer}/values`),
    ...(spec.refused_when ? { refusedWhen: compileRefusedWhen(spec.refused_when, `${pointer}/refused_when`) } : {}),
    uses: stepsUsed(spec),
  };
}

/** refused_when reads its place as an optional, non-secret value would be read. */
function compileRefusedWhen(spec: RefusedWhen, pointer: string): NonNullable<CompiledStep['refusedWhen']> {
  const { values, ...place } = spec;
  const [value] = compileStepValues({ status: { ...place, secret: false, optional: true } }, pointer);
  if (!value) throw new ConfigurationError(pointer, `${pointer} says nowhere to look: give json, xml or header`);
  return { value: { ...value, pointer }, values: values.map(String) };
}

function compileBody(spec: ChainStep | ChainRefreshStep, pointer: string): Pick<TokenRequestSpec, 'body' | 'contentType'> {
  if (spec.body === undefined) return {};
  const format = spec.body_format ?? 'json';
  if (format === 'raw') {
    if (typeof spec.body !== 'string') throw new ConfigurationError(pointer, `a raw body is one template string; ${pointer} is not a string`);
    const template = compileTemplate(spec.body, pointer);
    return { body: (scope) => template.render(scope), contentType: 'text/plain; charset=utf-8' };
  }
  const template = compileJsonTemplate(spec.body, pointer);
  if (format === 'form') return { body: (scope) => formBody(template(scope)), contentType: FORM };
  return { body: (scope) => JSON.stringify(template(scope)), contentType: 'application/json' };
}

/** The step names its templates read as `steps.<name>`: a stale kept value is known by them. */
function stepsUsed(spec: ChainStep | ChainRefreshStep): Set<string> {
  const names = new Set<string>();
  const sources = [spec.url, ...Object.values(spec.headers ?? {}), ...stringsOf(spec.body)];
  for (const source of sources) {
    if (typeof source !== 'string' || !source.includes('{')) continue;
    for (const [root, name] of templateVariables(source)) if (root === 'steps' && name !== undefined) names.add(name);
  }
  return names;
}

function stringsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsOf);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(stringsOf);
  return [];
}

/** A 2xx answer whose refused_when place holds a refusing value is a refusal of the credentials. */
function refuseIfSaid(step: CompiledStep, answer: StepAnswer, where: string): void {
  const rule = step.refusedWhen;
  if (!rule) return;
  let held: unknown;
  try {
    held = rule.value.read(answer);
  } catch {
    return; // not the shape the rule reads (not XML, say): the values decide
  }
  if (held === undefined || held === null || !rule.values.includes(String(held))) return;
  throw new CredentialsRefusedError(`${where} refused the credentials: its answer says ${JSON.stringify(String(held))} ${rule.value.where} (${rule.value.pointer}). Check the credentials the connection was given.`, { status: answer.response.status });
}

/** What one run of a chain has learnt: each step's values and answer, and the cookies set so far. */
export class ChainRun {
  readonly steps: StepValuesByName;
  readonly answers = new Map<string, { sentAt: number; receivedAt: number; cookies: readonly ParsedCookie[] }>();
  /** Each answer's cookies with its URL: the token record stores each set for its own URL. */
  readonly cookieSets: { cookies: ParsedCookie[]; url: URL }[] = [];
  /** The cookies of this run, sent on its later steps where they match. */
  jar: StoredCookie[] = [];
  /** The step being run: when the run fails, the step that failed. */
  current: CompiledStep | undefined;
  lastUrl: URL | undefined;
  /** The record being renewed, for refresh steps (`auth`). */
  readonly auth: AuthView | undefined;

  constructor(auth: AuthView | undefined, reused: StepValuesByName = {}) {
    this.auth = auth;
    this.steps = { ...reused };
  }
}

/**
 * Sends one step with the values learnt so far and adds its values to the run. A failed answer
 * is thrown as failureOf classifies it; a value naming a host no pattern allows is refused
 * before any later step could send a request there.
 */
export async function runStep(ctx: AuthContext, step: CompiledStep, run: ChainRun): Promise<void> {
  run.current = step;
  const base = { ...ctx.scope, now: Math.floor(ctx.now() / 1000), steps: run.steps };
  // One scope per request: its nonces and uuids are this step's alone.
  const scope = requestScope(run.auth ? { ...base, auth: run.auth } : base);
  const sent = await sendTokenRequest(ctx, step.request, scope, { cookieHeader: (url) => cookieHeaderFor(run.jar, url, ctx.now()) });
  const answer = readAnswer(sent.answer);
  const failure = failureOf(ctx, step.request, step.judge, sent.answer, answer.json, sent.bodiless);
  if (failure) throw failure;
  const where = `step "${step.name}" (${step.pointer})`;
  refuseIfSaid(step, answer, where);
  const values = readStepValues(step.values, answer, ctx.redactor, where);
  for (const cookie of answer.cookies) ctx.redactor.add(cookie.value);
  for (const value of step.values) checkValueHost(value, values[value.name] ?? null, ctx.scope, where);
  const receivedAt = ctx.now();
  const url = sent.answer.url;
  run.steps[step.name] = values;
  run.answers.set(step.name, { sentAt: sent.sentAt, receivedAt, cookies: answer.cookies });
  run.cookieSets.push({ cookies: [...answer.cookies], url });
  run.jar = storeCookies(run.jar, [...answer.cookies], url, receivedAt);
  run.lastUrl = url;
}
