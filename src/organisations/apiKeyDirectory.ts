import type { Role } from '../config.js';
import type { Queryable } from '../storage/db/database.js';
import { organisationRepository } from '../storage/db/organisationRepository.js';

export interface ApiKeyRecord {
  id: string;
  role: Role;
  /** SHA-256 of the key, hex: the key itself is never kept. */
  hash: string;
  organisationId?: string;
}

/** Finds the key with this SHA-256, if it exists and is not revoked. */
export interface ApiKeyDirectory {
  find(hash: string): Promise<ApiKeyRecord | undefined>;
}

/** How long a key read from the database is trusted without reading it again (a revocation on another instance takes this long). */
const API_KEY_CACHE_MS = 10_000;

/**
 * API_KEYS (for the default organisation and the platform admin) from the configuration, and the keys
 * created through the API from the database, which every instance shares.
 */
export function createApiKeyDirectory(db: Queryable, configured: ApiKeyRecord[], clock: () => number = Date.now): ApiKeyDirectory & { forget(id: string): void } {
  const fixed = new Map(configured.map((k) => [k.hash, k]));
  const cache = new Map<string, { at: number; record: ApiKeyRecord }>();
  return {
    async find(hash) {
      const known = fixed.get(hash);
      if (known) return known;
      const hit = cache.get(hash);
      if (hit && clock() - hit.at < API_KEY_CACHE_MS) return hit.record;
      const row = await organisationRepository.keyByHash(db, hash);
      if (!row) {
        cache.delete(hash);
        return undefined;
      }
      const record: ApiKeyRecord = { id: row.id, role: row.role as Role, hash, ...(row.organisation_id ? { organisationId: row.organisation_id } : {}) };
      if (cache.size > 10_000) cache.clear();
      cache.set(hash, { at: clock(), record });
      return record;
    },
    forget(id) {
      for (const [hash, e] of cache) if (e.record.id === id) cache.delete(hash);
    },
  };
}
