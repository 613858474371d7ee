/**
 * The validator's rules for token chains (sdk/manifest/chain-rules.ts and the `steps` scope of
 * template-scope.ts): each broken variant of the valid sample gets exactly its diagnostics, with
 * the pointer, message and hint an author needs.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { validateManifest } from '../../sdk/manifest/validate.js';

const sample = readFileSync(fileURLToPath(new URL('valid/token-chain.json', import.meta.url)), 'utf8');

type Manifest = Record<string, any>;

/** Every diagnostic of the sample after `change`, as [severity, pointer, message, hint]. */
function diagnostics(change: (manifest: Manifest) => void = () => undefined): [string, string, string, string | undefined][] {
  const manifest = JSON.parse(sample) as Manifest;
  change(manifest);
  return validateManifest(JSON.stringify(manifest, null, 2)).diagnostics.map((d) => [d.severity, d.pointer, d.message, d.hint]);
}

describe('the valid sample', () => {
  it('has no diagnostic at all, as text and as an object', () => {
    expect(diagnostics()).toEqual([]);
    expect(validateManifest(JSON.parse(sample)).valid).toBe(true);
  });
});

describe('steps.<step>.<value> in templates', () => {
  it('a later step\'s value used too early', () => {
    expect(diagnostics((m) => (m.auth.steps[1].url = '{{ steps.token.access_token }}/.well-known/openid-configuration'))).toEqual([
      ['error', '/auth/steps/1/url', 'steps.token is used in step "oidc" before step "token" runs: a step may use only the values of the steps before it', 'move step "token" before step "oidc"'],
      ['warning', '/auth/steps/1/url', 'the host of this step\'s URL comes from steps.token.access_token, which has no host_patterns: the server that answered it chooses where this request goes', 'add host_patterns to value "access_token" of step "token"'],
    ]);
  });

  it('a step\'s own value', () => {
    expect(diagnostics((m) => (m.auth.steps[2].headers = { 'X-Endpoint': '{{ steps.token.access_token }}' }))).toEqual([
      ['error', '/auth/steps/2/headers/X-Endpoint', 'steps.token is step "token" itself: a step may use only the values of the steps before it', expect.stringContaining('Headers of this step')],
    ]);
  });

  it('an unknown step, with did-you-mean', () => {
    expect(diagnostics((m) => (m.auth.steps[1].url = '{{ steps.identty.url }}/.well-known/openid-configuration'))).toEqual([
      ['error', '/auth/steps/1/url', 'steps.identty is not a step of this chain', 'did you mean "identity"?'],
    ]);
  });

  it('an unknown step without a near name lists the steps it may use', () => {
    expect(diagnostics((m) => (m.auth.steps[2].body.scope = '{{ steps.elsewhere.scope }}'))).toEqual([
      ['error', '/auth/steps/2/body/scope', 'steps.elsewhere is not a step of this chain', 'the steps step "token" may use: identity, oidc'],
    ]);
  });

  it('an unknown value, with did-you-mean', () => {
    expect(diagnostics((m) => (m.auth.steps[1].url = '{{ steps.identity.uri }}/.well-known/openid-configuration'))).toEqual([
      ['error', '/auth/steps/1/url', 'steps.identity.uri is not a value of step "identity"', 'did you mean "url"?'],
    ]);
  });

  it('a step without a value, and a value with a property', () => {
    expect(diagnostics((m) => (m.auth.steps[1].url = '{{ steps.identity }}/x'))).toEqual([
      ['error', '/auth/steps/1/url', 'steps.identity is a step: write steps.identity.<value>', 'step "identity" has url'],
    ]);
    expect(diagnostics((m) => (m.auth.steps[1].url = '{{ steps.identity.url.host }}/x'))).toEqual([
      ['error', '/auth/steps/1/url', 'steps.identity.url is a plain value and has no property "host"', expect.stringContaining('URL of this step')],
    ]);
  });

  it('refresh steps see kept steps and earlier refresh steps, never a step that is not kept', () => {
    expect(diagnostics((m) => (m.auth.refresh.steps[0].headers = { 'X-Old': '{{ steps.token.access_token }}' }))).toEqual([
      ['error', '/auth/refresh/steps/0/headers/X-Old', 'steps.token is not kept, so refresh steps cannot use it', 'mark step "token" keep: true, or use auth.* (the record being renewed)'],
    ]);
  });

  it('a kept step may use only kept steps', () => {
    const problems = diagnostics((m) => {
      m.auth.steps[0].keep = false;
      m.auth.steps[0].values.url.secret = true;
    });
    expect(problems).toEqual([
      ['error', '/auth/steps/1/url', 'steps.identity is used by kept step "oidc", but step "identity" is not kept: a renewal skips kept steps only when they need nothing else', 'mark step "identity" keep: true, or drop keep on step "oidc"'],
    ]);
  });

  it('steps outside a chain, and auth in a step that is no refresh step', () => {
    expect(diagnostics((m) => (m.actions['list-cabinets'].path = '/{{ steps.identity.url }}'))).toEqual([
      ['error', '/actions/list-cabinets/path', 'variable steps.identity.url is not available here: this field may use credentials, input, auth, env, now', expect.stringContaining('Liquid template of the path')],
    ]);
    expect(diagnostics((m) => (m.auth.steps[2].body.refresh_token = '{{ auth.refresh_token }}'))).toEqual([
      ['error', '/auth/steps/2/body/refresh_token', 'variable auth.refresh_token is not available here: this field may use credentials, env, now, steps', expect.stringContaining('The request body, by body_format')],
    ]);
  });
});

describe('step names, values and the token', () => {
  it('duplicate step names, across steps and refresh.steps', () => {
    const problems = diagnostics((m) => {
      m.auth.refresh.steps[0].name = 'token';
      m.auth.refresh.token = { access_token: 'token.access_token' };
    });
    expect(problems).toEqual([['error', '/auth/refresh/steps/0/name', 'step name "token" is already used by /auth/steps/2', 'step names are unique across steps and refresh.steps: later steps name values as steps.<step>.<value>']]);
    expect(diagnostics((m) => (m.auth.steps[1].name = 'identity'))).toContainEqual(['error', '/auth/steps/1/name', 'step name "identity" is already used by /auth/steps/0', expect.any(String)]);
  });

  it('token.* must name an existing step value', () => {
    expect(diagnostics((m) => (m.auth.token.access_token = 'tokn.access_token'))).toEqual([
      ['error', '/auth/token/access_token', 'token access_token names "tokn.access_token", but there is no step "tokn" it may use', 'did you mean "token"?'],
    ]);
    expect(diagnostics((m) => (m.auth.token.expires_in = 'token.expires'))).toEqual([
      ['error', '/auth/token/expires_in', 'token expires_in names "token.expires", but step "token" has no value "expires"', 'did you mean "expires_in"?'],
    ]);
    expect(diagnostics((m) => (m.auth.refresh.token.refresh_token = 'token.refresh_token'))).toEqual([
      ['error', '/auth/refresh/token/refresh_token', 'token refresh_token names "token.refresh_token", but there is no step "token" it may use', 'step "token" is not kept, so a refresh cannot use it; the refresh token map may use identity, oidc, refresh'],
    ]);
  });

  it('the access token is secret and not optional', () => {
    expect(diagnostics((m) => Object.assign(m.auth.steps[2].values.access_token, { secret: false, optional: true }))).toEqual([
      ['error', '/auth/token/access_token', 'the access token must be secret, but "token.access_token" is marked "secret": false', 'remove "secret": false from that value'],
      ['error', '/auth/token/access_token', 'the access token cannot be optional, but "token.access_token" is marked optional', 'remove "optional": true from that value'],
    ]);
  });

  it('kept values and extras are plain configuration; extras.steps is reserved', () => {
    expect(diagnostics((m) => delete m.auth.steps[1].values.token_endpoint.secret)).toEqual([
      ['error', '/auth/steps/1/values/token_endpoint', 'value "token_endpoint" of kept step "oidc" is secret, but kept values are stored in the token record as plain configuration', 'mark it "secret": false if it is no credential, or drop keep on step "oidc"'],
    ]);
    expect(diagnostics((m) => (m.auth.token.extras = { steps: 'token.expires_in', session: 'token.refresh_token' }))).toEqual([
      ['error', '/auth/token/extras/steps', 'extras name "steps" is reserved: the kept steps\' values are stored under it', 'choose another name'],
      ['error', '/auth/token/extras/session', 'extra "session" takes the secret value "token.refresh_token", but extras are stored in the token record as plain configuration', 'mark that value "secret": false if it is no credential; tokens go in access_token and refresh_token'],
    ]);
  });

  it('each value has exactly one source; XML paths are checked', () => {
    expect(diagnostics((m) => (m.auth.steps[2].values.access_token = { json: '$.access_token', header: 'X-Token' }))).toEqual([
      ['error', '/auth/steps/2/values/access_token', 'value "access_token" has json and header: give exactly one source', 'give one of json (a JSONPath), header, cookie, xml (a path) or text: true'],
    ]);
    expect(diagnostics((m) => (m.auth.steps[2].values.access_token = { xml: '/response/item[1]' }))).toEqual([
      ['error', '/auth/steps/2/values/access_token/xml', expect.stringContaining('uses predicates'), 'write a slash path such as /response/operation/result/data/api/sessionid or //sessionid'],
    ]);
  });

  it('the expiry names no JSONPath; a raw body is a string; a GET body is never sent', () => {
    expect(diagnostics((m) => (m.auth.expiry.expires_in_path = '$.expires_in'))).toEqual([
      ['error', '/auth/expiry/expires_in_path', 'a token chain names the value holding its expiry with token.expires_in, not a JSONPath', 'remove expires_in_path and set token.expires_in to "<step>.<value>"'],
    ]);
    expect(diagnostics((m) => (m.auth.steps[2].body_format = 'raw'))).toEqual([
      ['error', '/auth/steps/2/body', 'body_format "raw" takes the body as one template string', 'write the XML or text as one string, or use body_format json or form'],
    ]);
    expect(diagnostics((m) => (m.auth.steps[0].body = { a: 1 }))).toEqual([
      ['warning', '/auth/steps/0/body', 'a GET step is sent without a body: this body is never sent', 'use POST, or move the values into the URL'],
    ]);
  });

  it('warns when a server-chosen value picks a step\'s host without host_patterns', () => {
    expect(diagnostics((m) => delete m.auth.steps[1].values.token_endpoint.host_patterns)).toEqual([
      ['warning', '/auth/steps/2/url', 'the host of this step\'s URL comes from steps.oidc.token_endpoint, which has no host_patterns: the server that answered it chooses where this request goes', 'add host_patterns to value "token_endpoint" of step "oidc"'],
      ['warning', '/auth/refresh/steps/0/url', 'the host of this step\'s URL comes from steps.oidc.token_endpoint, which has no host_patterns: the server that answered it chooses where this request goes', 'add host_patterns to value "token_endpoint" of step "oidc"'],
    ]);
  });
});

describe('base_url built from the token record', () => {
  const instance = (m: Manifest) => {
    m.base_url = '{{ auth.extras.instance_url }}/services/data/v59.0';
    m.auth.steps[2].values.instance_url = { json: '$.instance_url', secret: false };
    m.auth.token.extras = { instance_url: 'token.instance_url' };
  };

  it('needs allowed_host_patterns', () => {
    expect(diagnostics(instance)).toEqual([
      ['error', '/base_url', 'base_url uses auth.extras.instance_url, so a server chooses its host, but allowed_host_patterns is not declared', 'declare allowed_host_patterns: the hosts the base URL may point at, e.g. ["*.my.salesforce.com"]'],
    ]);
    expect(diagnostics((m) => {
      instance(m);
      m.allowed_host_patterns = ['*.my.salesforce.com', '{{ credentials.host }}'];
    })).toEqual([]);
  });

  it('takes only declared extras, never a token', () => {
    expect(diagnostics((m) => {
      instance(m);
      m.allowed_host_patterns = ['*.my.salesforce.com'];
      m.base_url = 'https://{{ auth.access_token }}.example.com';
    })).toEqual([
      ['error', '/base_url', 'auth.access_token cannot choose the base URL: only auth.extras.<name> may', 'name the value in the auth block\'s extras (e.g. instance_url) and write {{ auth.extras.instance_url }}'],
    ]);
    expect(diagnostics((m) => {
      instance(m);
      m.allowed_host_patterns = ['*.my.salesforce.com'];
      m.base_url = '{{ auth.extras.instance }}';
    })).toEqual([['error', '/base_url', 'auth.extras.instance is not declared in the auth block\'s extras', 'did you mean "instance_url"?']]);
  });

  it('is not available to auth types that obtain no token', () => {
    expect(diagnostics((m) => {
      m.auth = { type: 'bearer', token: '{{ credentials.password }}' };
      m.base_url = '{{ auth.extras.instance_url }}';
    })).toEqual([['error', '/base_url', 'variable auth.extras.instance_url is not available here: this field may use credentials, env', expect.any(String)]]);
  });
});
