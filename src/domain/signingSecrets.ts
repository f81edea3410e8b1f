import { createHash, createHmac, hkdfSync, randomInt, timingSafeEqual } from 'node:crypto';

/**
 * Secrets derived from the master key: signing-link tokens can be recomputed for display (only their
 * hash is stored), and one-time codes are stored as keyed hashes that a database dump cannot reverse.
 */
export function createSigningSecrets(masterKey: Buffer) {
  const linkKey = Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'water-esign signing links v1', 32));
  const otpKey = Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'water-esign one-time codes v1', 32));
  const accessKey = Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'water-esign read access v1', 32));
  const grantMac = (signerId: string, until: number) => createHmac('sha256', accessKey).update(`${signerId}.${until}`).digest('base64url');

  return {
    /** Unguessable without the master key, and the same every time for the same signer and expiry. */
    linkToken(signerId: string, expiresAt: Date): string {
      return createHmac('sha256', linkKey).update(`${signerId}.${expiresAt.getTime()}`).digest('base64url');
    },
    tokenHash(token: string): string {
      return createHash('sha256').update(token).digest('hex');
    },
    newCode(): string {
      return String(randomInt(0, 1_000_000)).padStart(6, '0');
    },
    codeHash(challengeId: string, code: string): string {
      return createHmac('sha256', otpKey).update(`${challengeId}.${code}`).digest('hex');
    },
    /** `<until>.<mac>`: lets the holder read one signer's signed contract until then (a cookie, never stored). */
    accessGrant(signerId: string, until: Date): string {
      return `${until.getTime()}.${grantMac(signerId, until.getTime())}`;
    },
    grantValid(signerId: string, grant: string | undefined, now: Date): boolean {
      const m = /^(\d{10,16})\.([\w-]{43})$/.exec(grant ?? '');
      if (!m || Number(m[1]) <= now.getTime()) return false;
      // The pattern fixes the MAC at 43 characters, the length of every base64url HMAC-SHA256: equal lengths for timingSafeEqual.
      return timingSafeEqual(Buffer.from(grantMac(signerId, Number(m[1]))), Buffer.from(m[2]));
    },
    codeMatches(challengeId: string, code: string, storedHash: string): boolean {
      const a = Buffer.from(this.codeHash(challengeId, code), 'hex');
      const b = Buffer.from(storedHash, 'hex');
      return a.length === b.length && timingSafeEqual(a, b);
    },
  };
}

export type SigningSecrets = ReturnType<typeof createSigningSecrets>;
