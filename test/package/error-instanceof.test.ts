/**
 * Two copies of the SDK in one process (a host and a plugin that each installed it): an error
 * from one copy is `instanceof` the class of the same name in the other, and of its parents,
 * never of an unrelated class.
 */
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as here from '../../sdk/errors.js';

let dir: string;
let other: typeof here;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sdk-copy-'));
  await copyFile('sdk/errors.ts', join(dir, 'errors.ts'));
  other = (await import(pathToFileURL(join(dir, 'errors.ts')).href)) as typeof here;
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('instanceof across two copies of the SDK', () => {
  it('the copies are distinct classes', () => {
    expect(other.ReauthorizationRequired).not.toBe(here.ReauthorizationRequired);
  });

  it('an error of the other copy is an instance of the same class here, and of its parents', () => {
    const error = new other.ReauthorizationRequired('the user must reconnect');
    expect(error instanceof here.ReauthorizationRequired).toBe(true);
    expect(error instanceof here.AuthError).toBe(true);
    expect(error instanceof here.ConnectorError).toBe(true);
    expect(new other.TokenResponseError('x') instanceof here.AuthError).toBe(true);
  });

  it('never of an unrelated class, and plain errors are never SDK errors', () => {
    const error = new other.ReauthorizationRequired('x');
    expect(error instanceof here.HttpError).toBe(false);
    expect(error instanceof here.CredentialsRefusedError).toBe(false);
    expect(new other.AuthError('x') instanceof here.ReauthorizationRequired).toBe(false);
    const plain = Object.assign(new Error('x'), { name: 'ReauthorizationRequired' });
    expect(plain instanceof here.ReauthorizationRequired).toBe(false);
    expect(plain instanceof here.ConnectorError).toBe(false);
  });

  it('within one copy, instanceof is as before', () => {
    expect(new here.HttpError(500, 'GET', 'https://api.example.com/x') instanceof here.ConnectorError).toBe(true);
    expect(new here.HttpError(500, 'GET', 'https://api.example.com/x') instanceof here.AuthError).toBe(false);
    expect(new here.ConfigurationError('/a', 'x') instanceof Error).toBe(true);
  });
});
