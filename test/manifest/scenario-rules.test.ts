/**
 * Unit tests of sdk/manifest/scenario-rules.ts: the rules of a manifest's `tests` a schema
 * cannot express (called actions exist, one thing per step, one body per response, unique
 * scenario names), on whatever shape the manifest has.
 */
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../sdk/manifest/finding.js';
import { checkScenarios } from '../../sdk/manifest/scenario-rules.js';

function findings(manifest: Record<string, unknown>): Finding[] {
  const out: Finding[] = [];
  checkScenarios(manifest, out);
  return out;
}

const actions = { 'get-item': {}, list: {} };
const ONE_BODY = 'keep json (sent as JSON), body (text) or body_base64 (binary)';

describe('checkScenarios', () => {
  it('finds nothing in well-formed scenarios', () => {
    expect(
      findings({
        actions,
        tests: [
          {
            name: 'a',
            responses: { 'GET /items': [{ status: 200, json: {} }, { status: 401, body: 'expired' }] },
            steps: [{ call: 'get-item' }, { advance: 60 }, { expire_tokens: true }, { respond: { 'GET /items': [{ body_base64: 'eA==' }] } }],
          },
          { name: 'b', steps: [{ call: 'list' }] },
        ],
      }),
    ).toEqual([]);
  });

  it('ignores a manifest without tests, or with tests that are not a list', () => {
    expect(findings({})).toEqual([]);
    expect(findings({ tests: 'x' })).toEqual([]);
    expect(findings({ tests: [null, 5, { steps: 'x' }, { steps: [null, 'x'] }] })).toEqual([]);
  });

  it('reports a repeated scenario name at each repetition, naming the first', () => {
    expect(findings({ tests: [{ name: 'a' }, { name: 'b' }, { name: 'a' }, { name: 'a' }] })).toEqual([
      { pointer: '/tests/2/name', at: 'value', message: 'scenario name "a" is already used by tests[0]', hint: 'give every scenario its own name: --scenario picks one by name', severity: 'error' },
      { pointer: '/tests/3/name', at: 'value', message: 'scenario name "a" is already used by tests[0]', hint: 'give every scenario its own name: --scenario picks one by name', severity: 'error' },
    ]);
  });

  it('reports a call of an undeclared action, with a suggestion or the declared actions', () => {
    expect(findings({ actions, tests: [{ name: 't', steps: [{ call: 'get-itm' }, { call: 'zzzzzzzz' }] }] })).toEqual([
      { pointer: '/tests/0/steps/0/call', at: 'value', message: 'action "get-itm" is not declared in actions', hint: 'did you mean "get-item"?', severity: 'error' },
      { pointer: '/tests/0/steps/1/call', at: 'value', message: 'action "zzzzzzzz" is not declared in actions', hint: 'declared actions: get-item, list', severity: 'error' },
    ]);
  });

  it('treats actions that are not an object as none declared', () => {
    expect(findings({ actions: ['get-item'], tests: [{ steps: [{ call: 'get-item' }] }] })).toEqual([
      { pointer: '/tests/0/steps/0/call', at: 'value', message: 'action "get-item" is not declared in actions', hint: 'declared actions: ', severity: 'error' },
    ]);
  });

  it('reports a step that does several things, listing them in order', () => {
    expect(findings({ actions, tests: [{ steps: [{ call: 'list', advance: 5 }, { expire_tokens: true, respond: {}, advance: 1, call: 'list' }] }] })).toEqual([
      { pointer: '/tests/0/steps/0', at: 'value', message: 'a step does one thing, this one call and advance', hint: 'split it into 2 steps, in the order they should happen', severity: 'error' },
      { pointer: '/tests/0/steps/1', at: 'value', message: 'a step does one thing, this one call and advance and respond and expire_tokens', hint: 'split it into 4 steps, in the order they should happen', severity: 'error' },
    ]);
  });

  it('reports a step that does nothing, but leaves an empty step to the schema', () => {
    expect(findings({ tests: [{ steps: [{ note: 'x' }, {}] }] })).toEqual([
      { pointer: '/tests/0/steps/0', at: 'key', message: 'the step does nothing: give it call, authorize, advance, respond or expire_tokens', severity: 'error' },
    ]);
  });

  it('reports a response with two bodies at the second, in responses, respond and expired_response', () => {
    const manifest = {
      tests: [
        {
          responses: { 'GET /x~y': [{ json: 1, body: 'b' }], 'POST /y': 'not a list' },
          expired_response: { body: 'a', body_base64: 'b' },
          steps: [{ respond: { 'GET /a/b': [{ body: '' }, 'x', { json: {}, body: 'x', body_base64: 'eA==' }] } }],
        },
      ],
    };
    expect(findings(manifest)).toEqual([
      { pointer: '/tests/0/responses/GET ~1x~0y/0/body', at: 'key', message: 'a response has one body: json and body are both given', hint: ONE_BODY, severity: 'error' },
      { pointer: '/tests/0/expired_response/body_base64', at: 'key', message: 'a response has one body: body and body_base64 are both given', hint: ONE_BODY, severity: 'error' },
      {
        pointer: '/tests/0/steps/0/respond/GET ~1a~1b/2/body',
        at: 'key',
        message: 'a response has one body: json and body and body_base64 are both given',
        hint: ONE_BODY,
        severity: 'error',
      },
    ]);
  });

  it('counts a body of null as given, and an absent one as not', () => {
    expect(findings({ tests: [{ responses: { 'GET /': [{ json: null, body: 'x' }, { json: undefined, body: 'x' }] } }] })).toEqual([
      { pointer: '/tests/0/responses/GET ~1/0/body', at: 'key', message: 'a response has one body: json and body are both given', hint: ONE_BODY, severity: 'error' },
    ]);
  });
});
