import type { KeySigner } from '../keys/keySigner.js';
import type { Handwriting } from './handwriting.js';

export interface SigningIdentity {
  /** In memory for a one-time event certificate; in the key store (database or PKCS#11 token) for an organisation. */
  signer: KeySigner;
  /** DER */
  certificate: Buffer;
  /** DER, issuing CA first, then up to the root; embedded so verifiers can build the path offline. */
  chain: Buffer[];
}

export interface TimestampClient {
  /** Returns an RFC 3161 TimeStampToken (ContentInfo with SignedData), DER. */
  timestamp(messageImprint: Buffer): Promise<Buffer>;
  /**
   * Upper bound of the token size in bytes, if the TSA knows it. The /Contents placeholder must be
   * reserved before the token exists, so a TSA with a long certificate chain should say so here.
   */
  readonly maxTokenSize?: number;
}

export type Appearance =
  /** `signedAt`: the date is printed beside the seal (the contract has no date line of its own). */
  | { kind: 'seal'; organisation: string; sealNumber: string; signedAt?: Date }
  | { kind: 'person'; name: string; caption: string; signedAt: Date; handwriting?: Handwriting };

export interface SignRequest {
  pdf: Uint8Array;
  fieldName: string;
  identity: SigningIdentity;
  timestamp: TimestampClient;
  appearance: Appearance;
  reason?: string;
  location?: string;
  signingTime: Date;
  contactInfo?: string;
}

/** Knobs that exist for tests and benchmarks, not for callers. */
export interface SigningTuning {
  /** Bytes reserved for the CMS (hex doubles it in the file). */
  contentsSize?: number;
  /** Compress the appearance stream (default true). */
  compressAppearance?: boolean;
}
