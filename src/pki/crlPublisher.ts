import type { IssuerMaterial } from './certificateBuilder.js';
import type { RevokedEntry } from './certificateStore.js';
import { buildCrl } from './crl.js';

const CRL_VALIDITY_MS = 7 * 24 * 3600 * 1000;
/** A cached CRL is re-signed after this long even without revocations, so thisUpdate stays fresh. */
const CRL_MAX_AGE_MS = 60 * 60 * 1000;

export interface CrlPublisher {
  current(): Promise<Buffer>;
  /** After a revocation by this instance: the next call signs a new CRL. */
  invalidate(): void;
}

/**
 * The current CRL of one CA whose key is online (the issuing CA; the development root), signed on
 * demand and cached. Another instance sharing the database may have revoked since this one signed,
 * so the cache also yields to the latest revocation recorded there.
 */
export function createCrlPublisher(
  issuer: IssuerMaterial,
  revoked: () => Promise<RevokedEntry[]>,
  latestRevocation: () => Promise<Date | undefined>,
): CrlPublisher {
  let cache: { der: Buffer; builtAt: number } | undefined;
  let building: Promise<Buffer> | undefined;
  async function rebuild(): Promise<Buffer> {
    const now = new Date();
    const der = buildCrl(issuer, await revoked(), now, new Date(now.getTime() + CRL_VALIDITY_MS));
    cache = { der, builtAt: now.getTime() };
    return der;
  }
  return {
    async current() {
      const latest = await latestRevocation();
      if (cache && Date.now() - cache.builtAt < CRL_MAX_AGE_MS && (!latest || latest.getTime() <= cache.builtAt)) return cache.der;
      building ??= rebuild().finally(() => (building = undefined));
      return building;
    },
    invalidate() {
      cache = undefined;
    },
  };
}
