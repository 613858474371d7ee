/**
 * The rules of the manifest's `tests` (the offline scenarios `connector test` runs) that a
 * schema cannot express: every called action exists, a step does one thing, a response has one
 * body, scenario names are unique. Runs on whatever shape the manifest has.
 */
import { suggest } from './did-you-mean.js';
import { error, type Finding } from './finding.js';
import { isRecord } from './json-value.js';
import { escapePointerToken } from '../json-pointer.js';
import { show } from './message-text.js';

const STEP_KINDS = ['call', 'authorize', 'advance', 'respond', 'expire_tokens', 'paginate'] as const;
const BODIES = ['json', 'body', 'body_base64'] as const;

/** Appends to `out` what the rules find in the manifest's `tests`. */
export function checkScenarios(manifest: Record<string, unknown>, out: Finding[]): void {
  const tests = manifest.tests;
  if (!Array.isArray(tests)) return;
  const actions = isRecord(manifest.actions) ? Object.keys(manifest.actions) : [];
  const authType = isRecord(manifest.auth) ? manifest.auth.type : undefined;
  // OAuth 1.0a's three-legged flow has a user step too.
  const userAuthorizes = authType === 'oauth2_authorization_code' || (authType === 'oauth1' && isRecord(manifest.auth) && manifest.auth.authorization !== undefined);
  const names = new Map<string, number>();
  tests.forEach((scenario, i) => {
    if (!isRecord(scenario)) return;
    const base = `/tests/${i}`;
    if (typeof scenario.name === 'string') {
      const first = names.get(scenario.name);
      if (first === undefined) names.set(scenario.name, i);
      else out.push(error(`${base}/name`, `scenario name ${show(scenario.name)} is already used by tests[${first}]`, 'give every scenario its own name: --scenario picks one by name'));
    }
    checkRoutes(scenario.responses, `${base}/responses`, out);
    if (isRecord(scenario.expired_response)) checkResponse(scenario.expired_response, `${base}/expired_response`, out);
    if (!Array.isArray(scenario.steps)) return;
    scenario.steps.forEach((step, j) => {
      if (!isRecord(step)) return;
      const pointer = `${base}/steps/${j}`;
      const kinds = STEP_KINDS.filter((kind) => step[kind] !== undefined);
      if (kinds.length > 1) {
        out.push(error(pointer, `a step does one thing, this one ${kinds.join(' and ')}`, `split it into ${kinds.length} steps, in the order they should happen`));
      } else if (kinds.length === 0 && Object.keys(step).length > 0) {
        out.push(error(pointer, 'the step does nothing: give it call, authorize, advance, respond or expire_tokens', undefined, 'key'));
      }
      const called = isRecord(step.paginate) ? { id: step.paginate.action, at: `${pointer}/paginate/action` } : { id: step.call, at: `${pointer}/call` };
      if (typeof called.id === 'string' && !actions.includes(called.id)) {
        out.push(error(called.at, `action ${show(called.id)} is not declared in actions`, suggest(called.id, actions) ?? `declared actions: ${actions.join(', ')}`));
      }
      if (step.authorize !== undefined && !userAuthorizes) {
        out.push(error(`${pointer}/authorize`, `authorize completes the authorization code grant (or OAuth 1.0a's three-legged flow), but this manifest's auth type is ${show(authType)}`, 'remove the step: the connection obtains its tokens by itself', 'key'));
      }
      checkRoutes(step.respond, `${pointer}/respond`, out);
    });
  });
}

function checkRoutes(routes: unknown, pointer: string, out: Finding[]): void {
  if (!isRecord(routes)) return;
  for (const [route, responses] of Object.entries(routes)) {
    if (!Array.isArray(responses)) continue;
    responses.forEach((response, k) => {
      if (isRecord(response)) checkResponse(response, `${pointer}/${escapePointerToken(route)}/${k}`, out);
    });
  }
}

function checkResponse(response: Record<string, unknown>, pointer: string, out: Finding[]): void {
  const bodies = BODIES.filter((name) => response[name] !== undefined);
  if (bodies.length > 1) {
    out.push(error(`${pointer}/${bodies[1]}`, `a response has one body: ${bodies.join(' and ')} are both given`, 'keep json (sent as JSON), body (text) or body_base64 (binary)', 'key'));
  }
}
