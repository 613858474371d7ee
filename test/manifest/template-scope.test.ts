/**
 * Unit tests of sdk/manifest/template-scope.ts: the facts a manifest declares (credentials of
 * every environment, secrets, auth extras), and whether one template variable is in scope in a
 * field: its root, a declared credential, a field of the action's input schema, an auth value.
 */
import { describe, expect, it } from 'vitest';
import { credentialSchemas, gatherFacts, variableProblem, type FieldContext } from '../../sdk/manifest/template-scope.js';

const manifest = {
  credentials: { type: 'object', properties: { host: { type: 'string' }, api_key: { type: 'string', 'x-secret': true }, odd: 5 } },
  environments: {
    dev: { credentials: { type: 'object', properties: { dev_token: { type: 'string', 'x-secret': true } } } },
    'a/b': { credentials: { type: 'object', additionalProperties: false } },
    broken: 5,
    none: {},
  },
  auth: { type: 'bearer', extras: { instance: '$.instance', region: '$.region' } },
  actions: {
    get: {
      input: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          user: { type: 'object', properties: { name: { type: 'string' } } },
          free: { type: 'object', additionalProperties: true, properties: { a: {} } },
          open: { type: 'object' },
          items: { type: 'array', items: { type: 'object', properties: { sku: { type: 'string' } } } },
          tags: { type: 'array' },
        },
      },
    },
  },
};
const facts = gatherFacts(manifest);
const ALL = ['credentials', 'input', 'auth', 'env', 'now'];
const inAction: FieldContext = { scopes: ALL, action: { id: 'get', input: manifest.actions.get.input }, inUrl: false };
const problem = (variable: string, context: FieldContext = inAction) => variableProblem(variable.split('.'), context, facts);

describe('gatherFacts', () => {
  it('collects credentials and secrets of every environment, auth extras and actions', () => {
    expect(facts.credentials).toEqual(new Set(['host', 'api_key', 'odd', 'dev_token']));
    expect(facts.secrets).toEqual(new Set(['api_key', 'dev_token']));
    expect(facts.openCredentials).toBe(false);
    expect(facts.authExtras).toEqual(new Set(['instance', 'region']));
    expect(facts.actions).toBe(manifest.actions);
  });

  it('is empty for an empty manifest', () => {
    expect(gatherFacts({})).toEqual({
      credentials: new Set(),
      secrets: new Set(),
      openCredentials: false,
      authExtras: new Set(),
      actions: {},
      tokenAuth: false,
      allowedHostPatterns: false,
      callbackValues: new Map(),
    });
  });

  it('marks credentials open when any credentials schema allows undeclared fields', () => {
    expect(gatherFacts({ credentials: { additionalProperties: true } }).openCredentials).toBe(true);
    expect(gatherFacts({ environments: { x: { credentials: { additionalProperties: true } } } }).openCredentials).toBe(true);
    expect(gatherFacts({ credentials: { additionalProperties: {} } }).openCredentials).toBe(false);
  });
});

describe('credentialSchemas', () => {
  it('lists the top-level schema and each environment\'s, at escaped pointers', () => {
    expect(credentialSchemas(manifest)).toEqual([
      ['/credentials', manifest.credentials],
      ['/environments/dev/credentials', manifest.environments.dev.credentials],
      ['/environments/a~1b/credentials', manifest.environments['a/b'].credentials],
    ]);
  });

  it('skips what is not an object', () => {
    expect(credentialSchemas({ credentials: [], environments: [] })).toEqual([]);
  });
});

describe('variableProblem', () => {
  it('refuses a root the field may not use, listing those it may', () => {
    expect(problem('customer.id')).toEqual({ message: 'variable customer.id is not available here: this field may use credentials, input, auth, env, now' });
    expect(problem('input.x', { scopes: ['credentials', 'env'], inUrl: false })).toEqual({
      message: 'variable input.x is not available here: this field may use credentials, env',
    });
  });

  describe('credentials', () => {
    it('accepts declared credentials, from any environment, and the root itself', () => {
      expect(problem('credentials.host')).toBeUndefined();
      expect(problem('credentials.dev_token')).toBeUndefined();
      expect(problem('credentials')).toBeUndefined();
    });

    it('refuses an undeclared credential, suggesting a close one', () => {
      expect(problem('credentials.hots')).toEqual({ message: 'credentials.hots is not declared', hint: 'did you mean "host"?' });
      expect(problem('credentials.zzzzzz')).toEqual({ message: 'credentials.zzzzzz is not declared', hint: 'declare it under credentials.properties' });
    });

    it('accepts any credential when the schema is open', () => {
      expect(variableProblem(['credentials', 'anything'], inAction, { ...facts, openCredentials: true })).toBeUndefined();
    });

    it('cuts a long name in the message', () => {
      expect(problem(`credentials.${'x'.repeat(80)}`)?.message).toBe(`credentials.${'x'.repeat(57)}… is not declared`);
    });
  });

  describe('input', () => {
    it.each([
      'input',
      'input.id',
      'input.user.name',
      'input.user.size',
      'input.free.anything',
      'input.open.anything',
      'input.items.0.sku',
      'input.items.first.sku',
      'input.tags.0.x',
      'input.id.deeper',
    ])('accepts %s', (variable) => {
      expect(problem(variable)).toBeUndefined();
    });

    it('refuses an undeclared field at the depth where it is undeclared', () => {
      expect(problem('input.idd')).toEqual({ message: 'input.idd is not declared in the input schema of action "get"', hint: 'did you mean "id"?' });
      expect(problem('input.user.nme')).toEqual({ message: 'input.user.nme is not declared in the input schema of action "get"', hint: 'did you mean "name"?' });
      expect(problem('input.items.last.skuu')).toEqual({
        message: 'input.items.last.skuu is not declared in the input schema of action "get"',
        hint: 'did you mean "sku"?',
      });
      expect(problem('input.zzzzzz')).toEqual({
        message: 'input.zzzzzz is not declared in the input schema of action "get"',
        hint: 'declare it under actions.get.input.properties',
      });
    });

    it('checks own properties of the schema only', () => {
      expect(problem('input.toString')).toEqual({
        message: 'input.toString is not declared in the input schema of action "get"',
        hint: 'declare it under actions.get.input.properties',
      });
    });

    it('stops checking at a computed key', () => {
      expect(variableProblem(['input', 'items', 'input.index', 'zz'], inAction, facts)).toBeUndefined();
      expect(variableProblem(['input', 'x', 'input.index'], inAction, facts)).toEqual({
        message: 'input.x is not declared in the input schema of action "get"',
        hint: 'declare it under actions.get.input.properties',
      });
    });

    it('refuses any field of an action without an input schema', () => {
      const context: FieldContext = { scopes: ALL, action: { id: 'q', input: undefined }, inUrl: false };
      expect(problem('input.anything', context)).toEqual({
        message: 'input.anything is not declared in the input schema of action "q"',
        hint: 'declare it under actions.q.input.properties',
      });
      expect(problem('input', context)).toBeUndefined();
      expect(problem('input.anything', { ...context, action: { id: 'q', input: { type: 'object' } } })).toEqual({
        message: 'input.anything is not declared in the input schema of action "q"',
        hint: 'declare it under actions.q.input.properties',
      });
    });

    it('accepts any field outside an action', () => {
      expect(problem('input.anything', { scopes: ALL, inUrl: false })).toBeUndefined();
    });
  });

  describe('auth', () => {
    it.each(['auth', 'auth.access_token', 'auth.refresh_token', 'auth.token_type', 'auth.expires_at', 'auth.cookies.sid', 'auth.extras', 'auth.extras.instance'])(
      'accepts %s',
      (variable) => {
        expect(problem(variable)).toBeUndefined();
      },
    );

    it('refuses an auth value that does not exist', () => {
      const has = 'auth has access_token, refresh_token, token_type, expires_at, cookies, extras';
      expect(problem('auth.acces_token')).toEqual({ message: `auth.acces_token does not exist: ${has}`, hint: 'did you mean "access_token"?' });
      expect(problem('auth.zzzzzzz')).toEqual({ message: `auth.zzzzzzz does not exist: ${has}`, hint: undefined });
    });

    it('refuses an undeclared auth extra', () => {
      expect(problem('auth.extras.instanse')).toEqual({ message: 'auth.extras.instanse is not declared in auth.extras', hint: 'did you mean "instance"?' });
      expect(problem('auth.extras.zzzzzz')).toEqual({
        message: 'auth.extras.zzzzzz is not declared in auth.extras',
        hint: 'add "zzzzzz": "<JSONPath>" to auth.extras',
      });
    });
  });

  describe('env and now', () => {
    it('accepts the plain values and refuses their properties', () => {
      expect(problem('env')).toBeUndefined();
      expect(problem('now')).toBeUndefined();
      expect(problem('env.name')).toEqual({ message: 'env is a plain value and has no property "name"' });
      expect(problem('now.constructor')).toEqual({ message: 'now is a plain value and has no property "constructor"' });
    });
  });
});
