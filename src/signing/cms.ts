// CAdES-style detached CMS SignedData for PAdES baseline B-T (ETSI EN 319 122-1 / 319 142-1).
// pkijs/asn1js build the structures; node:crypto does the private-key operation (OpenSSL speed,
// and the key never has to be exported to a JS implementation).
import { createHash, X509Certificate } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { SigningError } from './errors.js';
import type { KeySigner } from '../keys/keySigner.js';
import type { SigningIdentity, TimestampClient } from './types.js';

export const OID = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  signatureTimeStampToken: '1.2.840.113549.1.9.16.2.14',
  tstInfo: '1.2.840.113549.1.9.16.1.4',
  sha256: '2.16.840.1.101.3.4.2.1',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  sha256WithRsa: '1.2.840.113549.1.1.11',
} as const;

function toAB(b: Uint8Array): ArrayBuffer {
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

/**
 * pkijs form of ESS signing-certificate-v2 (RFC 5035), for callers building CMS with pkijs (the
 * test TSA). Binds the signature to one certificate, so a verifier
 * cannot be handed a different certificate for the same key. hashAlgorithm is omitted because
 * SHA-256 is the DEFAULT (DER forbids encoding defaults).
 */
export function signingCertificateV2Attribute(certDer: Uint8Array, cert: pkijs.Certificate): pkijs.Attribute {
  const certHash = createHash('sha256').update(certDer).digest();
  const essCertIdV2 = new asn1js.Sequence({
    value: [
      new asn1js.OctetString({ valueHex: toAB(certHash) }),
      new asn1js.Sequence({
        value: [
          new asn1js.Sequence({
            value: [
              new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 4 }, value: [cert.issuer.toSchema()] }),
            ],
          }),
          cert.serialNumber,
        ],
      }),
    ],
  });
  return new pkijs.Attribute({
    type: OID.signingCertificateV2,
    values: [new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [essCertIdV2] })] })],
  });
}

/** DER SET OF requires elements sorted by their encodings; verifiers re-encode and would disagree otherwise. */
export function derSortedAttributes(attrs: pkijs.Attribute[]): { sorted: pkijs.Attribute[]; setDer: Buffer } {
  const enc = attrs.map((a) => ({ a, der: Buffer.from(a.toSchema().toBER()) }));
  enc.sort((x, y) => Buffer.compare(x.der, y.der));
  const body = Buffer.concat(enc.map((e) => e.der));
  return { sorted: enc.map((e) => e.a), setDer: Buffer.concat([derHeader(0x31, body.length), body]) };
}

export function derHeader(tag: number, len: number): Buffer {
  if (len < 0x80) return Buffer.from([tag, len]);
  const bytes: number[] = [];
  for (let l = len; l > 0; l = Math.floor(l / 256)) bytes.unshift(l & 0xff);
  return Buffer.from([tag, 0x80 | bytes.length, ...bytes]);
}

// --- DER assembly ---------------------------------------------------------------------------
// pkijs's toSchema() re-parses every embedded certificate and the timestamp token (≈10 ms per
// signature, measured), so the outer SignedData is framed by hand and the large blobs are spliced
// in as the exact DER the issuer produced. Small fixed pieces are still encoded by asn1js.

function tlv(tag: number, ...parts: Buffer[]): Buffer {
  const len = parts.reduce((n, p) => n + p.length, 0);
  const header = derHeader(tag, len);
  return Buffer.concat([header, ...parts], header.length + len);
}
const seq = (...p: Buffer[]) => tlv(0x30, ...p);
const set = (...p: Buffer[]) => tlv(0x31, ...p);
const octets = (b: Buffer) => tlv(0x04, b);
const oidCache = new Map<string, Buffer>();
function oid(o: string): Buffer {
  let b = oidCache.get(o);
  if (!b) oidCache.set(o, (b = Buffer.from(new asn1js.ObjectIdentifier({ value: o }).toBER())));
  return b;
}
const INTEGER_1 = Buffer.from(new asn1js.Integer({ value: 1 }).toBER());
const NULL_DER = Buffer.from(new asn1js.Null().toBER());
// RFC 5754 §2: SHA-2 AlgorithmIdentifiers omit the parameters.
const ALG_SHA256 = seq(oid(OID.sha256));
const attribute = (type: string, value: Buffer) => seq(oid(type), set(value));
const CONTENT_TYPE_ATTR = attribute(OID.contentType, oid(OID.data));

interface Tlv { tag: number; start: number; end: number; headerStart: number }

/** Reads one DER TLV; definite lengths only (BER indefinite forms are rejected). */
function readTlv(b: Buffer, pos: number, limit = b.length): Tlv {
  if (pos + 2 > limit) throw new Error('truncated DER');
  const tag = b[pos];
  let len = b[pos + 1];
  let p = pos + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4) throw new Error('unsupported DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + b[p++];
  }
  if (p + len > limit) throw new Error('DER length overruns its container');
  return { tag, start: p, end: p + len, headerStart: pos };
}
const children = (b: Buffer, t: Tlv): Tlv[] => {
  const out: Tlv[] = [];
  for (let p = t.start; p < t.end; ) {
    const c = readTlv(b, p, t.end);
    out.push(c);
    p = c.end;
  }
  return out;
};
const raw = (b: Buffer, t: Tlv) => b.subarray(t.headerStart, t.end);

/** issuer Name and serialNumber INTEGER, as encoded in the certificate. */
function issuerAndSerial(cert: Buffer): { issuer: Buffer; serial: Buffer } {
  const top = readTlv(cert, 0);
  const tbs = children(cert, top)[0];
  const f = children(cert, tbs);
  const i = f[0].tag === 0xa0 ? 1 : 0; // explicit [0] version
  if (f[i].tag !== 0x02 || f[i + 2].tag !== 0x30) throw new Error('not an X.509 certificate');
  return { serial: raw(cert, f[i]), issuer: raw(cert, f[i + 2]) };
}

export interface PreparedIdentity {
  key: KeySigner;
  /** [0] IMPLICIT CertificateSet, ready to splice. */
  certificateSet: Buffer;
  sid: Buffer;
  essAttribute: Buffer;
  signatureAlgorithm: Buffer;
  /** Sum of DER sizes, for sizing the placeholder. */
  certBytes: number;
}

// Organisation identities sign many documents; their prepared form is kept. Event certificates are
// single-use, so the cache is small and keyed by content, not by object identity.
const identityCache = new Map<string, PreparedIdentity>();
const IDENTITY_CACHE_MAX = 64;

export function prepareIdentity(identity: SigningIdentity): PreparedIdentity {
  const h = createHash('sha256').update(identity.certificate);
  for (const c of identity.chain) h.update(c);
  const cacheKey = h.digest('hex');
  const hit = identityCache.get(cacheKey);
  if (hit && hit.key === identity.signer) return hit;

  const key = identity.signer;
  if (typeof key?.sign !== 'function' || !key.publicKey) throw new SigningError('invalid_identity', 'signer must be a KeySigner');

  // A key that does not match the certificate yields a signature no one can verify; catch it here.
  let x509: X509Certificate;
  let ias: { issuer: Buffer; serial: Buffer };
  try {
    x509 = new X509Certificate(identity.certificate);
    ias = issuerAndSerial(identity.certificate);
    for (const c of identity.chain) readTlv(c, 0);
  } catch (e) {
    throw new SigningError('invalid_identity', 'certificate or chain is not valid DER X.509', { cause: e });
  }
  const certSpki = x509.publicKey.export({ type: 'spki', format: 'der' });
  const keySpki = key.publicKey.export({ type: 'spki', format: 'der' });
  if (!certSpki.equals(keySpki)) throw new SigningError('invalid_identity', 'private key does not match the certificate');

  // ESS signing-certificate-v2 (RFC 5035): hashAlgorithm omitted because SHA-256 is the DEFAULT.
  const certHash = createHash('sha256').update(identity.certificate).digest();
  const essCertIdV2 = seq(octets(certHash), seq(seq(tlv(0xa4, ias.issuer)), ias.serial));
  const prepared: PreparedIdentity = {
    key,
    certificateSet: tlv(0xa0, identity.certificate, ...identity.chain),
    sid: seq(ias.issuer, ias.serial),
    essAttribute: attribute(OID.signingCertificateV2, seq(seq(essCertIdV2))),
    signatureAlgorithm: key.algorithmDer,
    certBytes: identity.certificate.length + identity.chain.reduce((n, c) => n + c.length, 0),
  };
  if (identityCache.size >= IDENTITY_CACHE_MAX) identityCache.delete(identityCache.keys().next().value!);
  identityCache.set(cacheKey, prepared);
  return prepared;
}

export interface CmsTimings {
  /** Time spent inside TimestampClient.timestamp. */
  timestampMs: number;
}

/**
 * Builds the CMS over a precomputed SHA-256 of the ByteRange. Signed attributes are exactly
 * contentType, messageDigest, signingCertificateV2: PAdES forbids signingTime in the CMS (the time
 * is /M, and the trusted time is the timestamp).
 */
export async function buildPadesCms(
  prepared: PreparedIdentity,
  documentDigest: Buffer,
  tsa: TimestampClient,
  timings?: CmsTimings,
): Promise<Buffer> {
  // DER SET OF: elements sorted by encoding, or verifiers that re-encode compute a different hash.
  const attrs = [CONTENT_TYPE_ATTR, attribute(OID.messageDigest, octets(documentDigest)), prepared.essAttribute].sort(Buffer.compare);
  const signature = prepared.key.sign(set(...attrs));

  const imprint = createHash('sha256').update(signature).digest();
  const t0 = performance.now();
  let token: Buffer;
  try {
    token = await tsa.timestamp(imprint);
  } catch (e) {
    throw new SigningError('timestamp_failed', `timestamp authority failed: ${(e as Error).message}`, { cause: e });
  } finally {
    if (timings) timings.timestampMs = performance.now() - t0;
  }
  const tokenDer = checkTimestampToken(token, imprint);

  const signerInfo = seq(
    INTEGER_1, // version 1: sid is issuerAndSerialNumber
    prepared.sid,
    ALG_SHA256,
    tlv(0xa0, ...attrs),
    prepared.signatureAlgorithm,
    octets(signature),
    tlv(0xa1, attribute(OID.signatureTimeStampToken, tokenDer)),
  );
  const signedData = seq(INTEGER_1, set(ALG_SHA256), seq(oid(OID.data)), prepared.certificateSet, set(signerInfo));
  return seq(oid(OID.signedData), tlv(0xa0, signedData));
}

/**
 * A TSA answering for the wrong imprint (or with garbage) would make the signature unverifiable
 * later; refuse it now while the signer is still present. Walks the DER down to the TSTInfo
 * instead of parsing the whole token (its certificates make a full parse cost milliseconds).
 */
function checkTimestampToken(token: Buffer, imprint: Buffer): Buffer {
  const fail = (why: string, cause?: unknown): never => {
    throw new SigningError('timestamp_failed', `invalid timestamp token: ${why}`, { cause });
  };
  if (!((token as unknown) instanceof Uint8Array)) fail('not bytes');
  const b = Buffer.isBuffer(token) ? token : Buffer.from(token);
  let tstDer: Buffer | undefined;
  try {
    const ci = readTlv(b, 0);
    if (ci.end !== b.length) fail('trailing bytes after the token');
    const [ctOid, ctx] = children(b, ci);
    if (!raw(b, ctOid).equals(oid(OID.signedData)) || ctx?.tag !== 0xa0) fail('not a SignedData ContentInfo');
    const sd = children(b, children(b, ctx)[0]);
    const encap = children(b, sd[2]);
    if (!raw(b, encap[0]).equals(oid(OID.tstInfo)) || encap[1]?.tag !== 0xa0) fail('content is not TSTInfo');
    const os = children(b, encap[1])[0];
    if (os.tag === 0x04) tstDer = b.subarray(os.start, os.end);
    else if (os.tag === 0x24) tstDer = Buffer.concat(children(b, os).map((c) => b.subarray(c.start, c.end))); // BER segments (pkijs writes these)
    else fail('TSTInfo is not in an OCTET STRING');
  } catch (e) {
    if (e instanceof SigningError) throw e;
    fail((e as Error).message, e);
  }
  try {
    const tst = pkijs.TSTInfo.fromBER(toAB(tstDer!));
    if (tst.messageImprint.hashAlgorithm.algorithmId !== OID.sha256) fail('imprint is not SHA-256');
    if (!Buffer.from(tst.messageImprint.hashedMessage.getValue()).equals(imprint)) fail('imprint does not match the signature');
  } catch (e) {
    if (e instanceof SigningError) throw e;
    fail((e as Error).message, e);
  }
  return b;
}
