import type { NextFunction, Request, Response } from 'express';
import { describe, expect, it } from 'vitest';
import type { Role } from '../src/config.js';
import { apiKeyRecord, authenticate, generateApiKey, hashApiKey, requireRole, type ApiKeyRecord } from '../src/http/auth.js';
import { DomainError } from '../src/domain/errors.js';

const KEY = 'test-workflow-key-0123456789';
// Built inside the tests: an exception at module level would fail collection, which Stryker counts as a survived mutant.
const records = () => [{ ...apiKeyRecord('workflow', KEY), organisationId: 'default' }, apiKeyRecord('auditor', 'test-auditor-key-0123456789ab')];
const directory = (list: ApiKeyRecord[]) => ({ find: async (hash: string) => list.find((k) => k.hash === hash) });

/** Runs a middleware on a bare request: what it put on the request and whether it let it through, or the error. */
async function run(mw: (req: Request, res: Response, next: NextFunction) => void | Promise<void>, req: Partial<Request>) {
  let nextCalls = 0;
  try {
    await mw(req as Request, {} as Response, () => void nextCalls++);
  } catch (err) {
    if (!(err instanceof DomainError)) throw err;
    return { error: { kind: err.kind, code: err.code, message: err.message }, nextCalls };
  }
  return { principal: req.principal, nextCalls };
}

const authAs = (authorization: string | undefined) => run(authenticate(directory(records())), { headers: authorization === undefined ? {} : { authorization } });
const missing = { error: { kind: 'unauthenticated', code: 'missing_api_key', message: 'Send an API key as "Authorization: Bearer <key>"' }, nextCalls: 0 };
const invalid = { error: { kind: 'unauthenticated', code: 'invalid_api_key', message: 'The API key is not valid' }, nextCalls: 0 };
const asWorkflow = { principal: { id: 'key_037a5e9d6cb3', role: 'workflow', organisationId: 'default' }, nextCalls: 1 };

describe('API key records', () => {
  it('keep the SHA-256 of the key in hex, and an id made of its first 12 hex digits, never the key', () => {
    expect(hashApiKey('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(apiKeyRecord('auditor', 'abc')).toEqual({
      id: 'key_ba7816bf8f01',
      role: 'auditor',
      hash: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    });
  });

  it('a generated key names its role and carries 32 random bytes in base64url', () => {
    const keys = Array.from({ length: 20 }, () => generateApiKey('admin'));
    expect(keys.filter((k) => !/^wes_admin_[A-Za-z0-9_-]{43}$/.test(k))).toEqual([]);
    expect(Buffer.from(keys[0].slice('wes_admin_'.length), 'base64url')).toHaveLength(32);
    expect(new Set(keys).size).toBe(20);
  });
});

describe('bearer-key authentication', () => {
  it('lets a known key in as its id, role and organisation, without the hash', async () => {
    expect(await authAs(`Bearer ${KEY}`)).toEqual(asWorkflow);
    expect(await authAs('Bearer test-auditor-key-0123456789ab')).toEqual({ principal: { id: 'key_c95f56d92335', role: 'auditor' }, nextCalls: 1 });
  });

  it.each([
    ['a lower-case scheme', `bearer ${KEY}`],
    ['several spaces before the key', `Bearer   ${KEY}`],
    ['a tab before the key', `Bearer\t${KEY}`],
    ['trailing white space', `Bearer ${KEY}  `],
  ])('accepts %s', async (_what, header) => {
    expect(await authAs(header)).toEqual(asWorkflow);
  });

  it.each([
    ['no header', undefined],
    ['an empty header', ''],
    ['another scheme', `Basic ${KEY}`],
    ['a scheme without a key', 'Bearer '],
    ['no space after the scheme', `Bearer${KEY}`],
    ['text before the scheme', `xBearer ${KEY}`],
    ['a second word after the key', `Bearer ${KEY} extra`],
    ['a key without a scheme', KEY],
  ])('asks for a key on %s', async (_what, header) => {
    expect(await authAs(header)).toEqual(missing);
  });

  it('refuses an unknown key, one that differs in its last character, and the stored hash used as a key', async () => {
    expect(await authAs('Bearer wes_admin_unknown')).toEqual(invalid);
    expect(await authAs(`Bearer ${KEY.slice(0, -1)}8`)).toEqual(invalid);
    expect(await authAs(`Bearer ${records()[0].hash}`)).toEqual(invalid);
  });

  it('knows no key when none is configured', async () => {
    expect(await run(authenticate(directory([])), { headers: { authorization: `Bearer ${KEY}` } })).toEqual(invalid);
  });
});

describe('role checks', () => {
  const asRole = (role: Role | undefined, ...allowed: Role[]) =>
    run(requireRole(...allowed), role ? { principal: { id: 'key_0123456789ab', role } } : {});
  const through = (role: Role) => ({ principal: { id: 'key_0123456789ab', role }, nextCalls: 1 });

  it('lets each of the listed roles through', async () => {
    expect(await asRole('workflow', 'workflow', 'utility')).toEqual(through('workflow'));
    expect(await asRole('utility', 'workflow', 'utility')).toEqual(through('utility'));
  });

  it('refuses another role, naming the roles the call needs', async () => {
    expect(await asRole('auditor', 'workflow', 'utility')).toEqual({
      error: { kind: 'forbidden', code: 'forbidden_role', message: 'This call needs one of the roles: workflow, utility' },
      nextCalls: 0,
    });
  });

  it('refuses a request that was not authenticated', async () => {
    expect(await asRole(undefined, 'admin')).toEqual({
      error: { kind: 'forbidden', code: 'forbidden_role', message: 'This call needs one of the roles: admin' },
      nextCalls: 0,
    });
  });
});
