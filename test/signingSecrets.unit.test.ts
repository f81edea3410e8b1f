import { describe, expect, it } from 'vitest';
import { createSigningSecrets } from '../src/domain/signingSecrets.js';

// Known answers from openssl, independent of the code under test:
//   openssl kdf -keylen 32 -kdfopt digest:SHA256 -kdfopt hexkey:<MASTER> -kdfopt 'info:water-esign signing links v1' HKDF
//   printf '%s' 'sig_01HZX.1767225600000' | openssl dgst -sha256 -mac HMAC -macopt hexkey:<link key> -binary | basenc --base64url
//   (and 'water-esign one-time codes v1' / 'chal_42.012345' for the code key and hash)
const MASTER = Buffer.from('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex');
// Built inside the tests: an exception at module level would fail collection, which Stryker counts as a survived mutant.
const secrets = () => createSigningSecrets(MASTER);
const EXPIRES = new Date(1767225600000);
const HASH_012345 = 'f520546fa3020b562086620b2d384cbed4e9c8a5cbbde83b62a90866988e7d56';

describe('signing-link tokens', () => {
  it('are HMAC-SHA256 of "<signer>.<expiry ms>" under the HKDF link key, base64url', () => {
    expect(secrets().linkToken('sig_01HZX', EXPIRES)).toBe('vyPernlWxPS9u01XUybRT6OxAikuLYCw0RGnjLWBe3Y');
  });

  it('differ for another master key, signer or expiry', () => {
    const other = createSigningSecrets(Buffer.alloc(32, 7));
    const tokens = [
      secrets().linkToken('sig_01HZX', EXPIRES),
      other.linkToken('sig_01HZX', EXPIRES),
      secrets().linkToken('sig_01HZY', EXPIRES),
      secrets().linkToken('sig_01HZX', new Date(EXPIRES.getTime() + 1)),
    ];
    expect(new Set(tokens).size).toBe(4);
  });

  it('are stored as their plain SHA-256 in hex', () => {
    expect(secrets().tokenHash('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('one-time codes', () => {
  it('are stored as HMAC-SHA256 of "<challenge>.<code>" under the HKDF code key, in hex', () => {
    expect(secrets().codeHash('chal_42', '012345')).toBe(HASH_012345);
  });

  it('match only the same code for the same challenge', () => {
    expect(secrets().codeMatches('chal_42', '012345', HASH_012345)).toBe(true);
    expect(secrets().codeMatches('chal_42', '012346', HASH_012345)).toBe(false);
    expect(secrets().codeMatches('chal_43', '012345', HASH_012345)).toBe(false);
  });

  it('never match a stored hash of another length, and do not throw on one', () => {
    expect(secrets().codeMatches('chal_42', '012345', HASH_012345.slice(0, 62))).toBe(false);
    expect(secrets().codeMatches('chal_42', '012345', `${HASH_012345}00`)).toBe(false);
    expect(secrets().codeMatches('chal_42', '012345', '')).toBe(false);
  });

  it('are six digits, leading zeros included', () => {
    // 3000 draws: the chance that none is below 100000 (and so needs padding) is 0.9^3000.
    const s = secrets();
    const codes = Array.from({ length: 3000 }, () => s.newCode());
    expect(codes.filter((c) => !/^\d{6}$/.test(c))).toEqual([]);
    expect(codes.some((c) => c.startsWith('0'))).toBe(true);
  });
});

describe('read-access grants', () => {
  // openssl: 'water-esign read access v1' HKDF key, HMAC of 'sig_01HZX.1767225600000', base64url without padding.
  const GRANT = '1767225600000.6Xn0TN5bDZNI36mXVvYTnhTp4067qFfmfB2jzIs6nOE';
  const before = new Date(EXPIRES.getTime() - 1);

  it('are "<until ms>.<HMAC-SHA256 of signer.until under the HKDF access key>"', () => {
    expect(secrets().accessGrant('sig_01HZX', EXPIRES)).toBe(GRANT);
  });

  it('hold for their signer until their time, and not from that moment on', () => {
    expect(secrets().grantValid('sig_01HZX', GRANT, before)).toBe(true);
    expect(secrets().grantValid('sig_01HZX', GRANT, EXPIRES)).toBe(false);
    expect(secrets().grantValid('sig_01HZY', GRANT, before)).toBe(false);
    expect(createSigningSecrets(Buffer.alloc(32, 7)).grantValid('sig_01HZX', GRANT, before)).toBe(false);
  });

  it('refuse a later time with the old MAC, a changed MAC, and anything malformed', () => {
    const s = secrets();
    expect(s.grantValid('sig_01HZX', GRANT.replace('1767225600000', '1767225600001'), before)).toBe(false);
    expect(s.grantValid('sig_01HZX', `${GRANT.slice(0, -1)}F`, before)).toBe(false);
    for (const bad of [undefined, '', GRANT.split('.')[1], `${GRANT}x`, `x${GRANT}`, `${GRANT.split('.')[0]}.`, `12.${GRANT.split('.')[1]}`]) {
      expect(s.grantValid('sig_01HZX', bad, new Date(0))).toBe(false);
    }
  });
});
