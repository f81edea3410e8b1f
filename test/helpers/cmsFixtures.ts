// Generators for the CMS verifier's test corpus: certificates, CRLs, OCSP responses, RFC 3161
// tokens and detached CMS SignedData, all assembled as DER by hand so each test can bend exactly
// one thing (a validity date, a key, an imprint) while everything else stays genuine.
import { constants, createHash, generateKeyPairSync, randomBytes, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// --- DER ------------------------------------------------------------------------------------
export function tlv(tag: number, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  const len = body.length;
  let header: Buffer;
  if (len < 0x80) header = Buffer.from([tag, len]);
  else if (len < 0x100) header = Buffer.from([tag, 0x81, len]);
  else if (len < 0x10000) header = Buffer.from([tag, 0x82, len >> 8, len & 0xff]);
  else header = Buffer.from([tag, 0x83, len >> 16, (len >> 8) & 0xff, len & 0xff]);
  return Buffer.concat([header, body]);
}
export const seq = (...p: Buffer[]) => tlv(0x30, ...p);
export const set = (...p: Buffer[]) => tlv(0x31, ...p);
export const octets = (b: Buffer) => tlv(0x04, b);
export function oid(s: string): Buffer {
  const parts = s.split('.').map(Number);
  const bytes: number[] = [40 * parts[0] + parts[1]];
  for (const p of parts.slice(2)) {
    const enc: number[] = [];
    let v = p;
    do {
      enc.unshift((v & 0x7f) | (enc.length ? 0x80 : 0));
      v = Math.floor(v / 128);
    } while (v > 0);
    bytes.push(...enc);
  }
  return tlv(0x06, Buffer.from(bytes));
}
export function integer(b: Buffer): Buffer {
  let v = b;
  while (v.length > 1 && v[0] === 0 && !(v[1] & 0x80)) v = v.subarray(1);
  if (v[0] & 0x80) v = Buffer.concat([Buffer.from([0]), v]);
  return tlv(0x02, v);
}
const int = (n: number) => integer(Buffer.from([n]));
const NULL = Buffer.from([0x05, 0x00]);
const bool = (v: boolean) => Buffer.from([0x01, 0x01, v ? 0xff : 0]);
export function genTime(d: Date): Buffer {
  return tlv(0x18, Buffer.from(d.toISOString().replace(/[-:T]/g, '').replace(/\.\d+Z$/, 'Z'), 'latin1'));
}
function certTime(d: Date): Buffer {
  if (d.getUTCFullYear() >= 2050 || d.getUTCFullYear() < 1950) return genTime(d);
  return tlv(0x17, Buffer.from(d.toISOString().slice(2).replace(/[-:T]/g, '').replace(/\.\d+Z$/, 'Z'), 'latin1'));
}
const bitString = (b: Buffer) => tlv(0x03, Buffer.from([0]), b);

export const OIDS = {
  sha1: '1.3.14.3.2.26', sha256: '2.16.840.1.101.3.4.2.1', sha384: '2.16.840.1.101.3.4.2.2', sha512: '2.16.840.1.101.3.4.2.3',
  data: '1.2.840.113549.1.7.1', signedData: '1.2.840.113549.1.7.2', tstInfo: '1.2.840.113549.1.9.16.1.4',
  contentType: '1.2.840.113549.1.9.3', messageDigest: '1.2.840.113549.1.9.4',
  signingCertificate: '1.2.840.113549.1.9.16.2.12', signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  timeStampToken: '1.2.840.113549.1.9.16.2.14', ocspBasic: '1.3.6.1.5.5.7.48.1.1',
  rsassaPss: '1.2.840.113549.1.1.10', mgf1: '1.2.840.113549.1.1.8', ed25519: '1.3.101.112', ed448: '1.3.101.113',
  certificatePolicies: '2.5.29.32', anyPolicy: '2.5.29.32.0', policyMappings: '2.5.29.33', policyConstraints: '2.5.29.36', inhibitAnyPolicy: '2.5.29.54',
};
const DIGEST_OID: Record<Digest, string> = {
  sha1: OIDS.sha1, sha224: '2.16.840.1.101.3.4.2.4', sha256: OIDS.sha256, sha384: OIDS.sha384, sha512: OIDS.sha512,
  'sha3-256': '2.16.840.1.101.3.4.2.8', 'sha3-384': '2.16.840.1.101.3.4.2.9', 'sha3-512': '2.16.840.1.101.3.4.2.10', shake256: '2.16.840.1.101.3.4.2.12',
};
const ECDSA_OID: Partial<Record<Digest, string>> = {
  sha1: '1.2.840.10045.4.1', sha224: '1.2.840.10045.4.3.1', sha256: '1.2.840.10045.4.3.2', sha384: '1.2.840.10045.4.3.3', sha512: '1.2.840.10045.4.3.4',
  'sha3-256': '2.16.840.1.101.3.4.3.10', 'sha3-384': '2.16.840.1.101.3.4.3.11', 'sha3-512': '2.16.840.1.101.3.4.3.12',
};
const RSA_OID: Partial<Record<Digest, string>> = {
  sha1: '1.2.840.113549.1.1.5', sha224: '1.2.840.113549.1.1.14', sha256: '1.2.840.113549.1.1.11', sha384: '1.2.840.113549.1.1.12', sha512: '1.2.840.113549.1.1.13',
  'sha3-256': '2.16.840.1.101.3.4.3.14', 'sha3-384': '2.16.840.1.101.3.4.3.15', 'sha3-512': '2.16.840.1.101.3.4.3.16',
};
const DSA_OID: Partial<Record<Digest, string>> = { sha1: '1.2.840.10040.4.3', sha224: '2.16.840.1.101.3.4.3.1', sha256: '2.16.840.1.101.3.4.3.2' };
/** BSI TR-03111 ecdsa-plain-signatures: 0.4.0.127.0.7.1.1.4.1.x */
export const PLAIN_ECDSA_OID: Partial<Record<Digest, string>> = {
  sha1: '0.4.0.127.0.7.1.1.4.1.1', sha224: '0.4.0.127.0.7.1.1.4.1.2', sha256: '0.4.0.127.0.7.1.1.4.1.3', sha384: '0.4.0.127.0.7.1.1.4.1.4', sha512: '0.4.0.127.0.7.1.1.4.1.5',
  'sha3-256': '0.4.0.127.0.7.1.1.4.1.9', 'sha3-384': '0.4.0.127.0.7.1.1.4.1.10', 'sha3-512': '0.4.0.127.0.7.1.1.4.1.11',
};

export type Digest = 'sha1' | 'sha224' | 'sha256' | 'sha384' | 'sha512' | 'sha3-256' | 'sha3-384' | 'sha3-512' | 'shake256';
export const digestAlg = (d: Digest) => seq(oid(DIGEST_OID[d]));
export function sigAlg(key: KeyObject, d: Digest): Buffer {
  return key.asymmetricKeyType === 'ec' ? seq(oid(ECDSA_OID[d]!)) : seq(oid(RSA_OID[d]!), NULL);
}
export function signWith(key: KeyObject, d: Digest, data: Buffer): Buffer {
  return cryptoSign(d, data, key.asymmetricKeyType === 'ec' ? { key, dsaEncoding: 'der' } : key);
}
// RFC 8702: SHAKE256 in CMS has a 512-bit output.
export const sha = (d: Digest, b: Buffer) => createHash(d, d === 'shake256' ? { outputLength: 64 } : undefined).update(b).digest();

/** A signature AlgorithmIdentifier and the signing operation it names. */
export interface SignatureMethod {
  algorithm: Buffer;
  sign(data: Buffer): Buffer;
}

export const methods = {
  /** What the key type suggests: ECDSA (DER), RSA PKCS#1 v1.5, EdDSA, or RSASSA-PSS for an rsa-pss key. */
  default(key: KeyObject, d: Digest): SignatureMethod {
    const t = key.asymmetricKeyType;
    if (t === 'ed25519' || t === 'ed448') return methods.eddsa(key);
    if (t === 'rsa-pss') return methods.pss(key, { hash: d, saltLength: sha(d, Buffer.alloc(0)).length });
    if (t === 'dsa') return { algorithm: seq(oid(DSA_OID[d]!)), sign: (data) => cryptoSign(d, data, { key, dsaEncoding: 'der' }) };
    return { algorithm: sigAlg(key, d), sign: (data) => signWith(key, d, data) };
  },
  pss(key: KeyObject, o: { hash: Digest; mgfHash?: Digest; saltLength: number }): SignatureMethod {
    const params = seq(
      tlv(0xa0, seq(oid(DIGEST_OID[o.hash]))),
      tlv(0xa1, seq(oid(OIDS.mgf1), seq(oid(DIGEST_OID[o.mgfHash ?? o.hash])))),
      tlv(0xa2, int(o.saltLength)),
    );
    return {
      algorithm: seq(oid(OIDS.rsassaPss), params),
      sign: (data) => cryptoSign(o.hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: o.saltLength }),
    };
  },
  plainEcdsa(key: KeyObject, d: Digest): SignatureMethod {
    return { algorithm: seq(oid(PLAIN_ECDSA_OID[d]!)), sign: (data) => cryptoSign(d, data, { key, dsaEncoding: 'ieee-p1363' }) };
  },
  eddsa(key: KeyObject): SignatureMethod {
    return { algorithm: seq(oid(key.asymmetricKeyType === 'ed448' ? OIDS.ed448 : OIDS.ed25519)), sign: (data) => cryptoSign(null, data, key) };
  },
  /** An algorithm identifier the verifier cannot check, with any bytes as the signature. */
  opaque(algorithmOid: string): SignatureMethod {
    return { algorithm: seq(oid(algorithmOid)), sign: (data) => sha('sha512', data) };
  },
};

// --- certificates -----------------------------------------------------------------------------
const NAME_OID: Record<string, string> = { C: '2.5.4.6', O: '2.5.4.10', OU: '2.5.4.11', CN: '2.5.4.3', serialNumber: '2.5.4.5' };
export function name(attrs: [string, string][]): Buffer {
  return seq(...attrs.map(([t, v]) => set(seq(oid(NAME_OID[t]), t === 'C' || t === 'serialNumber' ? tlv(0x13, Buffer.from(v)) : tlv(0x0c, Buffer.from(v, 'utf8'))))));
}

export interface Party {
  key: KeyObject;
  pub: KeyObject;
  der: Buffer;
  name: Buffer;
  ski: Buffer;
  serial: Buffer;
}

export interface CertSpec {
  subject: [string, string][];
  issuer?: Party; // absent: self-signed
  key?: { privateKey: KeyObject; publicKey: KeyObject };
  keyType?: KeyType;
  ca?: boolean;
  pathLen?: number;
  keyUsage?: ('digitalSignature' | 'nonRepudiation' | 'keyCertSign' | 'cRLSign')[];
  eku?: { purposes: string[]; critical: boolean };
  notBefore?: Date;
  notAfter?: Date;
  digest?: Digest;
  serial?: Buffer;
  /** override the issuer name written in the certificate (look-alike issuers) */
  issuerName?: Buffer;
  noAki?: boolean;
  /** how the issuer signs this certificate (default: methods.default for its key and `digest`) */
  method?: SignatureMethod;
  /** further extensions, DER Extension SEQUENCEs (see extension()) */
  extensions?: Buffer[];
}

export type KeyType = 'ec' | 'ec384' | 'rsa' | 'rsa1024' | 'rsa-pss' | 'ed25519' | 'ed448' | 'dsa';

export function extension(extnOid: string, critical: boolean, value: Buffer): Buffer {
  return seq(oid(extnOid), ...(critical ? [bool(true)] : []), octets(value));
}

const KU_BITS = { digitalSignature: 0, nonRepudiation: 1, keyCertSign: 5, cRLSign: 6 } as const;

export function newKey(type: KeyType = 'ec'): { privateKey: KeyObject; publicKey: KeyObject } {
  if (type === 'rsa' || type === 'rsa1024') return generateKeyPairSync('rsa', { modulusLength: type === 'rsa' ? 2048 : 1024 });
  if (type === 'rsa-pss') return generateKeyPairSync('rsa-pss', { modulusLength: 2048, hashAlgorithm: 'sha256', mgf1HashAlgorithm: 'sha256' });
  if (type === 'ed25519') return generateKeyPairSync('ed25519');
  if (type === 'ed448') return generateKeyPairSync('ed448');
  if (type === 'dsa') return generateKeyPairSync('dsa', { modulusLength: 2048, divisorLength: 256 });
  return generateKeyPairSync('ec', { namedCurve: type === 'ec384' ? 'P-384' : 'P-256' });
}

export function makeCert(spec: CertSpec): Party {
  const kp = spec.key ?? newKey(spec.keyType);
  const spki = kp.publicKey.export({ type: 'spki', format: 'der' });
  const ski = sha('sha1', spki).subarray(0, 20);
  const serial = spec.serial ?? Buffer.concat([Buffer.from([0x41]), randomBytes(11)]);
  const subject = name(spec.subject);
  const signer = spec.issuer?.key ?? kp.privateKey;
  const d = spec.digest ?? 'sha256';
  const method = spec.method ?? methods.default(signer, d);
  const exts: Buffer[] = [];
  if (spec.ca !== undefined) {
    exts.push(seq(oid('2.5.29.19'), bool(true), octets(seq(...(spec.ca ? [bool(true)] : []), ...(spec.pathLen !== undefined ? [int(spec.pathLen)] : [])))));
  }
  if (spec.keyUsage) {
    let bits = 0;
    for (const u of spec.keyUsage) bits |= 0x8000 >> KU_BITS[u];
    exts.push(seq(oid('2.5.29.15'), bool(true), octets(tlv(0x03, Buffer.from([0, bits >> 8, bits & 0xff]).subarray(0, bits & 0xff ? 3 : 2)))));
  }
  if (spec.eku) exts.push(seq(oid('2.5.29.37'), ...(spec.eku.critical ? [bool(true)] : []), octets(seq(...spec.eku.purposes.map(oid)))));
  exts.push(seq(oid('2.5.29.14'), octets(octets(ski))));
  if (!spec.noAki) exts.push(seq(oid('2.5.29.35'), octets(seq(tlv(0x80, spec.issuer?.ski ?? ski)))));
  exts.push(...(spec.extensions ?? []));
  const now = Date.now();
  const tbs = seq(
    tlv(0xa0, int(2)),
    integer(serial),
    method.algorithm,
    spec.issuerName ?? spec.issuer?.name ?? subject,
    seq(certTime(spec.notBefore ?? new Date(now - 86400_000)), certTime(spec.notAfter ?? new Date(now + 365 * 86400_000))),
    subject,
    spki,
    tlv(0xa3, seq(...exts)),
  );
  const der = seq(tbs, method.algorithm, bitString(method.sign(tbs)));
  return { key: kp.privateKey, pub: kp.publicKey, der, name: subject, ski, serial };
}

export const EKU_TIMESTAMPING = '1.3.6.1.5.5.7.3.8';
export const EKU_OCSP_SIGNING = '1.3.6.1.5.5.7.3.9';

export interface Pki {
  root: Party;
  ca: Party;
  signer: Party;
  tsa: Party;
}

export function makePki(opts: { signerKeyType?: KeyType; signerSpec?: Partial<CertSpec> } = {}): Pki {
  const root = makeCert({ subject: [['C', 'CN'], ['O', 'Test Water PKI'], ['CN', 'Test Water Root CA']], ca: true, keyUsage: ['keyCertSign', 'cRLSign'], notAfter: new Date(Date.now() + 3650 * 86400_000) });
  const ca = makeCert({ subject: [['C', 'CN'], ['O', 'Test Water PKI'], ['CN', 'Test Water Issuing CA']], issuer: root, ca: true, pathLen: 0, keyUsage: ['keyCertSign', 'cRLSign'] });
  const signer = makeSigner(ca, { keyType: opts.signerKeyType, ...opts.signerSpec });
  const tsa = makeCert({ subject: [['C', 'CN'], ['O', 'Test Water PKI'], ['CN', 'Test Water TSA']], issuer: ca, ca: false, keyUsage: ['digitalSignature', 'nonRepudiation'], eku: { purposes: [EKU_TIMESTAMPING], critical: true } });
  return { root, ca, signer, tsa };
}

export function makeSigner(ca: Party, spec: Partial<CertSpec> = {}): Party {
  return makeCert({
    subject: [['C', 'CN'], ['O', '滨江水务有限公司'], ['serialNumber', '91330100MA2B3C4D5E'], ['CN', '张三']],
    issuer: ca, ca: false, keyUsage: ['digitalSignature', 'nonRepudiation'], ...spec,
  });
}

// --- revocation -------------------------------------------------------------------------------
export function makeCrl(issuer: Party, revoked: { serial: Buffer; at: Date; reason?: number }[], opts: { signKey?: KeyObject; thisUpdate?: Date } = {}): Buffer {
  const key = opts.signKey ?? issuer.key;
  const thisUpdate = opts.thisUpdate ?? new Date(Date.now() - 1000);
  const entries = revoked.map((r) =>
    seq(integer(r.serial), certTime(r.at), ...(r.reason !== undefined ? [seq(seq(oid('2.5.29.21'), octets(tlv(0x0a, Buffer.from([r.reason])))))] : [])),
  );
  const tbs = seq(int(1), sigAlg(key, 'sha256'), issuer.name, certTime(thisUpdate), certTime(new Date(thisUpdate.getTime() + 7 * 86400_000)), ...(entries.length ? [seq(...entries)] : []));
  return seq(tbs, sigAlg(key, 'sha256'), bitString(signWith(key, 'sha256', tbs)));
}

export function makeOcsp(issuer: Party, cert: Party, status: 'good' | 'revoked', opts: { responder?: Party; revokedAt?: Date } = {}): Buffer {
  const signer = opts.responder ?? issuer;
  const issuerSpki = issuer.pub.export({ type: 'spki', format: 'der' });
  // subjectPublicKey bits: the tail of the SPKI after the algorithm (BIT STRING content minus unused-bits byte)
  const keyBits = spkiKeyBits(issuerSpki);
  const certId = seq(seq(oid(OIDS.sha1), NULL), octets(sha('sha1', issuer.name)), octets(sha('sha1', keyBits)), integer(cert.serial));
  const now = new Date(Math.floor(Date.now() / 1000) * 1000);
  const certStatus = status === 'good' ? Buffer.from([0x80, 0x00]) : tlv(0xa1, genTime(opts.revokedAt ?? now));
  const single = seq(certId, certStatus, genTime(now));
  const tbs = seq(tlv(0xa1, signer.name), genTime(now), seq(single));
  const basic = seq(tbs, sigAlg(signer.key, 'sha256'), bitString(signWith(signer.key, 'sha256', tbs)), ...(opts.responder ? [tlv(0xa0, seq(opts.responder.der))] : []));
  return seq(tlv(0x0a, Buffer.from([0])), tlv(0xa0, seq(oid(OIDS.ocspBasic), octets(basic))));
}

function spkiKeyBits(spki: Buffer): Buffer {
  // SEQUENCE { AlgorithmIdentifier, BIT STRING }: skip the outer header and the algorithm
  let p = 1;
  const lenByte = spki[p++];
  if (lenByte & 0x80) p += lenByte & 0x7f;
  const algLen = spki[p + 1];
  p += 2 + algLen;
  let len = spki[p + 1];
  let q = p + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + spki[q++];
  }
  return spki.subarray(q + 1, q + len);
}

// --- RFC 3161 -----------------------------------------------------------------------------------
export function makeTimestampToken(tsa: Party, imprint: Buffer, opts: { time?: Date; chain?: Buffer[]; imprintDigest?: Digest } = {}): Buffer {
  const time = opts.time ?? new Date(Math.floor(Date.now() / 1000) * 1000);
  const tst = seq(int(1), oid('1.3.6.1.4.1.55555.1.1'), seq(digestAlg(opts.imprintDigest ?? 'sha256'), octets(imprint)), integer(randomBytes(8)), genTime(time));
  return signedDataContentInfo({
    eContentType: OIDS.tstInfo,
    eContent: tst,
    signer: tsa,
    certs: [tsa.der, ...(opts.chain ?? [])],
    signedAttrs: [attr(OIDS.contentType, oid(OIDS.tstInfo)), attr(OIDS.messageDigest, octets(sha('sha256', tst))), essV2(tsa)],
    digest: 'sha256',
  });
}

// --- CMS ------------------------------------------------------------------------------------------
export const attr = (type: string, ...values: Buffer[]) => seq(oid(type), set(...values));

export function essV2(cert: Party, certDer = cert.der): Buffer {
  return attr(OIDS.signingCertificateV2, seq(seq(seq(octets(sha('sha256', certDer))))));
}
export function essV1(cert: Party): Buffer {
  return attr(OIDS.signingCertificate, seq(seq(seq(octets(sha('sha1', cert.der))))));
}

function issuerAndSerial(certDer: Buffer): Buffer {
  // tbs → [0] version, serial, alg, issuer
  const read = (b: Buffer, p: number) => {
    let len = b[p + 1];
    let q = p + 2;
    if (len & 0x80) {
      const n = len & 0x7f;
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + b[q++];
    }
    return { start: q, end: q + len, head: p };
  };
  const top = read(certDer, 0);
  const tbs = read(certDer, top.start);
  const version = read(certDer, tbs.start);
  const serial = read(certDer, version.end);
  const alg = read(certDer, serial.end);
  const issuer = read(certDer, alg.end);
  return seq(certDer.subarray(issuer.head, issuer.end), certDer.subarray(serial.head, serial.end));
}

export interface SignedDataSpec {
  eContentType?: string;
  eContent?: Buffer;
  signer: Party;
  /** certificate the sid names (default signer.der) */
  sidCert?: Buffer;
  certs: Buffer[];
  signedAttrs?: Buffer[]; // undefined: no signed attributes at all
  digest: Digest;
  /** content to sign when there are no signed attributes */
  content?: Buffer;
  unsignedAttrs?: (signature: Buffer) => Buffer[];
  crls?: Buffer[];
  tamperSignature?: boolean;
  /** how the signer signs (default: methods.default for its key and `digest`) */
  method?: SignatureMethod;
  /** the SignerInfo digestAlgorithm written, when it must differ from `digest` */
  digestAlgorithm?: Buffer;
}

export function signedDataContentInfo(spec: SignedDataSpec): Buffer {
  const attrsSet = spec.signedAttrs ? set(...[...spec.signedAttrs].sort(Buffer.compare)) : undefined;
  const method = spec.method ?? methods.default(spec.signer.key, spec.digest);
  let signature = method.sign(attrsSet ?? spec.content ?? spec.eContent ?? Buffer.alloc(0));
  if (spec.tamperSignature) {
    signature = Buffer.from(signature);
    signature[signature.length - 3] ^= 0x01;
  }
  const unsigned = spec.unsignedAttrs?.(signature) ?? [];
  const signerInfo = seq(
    int(1),
    issuerAndSerial(spec.sidCert ?? spec.signer.der),
    spec.digestAlgorithm ?? digestAlg(spec.digest),
    ...(attrsSet ? [Buffer.concat([Buffer.from([0xa0]), attrsSet.subarray(1)])] : []),
    method.algorithm,
    octets(signature),
    ...(unsigned.length ? [tlv(0xa1, ...unsigned)] : []),
  );
  const sd = seq(
    int(1),
    set(digestAlg(spec.digest)),
    seq(oid(spec.eContentType ?? OIDS.data), ...(spec.eContent ? [tlv(0xa0, octets(spec.eContent))] : [])),
    tlv(0xa0, ...spec.certs),
    ...(spec.crls?.length ? [tlv(0xa1, ...spec.crls)] : []),
    set(signerInfo),
  );
  return seq(oid(OIDS.signedData), tlv(0xa0, sd));
}

export interface PadesCmsOptions {
  digest?: Digest;
  ess?: 'v2' | 'v1' | 'none';
  /** timestamp: the TSA and optionally a different imprint / time */
  tsa?: Party;
  tsaChain?: Buffer[];
  tsaTime?: Date;
  tsaImprint?: Buffer;
  certs?: Buffer[];
  sidCert?: Buffer;
  crls?: Buffer[];
  tamperSignature?: boolean;
  signer?: Party;
  extraSignedAttrs?: Buffer[];
  method?: SignatureMethod;
}

/** A detached CMS like ours: contentType, messageDigest, signing-certificate-v2, optional RFC 3161 token. */
export function padesCms(pki: Pki, signedBytes: Buffer, o: PadesCmsOptions = {}): Buffer {
  const d = o.digest ?? 'sha256';
  const signer = o.signer ?? pki.signer;
  const ess = o.ess ?? 'v2';
  const attrs = [attr(OIDS.contentType, oid(OIDS.data)), attr(OIDS.messageDigest, octets(sha(d, signedBytes))), ...(o.extraSignedAttrs ?? [])];
  if (ess === 'v2') attrs.push(essV2(signer));
  if (ess === 'v1') attrs.push(essV1(signer));
  return signedDataContentInfo({
    signer,
    sidCert: o.sidCert,
    certs: o.certs ?? [signer.der, pki.ca.der, pki.root.der],
    signedAttrs: attrs,
    digest: d,
    crls: o.crls,
    tamperSignature: o.tamperSignature,
    method: o.method,
    unsignedAttrs: o.tsa
      ? (sig) => [attr(OIDS.timeStampToken, makeTimestampToken(o.tsa!, o.tsaImprint ?? sha('sha256', sig), { time: o.tsaTime, chain: o.tsaChain }))]
      : undefined,
  });
}

// --- openssl ------------------------------------------------------------------------------------
export function pem(der: Buffer, label = 'CERTIFICATE'): string {
  return `-----BEGIN ${label}-----\n${der.toString('base64').replace(/.{1,64}/g, '$&\n')}-----END ${label}-----\n`;
}

/** `openssl cms -sign -binary -md sha256` output for the given signer (detached, DER). */
export function opensslCms(signer: Party, chain: Buffer[], data: Buffer, extraArgs: string[] = []): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'cms-fixture-'));
  writeFileSync(join(dir, 'signer.pem'), pem(signer.der));
  writeFileSync(join(dir, 'signer.key'), signer.key.export({ type: 'pkcs8', format: 'pem' }) as string);
  writeFileSync(join(dir, 'chain.pem'), chain.map((c) => pem(c)).join(''));
  writeFileSync(join(dir, 'data.bin'), data);
  execFileSync('openssl', ['cms', '-sign', '-binary', '-md', 'sha256', '-signer', 'signer.pem', '-inkey', 'signer.key', '-certfile', 'chain.pem',
    '-in', 'data.bin', '-outform', 'DER', '-out', 'out.der', ...extraArgs], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  return readFileSync(join(dir, 'out.der'));
}
