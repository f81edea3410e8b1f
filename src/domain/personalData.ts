import { createHmac, hkdfSync } from 'node:crypto';
import type { Queryable } from '../storage/db/database.js';
import { createSecretBox } from './secretBox.js';

/**
 * ID numbers, mobile numbers and the application data they come with, encrypted at rest
 * (AES-256-GCM under a key derived from MASTER_KEY, bound to the row they belong to), with an HMAC
 * blind index of the mobile number so a signer can be found by it without decrypting every row.
 * Values written before this existed are read as they are and sealed by sealStoredPersonalData.
 */
export interface PersonalData {
  /** The stored form of a signer's ID and mobile numbers. */
  sealSigner(signerId: string, s: { id_number: string | null; mobile: string | null }): { id_number: string | null; mobile: string | null; mobile_index: string | null };
  /** The row with its ID and mobile numbers readable. */
  openSigner<T extends { id: string; id_number: string | null; mobile: string | null }>(s: T): T;
  /** The stored form of a contract's variables: one sealed value inside the JSON column. */
  sealVariables(contractId: string, variables: Record<string, unknown>): Record<string, unknown>;
  openVariables(contractId: string, stored: Record<string, unknown>): Record<string, unknown>;
  /** HMAC of the mobile number (digits only): equal numbers give equal indexes, nothing else can be read from it. */
  mobileIndex(mobile: string): string;
}

const SEALED_KEY = '$sealed';

export function createPersonalData(masterKey: Buffer): PersonalData {
  const box = createSecretBox(masterKey, 'water-esign personal data v1');
  const indexKey = Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'water-esign blind index v1', 32));
  // Plain values never look like this: ID numbers and mobile numbers hold no dots.
  const sealed = (v: unknown): v is string => typeof v === 'string' && v.startsWith('v1.') && v.split('.').length === 4;
  const seal = (v: string | null, context: string) => (v === null || sealed(v) ? v : box.seal(v, context));
  const open = (v: string | null, context: string) => (v !== null && sealed(v) ? box.open(v, context) : v);
  const mobileIndex = (mobile: string) => createHmac('sha256', indexKey).update(mobile.replace(/\D/g, '')).digest('hex');
  return {
    sealSigner(signerId, s) {
      return {
        id_number: seal(s.id_number, `signer:${signerId}:id_number`),
        mobile: seal(s.mobile, `signer:${signerId}:mobile`),
        mobile_index: s.mobile === null ? null : mobileIndex(open(s.mobile, `signer:${signerId}:mobile`)!),
      };
    },
    openSigner(s) {
      return { ...s, id_number: open(s.id_number, `signer:${s.id}:id_number`), mobile: open(s.mobile, `signer:${s.id}:mobile`) };
    },
    sealVariables(contractId, variables) {
      if (sealed(variables[SEALED_KEY])) return variables;
      return { [SEALED_KEY]: box.seal(JSON.stringify(variables), `contract:${contractId}:variables`) };
    },
    openVariables(contractId, stored) {
      const v = stored[SEALED_KEY];
      return sealed(v) ? (JSON.parse(box.open(v, `contract:${contractId}:variables`)) as Record<string, unknown>) : stored;
    },
    mobileIndex,
  };
}

/**
 * Seals what was stored before encryption at rest, in batches, on start-up: every instance may run it at
 * once (a value sealed twice is read the same, and sealing skips sealed values). Returns the rows changed.
 */
export async function sealStoredPersonalData(db: Queryable, pd: PersonalData, batch = 200): Promise<number> {
  let changed = 0;
  for (;;) {
    const signers = await db.query<{ id: string; id_number: string | null; mobile: string | null }>(
      `SELECT id, id_number, mobile FROM signers
       WHERE (id_number IS NOT NULL AND id_number NOT LIKE 'v1.%') OR (mobile IS NOT NULL AND mobile NOT LIKE 'v1.%') LIMIT $1`,
      [batch],
    );
    for (const s of signers.rows) {
      const v = pd.sealSigner(s.id, s);
      await db.query('UPDATE signers SET id_number = $2, mobile = $3, mobile_index = $4 WHERE id = $1', [s.id, v.id_number, v.mobile, v.mobile_index]);
    }
    const contracts = await db.query<{ id: string; variables: Record<string, unknown> }>(
      `SELECT id, variables FROM contracts WHERE NOT (variables ? '$sealed') LIMIT $1`,
      [batch],
    );
    for (const c of contracts.rows) {
      await db.query('UPDATE contracts SET variables = $2 WHERE id = $1', [c.id, JSON.stringify(pd.sealVariables(c.id, c.variables))]);
    }
    changed += signers.rows.length + contracts.rows.length;
    if (signers.rows.length < batch && contracts.rows.length < batch) return changed;
  }
}
