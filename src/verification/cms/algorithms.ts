// Algorithm identifiers → node:crypto parameters. Verification always goes through OpenSSL
// (crypto.verify); JavaScript crypto would be 100× slower and another implementation to trust.
import { constants, createHash, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { children, content, readOid, readTlv, type Tlv } from './der.js';

export const DIGESTS: Record<string, { name: string; node: string; size: number }> = {
  '1.2.840.113549.2.5': { name: 'MD5', node: 'md5', size: 16 },
  '1.3.14.3.2.26': { name: 'SHA-1', node: 'sha1', size: 20 },
  '2.16.840.1.101.3.4.2.4': { name: 'SHA-224', node: 'sha224', size: 28 },
  '2.16.840.1.101.3.4.2.1': { name: 'SHA-256', node: 'sha256', size: 32 },
  '2.16.840.1.101.3.4.2.2': { name: 'SHA-384', node: 'sha384', size: 48 },
  '2.16.840.1.101.3.4.2.3': { name: 'SHA-512', node: 'sha512', size: 64 },
  '1.2.156.10197.1.401': { name: 'SM3', node: 'sm3', size: 32 },
};

/** Digests a relying party must not accept for new signatures (collisions are practical). */
export const WEAK_DIGESTS = new Set(['MD5', 'SHA-1']);

type Scheme = 'RSA' | 'ECDSA' | 'RSASSA-PSS' | 'Ed25519';
const SIGNATURES: Record<string, { scheme: Scheme; digest?: string }> = {
  '1.2.840.113549.1.1.1': { scheme: 'RSA' }, // rsaEncryption: the digest comes from elsewhere
  '1.2.840.113549.1.1.4': { scheme: 'RSA', digest: 'md5' },
  '1.2.840.113549.1.1.5': { scheme: 'RSA', digest: 'sha1' },
  '1.2.840.113549.1.1.14': { scheme: 'RSA', digest: 'sha224' },
  '1.2.840.113549.1.1.11': { scheme: 'RSA', digest: 'sha256' },
  '1.2.840.113549.1.1.12': { scheme: 'RSA', digest: 'sha384' },
  '1.2.840.113549.1.1.13': { scheme: 'RSA', digest: 'sha512' },
  '1.2.840.113549.1.1.10': { scheme: 'RSASSA-PSS' },
  '1.2.840.10045.2.1': { scheme: 'ECDSA' }, // id-ecPublicKey used as a signature algorithm by some CMS producers
  '1.2.840.10045.4.1': { scheme: 'ECDSA', digest: 'sha1' },
  '1.2.840.10045.4.3.1': { scheme: 'ECDSA', digest: 'sha224' },
  '1.2.840.10045.4.3.2': { scheme: 'ECDSA', digest: 'sha256' },
  '1.2.840.10045.4.3.3': { scheme: 'ECDSA', digest: 'sha384' },
  '1.2.840.10045.4.3.4': { scheme: 'ECDSA', digest: 'sha512' },
  '1.3.101.112': { scheme: 'Ed25519' },
};

const NODE_TO_NAME: Record<string, string> = Object.fromEntries(Object.values(DIGESTS).map((d) => [d.node, d.name]));

export function digestInfo(oid: string): { name: string; node: string; size: number } | undefined {
  return DIGESTS[oid];
}

export function digestName(oid: string): string {
  return DIGESTS[oid]?.name ?? oid;
}

export function hash(node: string, data: Uint8Array): Buffer {
  return createHash(node).update(data).digest();
}

export interface AlgorithmId {
  oid: string;
  params?: Tlv;
  der: Buffer;
}

export function parseAlgorithmId(der: Buffer): AlgorithmId {
  const top = readTlv(der, 0);
  const [o, params] = children(der, top);
  return { oid: readOid(der, o), params: params && params.tag !== 0x05 ? params : undefined, der };
}

export interface SignatureScheme {
  /** e.g. ECDSA-SHA256, RSA-SHA256, RSASSA-PSS; the OID when unknown */
  name: string;
  /** node digest name; undefined for Ed25519 */
  digest?: string;
  supported: boolean;
  pss?: { saltLength: number };
}

/** Resolves a signature AlgorithmIdentifier; fallbackDigest covers rsaEncryption / ecPublicKey, which name no hash. */
export function signatureScheme(alg: AlgorithmId, fallbackDigest?: string): SignatureScheme {
  const s = SIGNATURES[alg.oid];
  if (!s) return { name: alg.oid, supported: false };
  if (s.scheme === 'Ed25519') return { name: 'Ed25519', supported: true };
  if (s.scheme === 'RSASSA-PSS') return pssScheme(alg);
  const digest = s.digest ?? fallbackDigest;
  if (!digest) return { name: s.scheme, supported: false };
  return { name: `${s.scheme}-${(NODE_TO_NAME[digest] ?? digest).replace('-', '')}`, digest, supported: true };
}

/** RSASSA-PSS-params with the RFC 4055 defaults (SHA-1, MGF1-SHA-1, salt 20). */
function pssScheme(alg: AlgorithmId): SignatureScheme {
  let digest = 'sha1';
  let mgfDigest = 'sha1';
  let saltLength = 20;
  try {
    if (alg.params) {
      const b = alg.der;
      for (const f of children(b, alg.params)) {
        const inner = children(b, f)[0];
        if (f.tag === 0xa0) digest = DIGESTS[readOid(b, children(b, inner)[0])]?.node ?? 'unknown';
        else if (f.tag === 0xa1) {
          const [, mgfParams] = children(b, inner);
          if (mgfParams) mgfDigest = DIGESTS[readOid(b, children(b, mgfParams)[0])]?.node ?? 'unknown';
        } else if (f.tag === 0xa2) saltLength = Number.parseInt(content(b, inner).toString('hex') || '0', 16);
      }
    }
  } catch {
    return { name: 'RSASSA-PSS', supported: false };
  }
  // node:crypto always uses the signature hash for MGF1; other combinations cannot be checked.
  const supported = digest !== 'unknown' && mgfDigest === digest && saltLength >= 0 && saltLength < 1024;
  return { name: 'RSASSA-PSS', digest, supported, pss: { saltLength } };
}

/** true / false, or undefined when the algorithm cannot be checked. A key of the wrong type is a false, not an error. */
export function verifySignature(scheme: SignatureScheme, data: Uint8Array, signature: Uint8Array, key: KeyObject): boolean | undefined {
  if (!scheme.supported) return undefined;
  try {
    if (scheme.name === 'Ed25519') return key.asymmetricKeyType === 'ed25519' && cryptoVerify(null, data, key, signature);
    const isEc = scheme.name.startsWith('ECDSA');
    const keyType = key.asymmetricKeyType;
    if (isEc !== (keyType === 'ec')) return false;
    if (scheme.pss) {
      if (keyType !== 'rsa' && keyType !== 'rsa-pss') return false;
      return cryptoVerify(scheme.digest!, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: scheme.pss.saltLength }, signature);
    }
    if (!isEc && keyType !== 'rsa') return false;
    return cryptoVerify(scheme.digest!, data, isEc ? { key, dsaEncoding: 'der' } : key, signature);
  } catch {
    return false;
  }
}
