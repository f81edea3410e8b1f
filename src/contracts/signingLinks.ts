import type { SignerRow } from '../storage/db/contractRepository.js';
import type { SigningSecrets } from '../domain/signingSecrets.js';

/** Links that let a person sign without an API key: the token is derived, only its hash is stored. */
export function createSigningLinks(secrets: SigningSecrets, publicUrl: string, ttlMs: number) {
  return {
    /** A link never dies before the contract's deadline: a holiday must not strand a signer. */
    issue(signerId: string, from: Date, deadline: Date): { token_hash: string; token_expires_at: Date } {
      // Whole seconds, so the expiry survives a round trip through timestamptz unchanged.
      const expires = new Date(Math.floor(Math.max(from.getTime() + ttlMs, deadline.getTime()) / 1000) * 1000);
      return { token_hash: secrets.tokenHash(secrets.linkToken(signerId, expires)), token_expires_at: expires };
    },
    urlFor(signer: Pick<SignerRow, 'id' | 'token_expires_at' | 'kind'>, page: 'sign' | 'track' = 'sign'): string | undefined {
      if (signer.kind !== 'person' || !signer.token_expires_at) return undefined;
      return `${publicUrl}/${page}/${secrets.linkToken(signer.id, new Date(signer.token_expires_at))}`;
    },
  };
}

export type SigningLinks = ReturnType<typeof createSigningLinks>;
