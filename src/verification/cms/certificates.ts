// Parsed certificates, cached by content. Trust anchors, issuing CAs and TSA certificates recur in
// every signature, so their parse, their KeyObject and their issuer-signature checks are done once.
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { parseAlgorithmId, signatureScheme, verifySignature, type SignatureScheme } from './algorithms.js';
import { children, content, expectTag, integerHex, raw, readOid, readTime, readTlv, signedEnvelope, type Tlv } from './der.js';
import { parseName } from './names.js';
import type { CertificateInfo, Subject } from './types.js';

export const OID_EKU_TIMESTAMPING = '1.3.6.1.5.5.7.3.8';
export const OID_EKU_OCSP_SIGNING = '1.3.6.1.5.5.7.3.9';
const KEY_USAGE_NAMES = ['digitalSignature', 'nonRepudiation', 'keyEncipherment', 'dataEncipherment', 'keyAgreement', 'keyCertSign', 'cRLSign', 'encipherOnly', 'decipherOnly'] as const;
export type KeyUsage = (typeof KEY_USAGE_NAMES)[number];

// Extensions whose meaning this verifier knows (or which are safe to ignore). RFC 5280 §4.2:
// a certificate with any other critical extension must be rejected.
const UNDERSTOOD = new Set([
  '2.5.29.19', '2.5.29.15', '2.5.29.37', '2.5.29.14', '2.5.29.35', '2.5.29.31', '1.3.6.1.5.5.7.1.1', '2.5.29.32',
  '2.5.29.17', '2.5.29.18', '1.3.6.1.5.5.7.48.1.5', '1.3.6.1.5.5.7.1.3', '2.5.29.46',
  // policyMappings, policyConstraints, inhibitAnyPolicy: processed by policies.ts (RFC 5280 §6.1).
  '2.5.29.33', '2.5.29.36', '2.5.29.54',
]);

export class ParsedCert {
  readonly der: Buffer;
  readonly sha256: string;
  readonly serial: string;
  readonly serialDer: Buffer;
  readonly issuerDer: Buffer;
  readonly subjectDer: Buffer;
  readonly spkiDer: Buffer;
  /** subjectPublicKey BIT STRING value, which OCSP's issuerKeyHash hashes */
  readonly publicKeyBits: Buffer;
  readonly subject: Subject;
  readonly issuer: Subject;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly tbs: Buffer;
  readonly signatureScheme: SignatureScheme;
  readonly signature: Buffer;
  basicConstraints?: { ca: boolean; pathLen?: number };
  keyUsage?: Set<KeyUsage>;
  extKeyUsage?: { purposes: string[]; critical: boolean };
  subjectKeyId?: Buffer;
  authorityKeyId?: Buffer;
  crlUrls: string[] = [];
  ocspUrls: string[] = [];
  ocspNoCheck = false;
  /** certificatePolicies OIDs; undefined when the extension is absent (which is not the same as empty) */
  policies?: string[];
  policyMappings?: { issuerDomain: string; subjectDomain: string }[];
  policyConstraints?: { requireExplicitPolicy?: number; inhibitPolicyMapping?: number };
  inhibitAnyPolicy?: number;
  unknownCriticalExtensions: string[] = [];
  private key?: KeyObject | null;
  private readonly issuedBy = new Map<string, boolean | undefined>();
  private infoCache?: CertificateInfo;

  constructor(der: Buffer) {
    this.der = der;
    this.sha256 = createHash('sha256').update(der).digest('hex');
    const env = signedEnvelope(der);
    if (env.top.end !== der.length) throw new Error('trailing bytes after certificate');
    this.tbs = env.tbs;
    this.signature = env.signature;
    this.signatureScheme = signatureScheme(parseAlgorithmId(env.algorithm));
    const tbsTop = readTlv(this.tbs, 0);
    const f = children(this.tbs, tbsTop);
    let i = f[0]?.tag === 0xa0 ? 1 : 0;
    const serial = expectTag(f[i++], 0x02, 'serialNumber');
    this.serialDer = raw(this.tbs, serial);
    this.serial = integerHex(content(this.tbs, serial));
    i++; // inner signature AlgorithmIdentifier: must equal the outer one
    this.issuerDer = raw(this.tbs, expectTag(f[i++], 0x30, 'issuer'));
    const validity = children(this.tbs, expectTag(f[i++], 0x30, 'validity'));
    this.notBefore = readTime(this.tbs, validity[0]);
    this.notAfter = readTime(this.tbs, validity[1]);
    this.subjectDer = raw(this.tbs, expectTag(f[i++], 0x30, 'subject'));
    const spki = expectTag(f[i++], 0x30, 'subjectPublicKeyInfo');
    this.spkiDer = raw(this.tbs, spki);
    const bits = content(this.tbs, expectTag(children(this.tbs, spki)[1], 0x03, 'subjectPublicKey'));
    this.publicKeyBits = bits.subarray(1);
    this.subject = parseName(this.subjectDer);
    this.issuer = parseName(this.issuerDer);
    for (; i < f.length; i++) if (f[i].tag === 0xa3) this.parseExtensions(this.tbs, children(this.tbs, f[i])[0]);
  }

  private parseExtensions(b: Buffer, seq: Tlv): void {
    for (const ext of children(b, seq)) {
      const parts = children(b, ext);
      const oid = readOid(b, parts[0]);
      const critical = parts.length === 3 && parts[1].tag === 0x01 && b[parts[1].start] !== 0;
      const value = content(b, expectTag(parts[parts.length - 1], 0x04, 'extnValue'));
      if (critical && !UNDERSTOOD.has(oid)) this.unknownCriticalExtensions.push(oid);
      const v = readTlv(value, 0);
      switch (oid) {
        case '2.5.29.19': {
          const bc: { ca: boolean; pathLen?: number } = { ca: false };
          for (const c of children(value, v)) {
            if (c.tag === 0x01) bc.ca = value[c.start] !== 0;
            else if (c.tag === 0x02) bc.pathLen = Number.parseInt(content(value, c).toString('hex') || '0', 16);
          }
          this.basicConstraints = bc;
          break;
        }
        case '2.5.29.15': {
          const bytes = content(value, v).subarray(1);
          this.keyUsage = new Set(KEY_USAGE_NAMES.filter((_, n) => (bytes[n >> 3] ?? 0) & (0x80 >> (n & 7))));
          break;
        }
        case '2.5.29.37':
          this.extKeyUsage = { purposes: children(value, v).map((c) => readOid(value, c)), critical };
          break;
        case '2.5.29.14':
          this.subjectKeyId = Buffer.from(content(value, v));
          break;
        case '2.5.29.35': {
          const kid = children(value, v).find((c) => c.tag === 0x80);
          if (kid) this.authorityKeyId = Buffer.from(content(value, kid));
          break;
        }
        case '2.5.29.31':
          collectUris(value, v, this.crlUrls);
          break;
        case '1.3.6.1.5.5.7.1.1':
          for (const ad of children(value, v)) {
            const [method, location] = children(value, ad);
            if (readOid(value, method) === '1.3.6.1.5.5.7.48.1' && location?.tag === 0x86) this.ocspUrls.push(content(value, location).toString('latin1'));
          }
          break;
        case '1.3.6.1.5.5.7.48.1.5':
          this.ocspNoCheck = true;
          break;
        case '2.5.29.32':
          this.policies = children(value, v).map((pi) => readOid(value, children(value, pi)[0]));
          break;
        case '2.5.29.33':
          this.policyMappings = children(value, v).map((m) => {
            const [issuerDomain, subjectDomain] = children(value, m);
            return { issuerDomain: readOid(value, issuerDomain), subjectDomain: readOid(value, subjectDomain) };
          });
          break;
        case '2.5.29.36': {
          const pc: { requireExplicitPolicy?: number; inhibitPolicyMapping?: number } = {};
          for (const c of children(value, v)) {
            if (c.tag === 0x80) pc.requireExplicitPolicy = skipCerts(value, c);
            else if (c.tag === 0x81) pc.inhibitPolicyMapping = skipCerts(value, c);
          }
          this.policyConstraints = pc;
          break;
        }
        case '2.5.29.54':
          this.inhibitAnyPolicy = skipCerts(value, expectTag(v, 0x02, 'inhibitAnyPolicy'));
          break;
      }
    }
  }

  /** Undefined when node:crypto cannot read the key (an algorithm it lacks, or bytes made to crash a verifier). */
  get publicKey(): KeyObject | undefined {
    if (this.key === undefined) {
      try {
        this.key = createPublicKey({ key: this.spkiDer, format: 'der', type: 'spki' });
      } catch {
        this.key = null;
      }
    }
    return this.key ?? undefined;
  }

  get selfIssued(): boolean {
    return this.subjectDer.equals(this.issuerDer);
  }

  /** Whether `issuer`'s key produced this certificate's signature (cached; the answer never changes). */
  signedBy(issuer: ParsedCert): boolean | undefined {
    if (this.issuedBy.has(issuer.sha256)) return this.issuedBy.get(issuer.sha256);
    let ok: boolean | undefined;
    try {
      ok = verifySignature(this.signatureScheme, this.tbs, this.signature, issuer.publicKey);
    } catch {
      ok = false;
    }
    this.issuedBy.set(issuer.sha256, ok);
    return ok;
  }

  /** Name chaining plus, when both sides carry key identifiers, key-identifier chaining. */
  namesIssuer(candidate: ParsedCert): boolean {
    if (!this.issuerDer.equals(candidate.subjectDer)) return false;
    if (this.authorityKeyId && candidate.subjectKeyId && !this.authorityKeyId.equals(candidate.subjectKeyId)) return false;
    return true;
  }

  validAt(t: Date): boolean {
    return t.getTime() >= this.notBefore.getTime() && t.getTime() <= this.notAfter.getTime();
  }

  keyDescription(): { type?: string; bits?: number } {
    const k = this.publicKey;
    return { type: k?.asymmetricKeyType, bits: k?.asymmetricKeyDetails?.modulusLength };
  }

  get info(): CertificateInfo {
    this.infoCache ??= {
      subject: this.subject,
      issuer: this.issuer,
      serial: this.serial,
      notBefore: this.notBefore.toISOString(),
      notAfter: this.notAfter.toISOString(),
      sha256: this.sha256,
      selfSigned: this.selfIssued && this.signedBy(this) === true,
    };
    return this.infoCache;
  }
}

/** SkipCerts ::= INTEGER (0..MAX); huge values mean "never", so they are capped rather than overflowing. */
function skipCerts(b: Buffer, t: Tlv): number {
  const bytes = content(b, t);
  if (bytes.length === 0 || bytes[0] & 0x80) throw new Error('SkipCerts must be a non-negative INTEGER');
  return bytes.length > 4 ? Number.MAX_SAFE_INTEGER : bytes.readUIntBE(0, bytes.length);
}

function collectUris(b: Buffer, t: Tlv, out: string[], depth = 0): void {
  if (depth > 8) return;
  for (const c of children(b, t)) {
    if (c.tag === 0x86) out.push(content(b, c).toString('latin1'));
    else if (c.tag & 0x20) collectUris(b, c, out, depth + 1);
  }
}

const CACHE_MAX = 512;
const cache = new Map<string, ParsedCert>();

/** Parsed certificate, or undefined for bytes that are not a certificate (callers skip those). */
export function parseCertificate(der: Buffer): ParsedCert | undefined {
  // The DER itself is the key: hashing it first would cost as much as a lookup saves on a miss.
  const key = der.toString('base64');
  const hit = cache.get(key);
  if (hit) {
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  let cert: ParsedCert;
  try {
    cert = new ParsedCert(Buffer.from(der));
  } catch {
    return undefined;
  }
  if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value!);
  cache.set(key, cert);
  return cert;
}
