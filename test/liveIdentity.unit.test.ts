import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LiveIdentity } from '../src/pki/liveIdentity.js';
import type { PkiState, StoredMaterial } from '../src/pki/pkiState.js';
import type { Queryable } from '../src/storage/db/database.js';

const der = execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/CN=tsa',
  '-days', '1', '-outform', 'DER', '-keyout', join(mkdtempSync(join(tmpdir(), 'live-')), 'k.pem')]);

/**
 * A database whose status reads can be held and released one by one: the interleaving of a revocation
 * with a recheck already under way, which a real server produces only by chance, is made to happen here.
 */
function heldDatabase() {
  let status = 'good';
  const held: (() => void)[] = [];
  const db = {
    async query(sql: string) {
      const answer = status;
      await new Promise<void>((release) => held.push(release));
      return { rows: [/key_label/.test(sql) ? { label: 'tsa-1', status: answer } : { status: answer }], rowCount: 1 };
    },
  } as unknown as Queryable;
  return { db, held, revoke: () => { status = 'revoked'; } };
}

const state = { labelOf: () => 'tsa-1', reload: async () => undefined, load: async () => undefined } as unknown as PkiState;

describe('a service identity as the database says it is', () => {
  it('is refused after this instance revoked it, even when a recheck that read it as good was still under way', async () => {
    const { db, held, revoke } = heldDatabase();
    let clock = 10_000;
    const identity = new LiveIdentity('tsa', { der, key: {} as StoredMaterial['key'], chain: [], imported: false }, () => 'built', { db, state, now: () => clock, recheckMs: 2000 });
    // A use starts a recheck; its read sees the certificate still good and is held there.
    const first = identity.use();
    await new Promise((r) => setTimeout(r, 0));
    expect(held).toHaveLength(1);
    // Meanwhile this instance revokes it and invalidates.
    revoke();
    identity.invalidate();
    held.shift()!();
    // The stale answer is dropped: the use checks again and meets the revocation.
    await new Promise((r) => setTimeout(r, 0));
    expect(held).toHaveLength(1);
    held.shift()!();
    await expect(first).rejects.toMatchObject({ code: 'certificate_unavailable' });
    clock += 100;
    await expect(identity.use()).rejects.toMatchObject({ code: 'certificate_unavailable' });
  });
});
