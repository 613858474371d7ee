/**
 * A token obtained by a chain of named requests (discovery, login, token exchange): each step's
 * values are available to the later steps as `steps.<step>.<value>`, and `token` says which of
 * them make the token record.
 *
 * Kept steps (`keep: true`, discovery) store their values in the record under extras.steps, and
 * renewals reuse them instead of asking again. A stored value is trusted only as far as it still
 * passes its host patterns; and when a step that uses a kept value fails in a way a moved
 * endpoint fails — a configuration error (redirect, 404, 405, malformed request), a network
 * failure, a host-pattern refusal — the kept steps run again once and the chain is retried. A
 * second failure is thrown as it is; so is every failure of a run whose kept values were fresh.
 *
 * Renewal: with a refresh token and a `refresh` block, its steps run (with the kept values and
 * `auth`, the record being renewed); otherwise, or when the refresh is refused, the chain runs
 * again from its first step that is not kept. The token manager schedules both, one at a time
 * for every caller.
 */
import type { AuthTokenChain, ChainToken } from '../manifest/types.gen.js';
import { ConfigurationError, NetworkError, TokenResponseError } from '../errors.js';
import { HostNotAllowedError } from '../manifest/host-pattern.js';
import type { TokenRecord } from '../store/token-store.js';
import type { AuthContext } from './auth-context.js';
import type { AuthStrategy, TokenSource } from './auth-strategy.js';
import { authView, type AuthView } from './auth-view.js';
import { compileExpiryPolicy, type ExpiryPolicy } from './expiry.js';
import { tokenStrategy } from './token-strategy.js';
import type { TokenResult } from './token-request.js';
import { ChainRun, compileStep, runStep, type CompiledStep, type StepValuesByName } from './token-chain-step.js';
import { checkValueHost, type StepValue, type ValueSource } from './step-values.js';

/** The extras key the kept steps' values are stored under (the validator keeps token.extras off it). */
export const KEPT_STEPS_EXTRA = 'steps';

/** `<step>.<value>`, resolved at load. */
interface ValueRef {
  readonly step: string;
  readonly value: string;
  readonly source: ValueSource;
}

interface TokenMap {
  readonly accessToken: ValueRef;
  readonly refreshToken?: ValueRef;
  readonly expiresIn?: ValueRef;
  readonly expiresAt?: ValueRef;
  readonly extras: readonly (readonly [string, ValueRef])[];
  /** Where the map is declared, for messages. */
  readonly pointer: string;
}

/** The steps of one way to a token (authorization, or refresh) and which values make it. */
interface ChainPlan {
  /** Every step in the order it runs when nothing is reused: kept steps included. */
  readonly all: readonly CompiledStep[];
  /** The steps that run when the kept values are reused. */
  readonly unkept: readonly CompiledStep[];
  readonly kept: readonly CompiledStep[];
  readonly map: TokenMap;
}

export function createTokenChain(spec: AuthTokenChain, pointer = '/auth'): AuthStrategy {
  const steps = spec.steps.map((step, i) => compileStep(step, `${pointer}/steps/${i}`));
  const kept = steps.filter((step) => step.keep);
  const authorization = plan(steps, kept, compileTokenMap(spec.token, `${pointer}/token`, steps));
  const refreshSteps = spec.refresh?.steps.map((step, i) => compileStep(step, `${pointer}/refresh/steps/${i}`));
  const refresh =
    spec.refresh && refreshSteps
      ? plan([...kept, ...refreshSteps], kept, compileTokenMap(spec.refresh.token, `${pointer}/refresh/token`, [...kept, ...refreshSteps]))
      : undefined;
  // The chain names the values that carry the expiry; the rest of the policy is the shared one.
  const expiry = compileExpiryPolicy({
    ...spec.expiry,
    expires_in_path: '$.expires_in',
    expires_at_path: spec.token.expires_at === undefined && spec.refresh?.token.expires_at === undefined ? undefined : '$.expires_at',
  });
  const tokens: TokenSource = {
    expiry,
    canAuthorizeUnattended: true,
    refreshTokenRotation: spec.refresh?.refresh_token_rotation,
    authorize: async (ctx, previous) => tokenResult(ctx, authorization, await runPlan(ctx, authorization, previous, undefined), expiry),
    refresh: refresh
      ? async (ctx, record) => {
          const view = authView(record);
          return tokenResult(ctx, refresh, await runPlan(ctx, refresh, record, view), expiry);
        }
      : undefined,
  };
  const tokenIsCookie = authorization.map.accessToken.source === 'cookie';
  return tokenStrategy({ type: 'token_chain', spec, pointer, tokens, tokenIsCookie });
}

function plan(all: readonly CompiledStep[], kept: readonly CompiledStep[], map: TokenMap): ChainPlan {
  return { all, kept, unkept: all.filter((step) => !step.keep), map };
}

function compileTokenMap(spec: ChainToken, pointer: string, steps: readonly CompiledStep[]): TokenMap {
  const ref = (text: string | undefined, field: string): ValueRef | undefined => (text === undefined ? undefined : valueRef(text, `${pointer}/${field}`, steps));
  return {
    accessToken: valueRef(spec.access_token, `${pointer}/access_token`, steps),
    refreshToken: ref(spec.refresh_token, 'refresh_token'),
    expiresIn: ref(spec.expires_in, 'expires_in'),
    expiresAt: ref(spec.expires_at, 'expires_at'),
    extras: Object.entries(spec.extras ?? {})
      .filter((entry): entry is [string, string] => typeof entry[1] === 'string')
      .map(([name, text]) => [name, valueRef(text, `${pointer}/extras/${name}`, steps)] as const),
    pointer,
  };
}

/** The validator checked every reference; a manifest that skipped it fails here, at load. */
function valueRef(text: string, pointer: string, steps: readonly CompiledStep[]): ValueRef {
  const [step = '', value = ''] = text.split('.');
  const source = steps.find((candidate) => candidate.name === step)?.values.find((candidate) => candidate.name === value)?.source;
  if (source === undefined) throw new ConfigurationError(pointer, `${pointer} names "${text}", which is no value of a step before it`);
  return { step, value, source };
}

/**
 * Runs a plan: with the kept values of `previous` when it holds them (and they still pass their
 * host patterns), else every step. A reused run that fails where a moved endpoint would is
 * repeated once with the kept steps asked again.
 */
async function runPlan(ctx: AuthContext, chain: ChainPlan, previous: TokenRecord | undefined, auth: AuthView | undefined): Promise<ChainRun> {
  const reused = previous === undefined ? undefined : reusableKept(ctx, chain.kept, previous);
  if (reused !== undefined) {
    const run = new ChainRun(auth, reused);
    try {
      for (const step of chain.unkept) await runStep(ctx, step, run);
      return run;
    } catch (error) {
      if (!staleDiscovery(error, run.current, chain.kept)) throw error;
    }
  }
  const run = new ChainRun(auth);
  for (const step of chain.all) await runStep(ctx, step, run);
  return run;
}

/** The kept steps' values stored in `record`, when it holds all of them and each still passes its host patterns. */
function reusableKept(ctx: AuthContext, kept: readonly CompiledStep[], record: TokenRecord): StepValuesByName | undefined {
  if (kept.length === 0) return undefined;
  const stored = record.extras[KEPT_STEPS_EXTRA];
  const out: StepValuesByName = {};
  for (const step of kept) {
    const values = isObject(stored) && Object.hasOwn(stored, step.name) ? stored[step.name] : undefined;
    if (!isObject(values)) return undefined;
    const copy: Record<string, StepValue> = {};
    for (const value of step.values) {
      const held = Object.hasOwn(values, value.name) ? values[value.name] : undefined;
      if (!(isStepValue(held) && (held !== null || value.optional))) return undefined;
      copy[value.name] = held;
    }
    out[step.name] = copy;
  }
  try {
    for (const step of kept) for (const value of step.values) checkValueHost(value, out[step.name]?.[value.name] ?? null, ctx.scope, `stored step "${step.name}" (${step.pointer})`);
  } catch (error) {
    // The patterns changed (or the store did): discover afresh, and the fresh values are checked as they arrive.
    if (error instanceof HostNotAllowedError) return undefined;
    throw error;
  }
  return out;
}

/** A step that uses a kept value failed as it would if the discovered endpoint had moved. */
function staleDiscovery(error: unknown, failed: CompiledStep | undefined, kept: readonly CompiledStep[]): boolean {
  if (failed === undefined || !kept.some((step) => failed.uses.has(step.name))) return false;
  return error instanceof ConfigurationError || error instanceof NetworkError || error instanceof HostNotAllowedError;
}

/** The token answer a run makes: tokens, expiry (the shared policy), extras and the kept steps' values. */
function tokenResult(ctx: AuthContext, chain: ChainPlan, run: ChainRun, expiry: ExpiryPolicy): TokenResult {
  const { map } = chain;
  const accessToken = valueAt(run, map.accessToken);
  if (accessToken === null) throw new TokenResponseError(`the token chain produced no access token; check ${map.pointer}/access_token`);
  const token = String(accessToken);
  const refreshToken = valueAt(run, map.refreshToken);
  ctx.redactor.add(token);
  if (refreshToken !== null) ctx.redactor.add(String(refreshToken));
  const answer = run.answers.get(map.accessToken.step);
  const sentAt = answer?.sentAt ?? ctx.now();
  const cookie = map.accessToken.source === 'cookie' ? answer?.cookies.find((c) => c.value === token) : undefined;
  const cookieExpiresAt = cookie?.maxAge !== undefined && answer ? answer.receivedAt + cookie.maxAge * 1000 : cookie?.expires;
  const body = { expires_in: valueAt(run, map.expiresIn), expires_at: valueAt(run, map.expiresAt) };
  const lifetime = expiry.expiresAt({ body, accessToken: token, cookieExpiresAt, sentAt });
  if (lifetime.warning) ctx.emit({ type: 'token.expiry_warning', reason: `the token chain (${map.pointer}): ${lifetime.warning}` });
  const extras: Record<string, unknown> = {};
  for (const [name, ref] of map.extras) {
    const value = valueAt(run, ref);
    if (value !== null) extras[name] = value;
  }
  if (chain.kept.length > 0) extras[KEPT_STEPS_EXTRA] = Object.fromEntries(chain.kept.map((step) => [step.name, run.steps[step.name]]));
  return {
    accessToken: token,
    refreshToken: refreshToken === null ? undefined : String(refreshToken),
    expiresAt: lifetime.expiresAt,
    obtainedAt: sentAt,
    extras,
    cookies: run.cookieSets.flatMap((set) => set.cookies),
    url: run.lastUrl ?? new URL('about:blank'),
    cookieSets: run.cookieSets,
  };
}

function valueAt(run: ChainRun, ref: ValueRef | undefined): StepValue {
  return ref === undefined ? null : (run.steps[ref.step]?.[ref.value] ?? null);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isStepValue(value: unknown): value is StepValue {
  return value === null || typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
}
