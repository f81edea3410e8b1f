// Algorithm identifiers → node:crypto parameters. Verification always goes through OpenSSL
// (crypto.verify); JavaScript crypto would be 100× slower and another implementation to trust.
import { constants, createHash, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { children, content, readOid, readTlv, type Tlv } from './der.js';

export interface DigestInfo {
  name: string;
  node: string;
  size: number;
}

export const DIGESTS: Record<string, DigestInfo> = {
  '1.2.840.113549.2.5': { name: 'MD5', node: 'md5', size: 16 },
  '1.3.14.3.2.26': { name: 'SHA-1', node: 'sha1', size: 20 },
  '1.3.36.3.2.1': { name: 'RIPEMD-160', node: 'ripemd160', size: 20 },
  '2.16.840.1.101.3.4.2.4': { name: 'SHA-224', node: 'sha224', size: 28 },
  '2.16.840.1.101.3.4.2.1': { name: 'SHA-256', node: 'sha256', size: 32 },
  '2.16.840.1.101.3.4.2.2': { name: 'SHA-384', node: 'sha384', size: 48 },
  '2.16.840.1.101.3.4.2.3': { name: 'SHA-512', node: 'sha512', size: 64 },
  '2.16.840.1.101.3.4.2.7': { name: 'SHA3-224', node: 'sha3-224', size: 28 },
  '2.16.840.1.101.3.4.2.8': { name: 'SHA3-256', node: 'sha3-256', size: 32 },
  '2.16.840.1.101.3.4.2.9': { name: 'SHA3-384', node: 'sha3-384', size: 48 },
  '2.16.840.1.101.3.4.2.10': { name: 'SHA3-512', node: 'sha3-512', size: 64 },
  // RFC 8702 fixes the CMS output lengths of the XOFs (RFC 8419 uses SHAKE256/512 bits with Ed448).
  '2.16.840.1.101.3.4.2.11': { name: 'SHAKE128', node: 'shake128', size: 32 },
  '2.16.840.1.101.3.4.2.12': { name: 'SHAKE256', node: 'shake256', size: 64 },
  // id-shake128-len / id-shake256-len carry the output length; digestOf() accepts only these lengths.
  '2.16.840.1.101.3.4.2.17': { name: 'SHAKE128', node: 'shake128', size: 32 },
  '2.16.840.1.101.3.4.2.18': { name: 'SHAKE256', node: 'shake256', size: 64 },
  '1.2.156.10197.1.401': { name: 'SM3', node: 'sm3', size: 32 },
};
const XOF_LENGTH: Record<string, number> = { shake128: 32, shake256: 64 };

/** Digests a relying party must not accept for new signatures (collisions are practical). */
export const WEAK_DIGESTS = new Set(['MD5', 'SHA-1']);

type Scheme = 'RSA' | 'ECDSA' | 'ECDSA-plain' | 'RSASSA-PSS' | 'DSA' | 'Ed25519' | 'Ed448';
const SIGNATURES: Record<string, { scheme: Scheme; digest?: string }> = {
  '1.2.840.113549.1.1.1': { scheme: 'RSA' }, // rsaEncryption: the digest comes from elsewhere
  '1.2.840.113549.1.1.4': { scheme: 'RSA', digest: 'md5' },
  '1.2.840.113549.1.1.5': { scheme: 'RSA', digest: 'sha1' },
  '1.2.840.113549.1.1.14': { scheme: 'RSA', digest: 'sha224' },
  '1.2.840.113549.1.1.11': { scheme: 'RSA', digest: 'sha256' },
  '1.2.840.113549.1.1.12': { scheme: 'RSA', digest: 'sha384' },
  '1.2.840.113549.1.1.13': { scheme: 'RSA', digest: 'sha512' },
  '2.16.840.1.101.3.4.3.13': { scheme: 'RSA', digest: 'sha3-224' },
  '2.16.840.1.101.3.4.3.14': { scheme: 'RSA', digest: 'sha3-256' },
  '2.16.840.1.101.3.4.3.15': { scheme: 'RSA', digest: 'sha3-384' },
  '2.16.840.1.101.3.4.3.16': { scheme: 'RSA', digest: 'sha3-512' },
  '1.2.840.113549.1.1.10': { scheme: 'RSASSA-PSS' },
  '1.2.840.10045.2.1': { scheme: 'ECDSA' }, // id-ecPublicKey used as a signature algorithm by some CMS producers
  '1.2.840.10045.4.1': { scheme: 'ECDSA', digest: 'sha1' },
  '1.2.840.10045.4.3.1': { scheme: 'ECDSA', digest: 'sha224' },
  '1.2.840.10045.4.3.2': { scheme: 'ECDSA', digest: 'sha256' },
  '1.2.840.10045.4.3.3': { scheme: 'ECDSA', digest: 'sha384' },
  '1.2.840.10045.4.3.4': { scheme: 'ECDSA', digest: 'sha512' },
  '2.16.840.1.101.3.4.3.9': { scheme: 'ECDSA', digest: 'sha3-224' },
  '2.16.840.1.101.3.4.3.10': { scheme: 'ECDSA', digest: 'sha3-256' },
  '2.16.840.1.101.3.4.3.11': { scheme: 'ECDSA', digest: 'sha3-384' },
  '2.16.840.1.101.3.4.3.12': { scheme: 'ECDSA', digest: 'sha3-512' },
  // BSI TR-03111 §5.2.1: the signature is r || s, each as long as the group order, not a DER SEQUENCE.
  '0.4.0.127.0.7.1.1.4.1.1': { scheme: 'ECDSA-plain', digest: 'sha1' },
  '0.4.0.127.0.7.1.1.4.1.2': { scheme: 'ECDSA-plain', digest: 'sha224' },
  '0.4.0.127.0.7.1.1.4.1.3': { scheme: 'ECDSA-plain', digest: 'sha256' },
  '0.4.0.127.0.7.1.1.4.1.4': { scheme: 'ECDSA-plain', digest: 'sha384' },
  '0.4.0.127.0.7.1.1.4.1.5': { scheme: 'ECDSA-plain', digest: 'sha512' },
  '0.4.0.127.0.7.1.1.4.1.6': { scheme: 'ECDSA-plain', digest: 'ripemd160' },
  '0.4.0.127.0.7.1.1.4.1.8': { scheme: 'ECDSA-plain', digest: 'sha3-224' },
  '0.4.0.127.0.7.1.1.4.1.9': { scheme: 'ECDSA-plain', digest: 'sha3-256' },
  '0.4.0.127.0.7.1.1.4.1.10': { scheme: 'ECDSA-plain', digest: 'sha3-384' },
  '0.4.0.127.0.7.1.1.4.1.11': { scheme: 'ECDSA-plain', digest: 'sha3-512' },
  '1.2.840.10040.4.3': { scheme: 'DSA', digest: 'sha1' },
  '2.16.840.1.101.3.4.3.1': { scheme: 'DSA', digest: 'sha224' },
  '2.16.840.1.101.3.4.3.2': { scheme: 'DSA', digest: 'sha256' },
  '1.3.101.112': { scheme: 'Ed25519' },
  '1.3.101.113': { scheme: 'Ed448' },
};

// Algorithms node:crypto (Node 20) cannot verify: named, so the report says what it met.
const UNSUPPORTED_NAMES: Record<string, string> = {
  '1.2.156.10197.1.501': 'SM2-with-SM3',
  '1.2.643.2.2.3': 'GOST R 34.10-2001',
  '1.2.643.7.1.1.3.2': 'GOST R 34.10-2012 (256 bit)',
  '1.2.643.7.1.1.3.3': 'GOST R 34.10-2012 (512 bit)',
  '1.2.643.7.1.1.2.2': 'GOST R 34.11-2012 (256 bit)',
  '1.2.643.7.1.1.2.3': 'GOST R 34.11-2012 (512 bit)',
  '1.2.840.113549.2.2': 'MD2',
  '1.2.840.113549.1.1.2': 'RSA-MD2',
  '0.4.0.127.0.7.1.1.4.4.1': 'ECSDSA-plain-SHA224',
  '0.4.0.127.0.7.1.1.4.4.2': 'ECSDSA-plain-SHA256',
  '0.4.0.127.0.7.1.1.4.4.3': 'ECSDSA-plain-SHA384',
  '0.4.0.127.0.7.1.1.4.4.4': 'ECSDSA-plain-SHA512',
  '2.16.840.1.101.3.4.3.17': 'ML-DSA-44',
  '2.16.840.1.101.3.4.3.18': 'ML-DSA-65',
  '2.16.840.1.101.3.4.3.19': 'ML-DSA-87',
};

const NODE_TO_NAME: Record<string, string> = Object.fromEntries(Object.values(DIGESTS).map((d) => [d.node, d.name]));

export function digestInfo(oid: string): DigestInfo | undefined {
  return DIGESTS[oid];
}

const SHAKE_LEN = new Set(['2.16.840.1.101.3.4.2.17', '2.16.840.1.101.3.4.2.18']);

/** The output length in bits an id-shake*-len identifier states (RFC 8419 §3.1 writes SHAKE256/512 for Ed448 that way). */
function shakeBits(alg: AlgorithmId): number | undefined {
  if (alg.params?.tag !== 0x02) return undefined;
  const bytes = content(alg.der, alg.params);
  return bytes.length <= 4 ? Number.parseInt(bytes.toString('hex') || '0', 16) : undefined;
}

/** A digest AlgorithmIdentifier with its parameters taken into account; undefined when it cannot be computed. */
export function digestOf(alg: AlgorithmId): DigestInfo | undefined {
  const d = DIGESTS[alg.oid];
  if (d && SHAKE_LEN.has(alg.oid) && shakeBits(alg) !== d.size * 8) return undefined;
  return d;
}

/** What a report shows for a digest that cannot be computed. */
export function describeDigest(alg: AlgorithmId): string {
  const bits = SHAKE_LEN.has(alg.oid) ? shakeBits(alg) : undefined;
  return bits !== undefined ? `${DIGESTS[alg.oid].name} with a ${bits}-bit output (${alg.oid})` : describeAlgorithm(alg.oid);
}

export function digestName(oid: string): string {
  return DIGESTS[oid]?.name ?? oid;
}

/** "SM2-with-SM3 (1.2.156.10197.1.501)" for a known name, the bare OID otherwise: what a report shows for what it cannot check. */
export function describeAlgorithm(oid: string): string {
  const name = UNSUPPORTED_NAMES[oid] ?? DIGESTS[oid]?.name;
  return name ? `${name} (${oid})` : oid;
}

export function hash(node: string, data: Uint8Array): Buffer {
  const outputLength = XOF_LENGTH[node];
  return createHash(node, outputLength ? { outputLength } : undefined).update(data).digest();
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
  /** e.g. ECDSA-SHA256, ECDSA-plain-SHA3-256, RSA-SHA256, RSASSA-PSS, Ed25519; for what cannot be checked, a name and the OID */
  name: string;
  /** node digest name; undefined for EdDSA */
  digest?: string;
  supported: boolean;
  /** the key type node:crypto must see, and how the signature value is encoded */
  keyTypes?: readonly string[];
  dsaEncoding?: 'der' | 'ieee-p1363';
  pss?: { saltLength: number };
}

const KEY_TYPES: Record<Scheme, readonly string[]> = {
  RSA: ['rsa'],
  'RSASSA-PSS': ['rsa', 'rsa-pss'],
  ECDSA: ['ec'],
  'ECDSA-plain': ['ec'],
  DSA: ['dsa'],
  Ed25519: ['ed25519'],
  Ed448: ['ed448'],
};

/** SHA-256 → SHA256 (the usual spelling in algorithm names); SHA3-256 and the others stay as they are. */
function digestLabel(node: string): string {
  return (NODE_TO_NAME[node] ?? node).replace(/^SHA-/, 'SHA');
}

/** Resolves a signature AlgorithmIdentifier; fallbackDigest covers rsaEncryption / ecPublicKey, which name no hash. */
export function signatureScheme(alg: AlgorithmId, fallbackDigest?: string): SignatureScheme {
  const s = SIGNATURES[alg.oid];
  if (!s) return { name: describeAlgorithm(alg.oid), supported: false };
  const keyTypes = KEY_TYPES[s.scheme];
  if (s.scheme === 'Ed25519' || s.scheme === 'Ed448') return { name: s.scheme, supported: true, keyTypes };
  if (s.scheme === 'RSASSA-PSS') return pssScheme(alg);
  const digest = s.digest ?? fallbackDigest;
  if (!digest) return { name: `${s.scheme} (${alg.oid}) without a digest algorithm`, supported: false };
  const dsaEncoding = s.scheme === 'ECDSA-plain' ? 'ieee-p1363' : s.scheme === 'RSA' ? undefined : 'der';
  return { name: `${s.scheme}-${digestLabel(digest)}`, digest, supported: true, keyTypes, dsaEncoding };
}

const OID_MGF1 = '1.2.840.113549.1.1.8';

/** RSASSA-PSS-params (RFC 4055 §3.1) with its defaults: SHA-1, MGF1 with SHA-1, salt 20, trailer 1. */
function pssScheme(alg: AlgorithmId): SignatureScheme {
  let digest = 'sha1';
  let mgf = 'MGF1';
  let mgfDigest = 'sha1';
  let saltLength = 20;
  let trailer = 1;
  const b = alg.der;
  const digestOf = (t: Tlv): string => {
    const oid = readOid(b, children(b, t)[0]);
    return DIGESTS[oid]?.node ?? describeAlgorithm(oid);
  };
  const integer = (t: Tlv): number => Number.parseInt(content(b, t).toString('hex') || '0', 16);
  try {
    if (alg.params) {
      for (const f of children(b, alg.params)) {
        const inner = children(b, f)[0];
        if (f.tag === 0xa0) digest = digestOf(inner);
        else if (f.tag === 0xa1) {
          const [mgfOid, mgfParams] = children(b, inner);
          mgf = readOid(b, mgfOid);
          if (mgf === OID_MGF1) mgf = 'MGF1';
          if (mgfParams) mgfDigest = digestOf(mgfParams);
        } else if (f.tag === 0xa2) saltLength = integer(inner);
        else if (f.tag === 0xa3) trailer = integer(inner);
      }
    }
  } catch {
    return { name: 'RSASSA-PSS with malformed parameters (1.2.840.113549.1.1.10)', supported: false };
  }
  const keyTypes = KEY_TYPES['RSASSA-PSS'];
  const known = NODE_TO_NAME[digest] !== undefined && NODE_TO_NAME[mgfDigest] !== undefined;
  // node:crypto always masks with MGF1 over the signature hash; any other mask cannot be checked.
  if (!known || mgf !== 'MGF1' || mgfDigest !== digest || trailer !== 1 || saltLength > 1024) {
    const mask = mgf === 'MGF1' ? `MGF1-${digestLabel(mgfDigest)}` : `mask ${mgf}`;
    return { name: `RSASSA-PSS (${digestLabel(digest)}, ${mask}, salt ${saltLength}, trailer ${trailer}) (1.2.840.113549.1.1.10)`, digest, supported: false };
  }
  return { name: 'RSASSA-PSS', digest, supported: true, keyTypes, pss: { saltLength } };
}

/** true / false, or undefined when the algorithm cannot be checked. A key of the wrong type is a false, not an error. */
export function verifySignature(scheme: SignatureScheme, data: Uint8Array, signature: Uint8Array, key: KeyObject | undefined): boolean | undefined {
  if (!scheme.supported || !key) return undefined;
  if (!scheme.keyTypes?.includes(key.asymmetricKeyType ?? '')) return false;
  try {
    if (!scheme.digest) return cryptoVerify(null, data, key, signature); // EdDSA signs the message itself
    if (scheme.pss) return cryptoVerify(scheme.digest, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: scheme.pss.saltLength }, signature);
    return cryptoVerify(scheme.digest, data, scheme.dsaEncoding ? { key, dsaEncoding: scheme.dsaEncoding } : key, signature);
  } catch {
    return false;
  }
}
