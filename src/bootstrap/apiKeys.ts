import type { Logger } from 'pino';
import { ALL_ROLES, type Role } from '../config.js';
import type { Database } from '../storage/db/database.js';
import { apiKeyRecord, generateApiKey, type ApiKeyRecord } from '../http/auth.js';

/**
 * API_KEYS, when set, is the whole truth. Otherwise the embedded default mints one key per role on
 * first start, keeps only their hashes, and shows the keys this once.
 */
export async function provisionApiKeys(
  db: Database,
  configured: { role: Role; key: string }[] | undefined,
  log: Logger,
  announce: (text: string) => void = (t) => process.stdout.write(t),
): Promise<ApiKeyRecord[]> {
  if (configured) return configured.map((k) => apiKeyRecord(k.role, k.key));

  const existing = await db.query<{ id: string; role: Role; key_hash: string }>(
    'SELECT id, role, key_hash FROM api_keys WHERE revoked_at IS NULL',
  );
  if (existing.rowCount > 0) return existing.rows.map((r) => ({ id: r.id, role: r.role, hash: r.key_hash }));

  const minted = ALL_ROLES.map((role) => ({ role, key: generateApiKey(role) }));
  const records = minted.map((m) => apiKeyRecord(m.role, m.key));
  await db.transaction(async (tx) => {
    for (const r of records) {
      await tx.query('INSERT INTO api_keys (id, role, key_hash, label) VALUES ($1, $2, $3, $4)', [
        r.id,
        r.role,
        r.hash,
        `generated ${r.role} key`,
      ]);
    }
  });
  log.warn('no API_KEYS configured: generated one API key per role (shown once on stdout, stored only as hashes)');
  announce(
    `\nAPI keys generated for this data directory (shown only now; store them safely):\n${minted
      .map((m) => `  ${m.role.padEnd(9)} ${m.key}`)
      .join('\n')}\n\n`,
  );
  return records;
}
