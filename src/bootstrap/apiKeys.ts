import type { Logger } from 'pino';
import { ALL_ROLES, type Role } from '../config.js';
import type { Database } from '../storage/db/database.js';
import { apiKeyRecord, generateApiKey, type ApiKeyRecord } from '../http/auth.js';
import { DEFAULT_ORGANISATION } from '../organisations/organisationService.js';

/**
 * API_KEYS, when set, are the default organisation's keys and the platform admin's (the keys the
 * embedded default generated before are revoked then). Otherwise the embedded default mints one key
 * per role on first start, keeps only their hashes, and shows the keys this once. Either way, keys
 * created through the API live in the database beside them.
 */
export async function provisionApiKeys(
  db: Database,
  configured: { role: Role; key: string }[] | undefined,
  log: Logger,
  announce: (text: string) => void = (t) => process.stdout.write(t),
): Promise<ApiKeyRecord[]> {
  if (configured) {
    await db.query(`UPDATE api_keys SET revoked_at = now() WHERE label LIKE 'generated % key' AND revoked_at IS NULL`);
    return configured.map((k) => ({ ...apiKeyRecord(k.role, k.key), ...(k.role === 'admin' ? {} : { organisationId: DEFAULT_ORGANISATION }) }));
  }

  const existing = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM api_keys WHERE label LIKE 'generated % key' AND revoked_at IS NULL`);
  if (existing.rows[0].n > 0) return [];

  const minted = ALL_ROLES.map((role) => ({ role, key: generateApiKey(role) }));
  const records = minted.map((m) => apiKeyRecord(m.role, m.key));
  await db.transaction(async (tx) => {
    for (const r of records) {
      await tx.query('INSERT INTO api_keys (id, role, organisation_id, key_hash, label) VALUES ($1, $2, $3, $4, $5)', [
        r.id,
        r.role,
        r.role === 'admin' ? null : DEFAULT_ORGANISATION,
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
  // Read from the database like any key created later.
  return [];
}
