import crypto from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Database } from '../storage/db/database.js';
import { CertificateFactory, buildName, generateKeyPair, issuerFromDer, nameToString, parseCertificate, type IssuerMaterial, type RevocationUrls } from './certificateBuilder.js';
import { CertificateStore, REVOCATION_REASONS, type RevocationReason } from './certificateStore.js';
import { createCrlPublisher } from './crlPublisher.js';
import { normaliseSerialHex, pemBlocks, toPem } from './der.js';
import { PkiError } from './errors.js';
import { openImportedCrl } from './importedCrl.js';
import { readImportDir, type ImportedMaterial } from './importer.js';
import { openPrivateKey, sealPrivateKey } from './keyProtection.js';
import { OcspResponder } from './ocsp.js';
import { fillTemplate, loadProfiles, type CertKind, type ProfileSet } from './profiles.js';
import { TimeStampAuthority } from './tsa.js';

export { PkiError, type PkiErrorCode } from './errors.js';
export { loadOrCreateMasterKey, parseMasterKey, type MasterKey } from './masterKey.js';
export { REVOCATION_REASONS, type RevocationReason } from './certificateStore.js';
export type { CertKind } from './profiles.js';

export interface SigningIdentity {
  privateKey: crypto.KeyObject;
  /** DER */
  certificate: Buffer;
  /** DER, issuing CA then root */
  chain: Buffer[];
}

export interface EventSubject {
  name: string;
  idType: string;
  idNumber: string;
  /** Accepted for the caller's convenience but deliberately NOT put in the certificate: it would be published in every signed PDF. */
  mobile?: string;
}

export interface Pki {
  rootPem(): string;
  issuingPem(): string;
  rootDer(): Buffer;
  issuingDer(): Buffer;
  organisationIdentity(): SigningIdentity;
  issueEventCertificate(subject: EventSubject, link: { contractId: string; signerId: string }): Promise<SigningIdentity & { serial: string }>;
  timestamp(messageImprint: Buffer): Promise<Buffer>;
  /** The same token with its genTime: the signing time an auditor will read from it. */
  timestampWithTime(messageImprint: Buffer): Promise<{ token: Buffer; genTime: Date }>;
  respondTsa(reqDer: Buffer): Promise<Buffer>;
  respondOcsp(reqDer: Buffer): Promise<Buffer>;
  crlDer(): Promise<Buffer>;
  /** The root's CRL over its sub-CAs; undefined for an imported PKI whose operator has not provided root.crl. */
  rootCrlDer(): Promise<Buffer | undefined>;
  /**
   * What a verifier needs to validate these signing certificates without this service (PAdES B-LT DSS):
   * the certificates up to the root, the TSA's, and for each one this CA issued an OCSP response of now,
   * plus the CA's current CRL and the root's (which covers the issuing CA itself).
   */
  validationData(signingCertificates: Buffer[]): Promise<{ certs: Buffer[]; ocsps: Buffer[]; crls: Buffer[] }>;
  /** When the TSA's certificate expires: a document timestamp must be renewed before then. */
  timestampCertificateNotAfter(): Date;
  revoke(serialHex: string, reason: string): Promise<{ serial: string; revokedAt: Date }>;
  certificateStatus(serialHex: string): Promise<'good' | 'revoked' | 'unknown'>;
}

export interface LoadPkiOptions {
  dataDir: string;
  masterKey: Buffer;
  publicUrl: string;
  utility: { name: string; creditCode: string };
  db: Database;
  /** PKI_IMPORT_DIR: production material used instead of generated material (certs/README.md). */
  importDir?: string;
  /** PKI_IMPORT_PASSWORD for *.p12 files in importDir. */
  importPassword?: string;
  /** Override certs/profiles.json (tests). */
  profilesPath?: string;
  /** Problems an operator must fix that do not stop the service (a missing or stale imported root CRL). */
  warn?: (message: string) => void;
}

/** Service certificates closer than this to expiry are re-issued at start-up (generated material only). */
const RENEW_BEFORE_MS = 30 * 24 * 3600 * 1000;

interface StoredMaterial {
  der: Buffer;
  key: crypto.KeyObject;
  chain: Buffer[];
  imported: boolean;
}

class PkiDisk {
  constructor(
    readonly dir: string,
    private readonly masterKey: Buffer,
  ) {}

  async load(kind: CertKind): Promise<StoredMaterial | undefined> {
    let pem: string;
    let sealed: string;
    try {
      [pem, sealed] = await Promise.all([readFile(this.certFile(kind), 'utf8'), readFile(this.keyFile(kind), 'utf8')]);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    const [der] = pemBlocks(pem);
    if (!der) throw new PkiError('pki_state_invalid', `${this.certFile(kind)} holds no certificate`);
    return { der, key: openPrivateKey(sealed, this.masterKey, `pki/${kind}`), chain: [], imported: false };
  }

  async save(kind: CertKind, der: Buffer, key: crypto.KeyObject): Promise<void> {
    // Key first, then certificate: a crash in between leaves no certificate without its key.
    await writeAtomic(this.keyFile(kind), sealPrivateKey(key, this.masterKey, `pki/${kind}`), 0o600);
    await writeAtomic(this.certFile(kind), toPem(der), 0o644);
  }

  private certFile(kind: CertKind): string {
    return path.join(this.dir, `${kind}.pem`);
  }
  private keyFile(kind: CertKind): string {
    return path.join(this.dir, `${kind}.key.sealed.json`);
  }
}

async function writeAtomic(file: string, data: string, mode: number): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, data, { mode });
  await chmod(tmp, mode);
  await rename(tmp, file);
}

function issuedBy(der: Buffer, issuer: IssuerMaterial): boolean {
  const x = new crypto.X509Certificate(der);
  return x.verify(new crypto.X509Certificate(issuer.der).publicKey);
}

function isSelfSigned(der: Buffer): boolean {
  const x = new crypto.X509Certificate(der);
  return x.checkIssued(x);
}

function expiresSoon(der: Buffer, now = Date.now()): boolean {
  return new Date(new crypto.X509Certificate(der).validTo).getTime() - now < RENEW_BEFORE_MS;
}

function validateUtility(u: { name: string; creditCode: string }): void {
  if (!u.name?.trim() || u.name.length > 64) throw new PkiError('bad_request', 'utility name must be 1–64 characters');
  // 统一社会信用代码: 18 characters from digits and capital letters except I, O, S, V, Z.
  if (!/^[0-9A-HJ-NPQRTUWXY]{18}$/.test(u.creditCode)) throw new PkiError('bad_request', `not a unified social credit code: ${u.creditCode}`);
}

function validateEventSubject(s: EventSubject, link: { contractId: string; signerId: string }): void {
  const bad = (m: string) => new PkiError('bad_request', m);
  // eslint-disable-next-line no-control-regex
  const control = /[\u0000-\u001f\u007f]/;
  if (typeof s?.name !== 'string' || !s.name.trim() || s.name.length > 64 || control.test(s.name)) throw bad('subject.name must be 1–64 printable characters');
  if (typeof s.idType !== 'string' || !s.idType.trim() || s.idType.length > 32) throw bad('subject.idType must be 1–32 characters');
  if (typeof s.idNumber !== 'string' || !/^[A-Za-z0-9()\-]{1,64}$/.test(s.idNumber)) throw bad('subject.idNumber must be 1–64 letters, digits, "-" or brackets');
  if (!link?.contractId || !link.signerId) throw bad('contractId and signerId are required');
}

/**
 * Loads the PKI from DATA_DIR/pki (creating a development hierarchy on first start) or from
 * production material in importDir, records every certificate in the database, and returns
 * the in-memory service with all CA keys already imported.
 */
export async function loadOrCreatePki(opts: LoadPkiOptions): Promise<Pki> {
  validateUtility(opts.utility);
  const profiles: ProfileSet = loadProfiles(opts.profilesPath);
  const publicUrl = opts.publicUrl.replace(/\/+$/, '');
  const urls: RevocationUrls = { crl: `${publicUrl}/pki/crl/issuing.crl`, ocsp: `${publicUrl}/pki/ocsp`, caIssuers: `${publicUrl}/pki/issuing.cer` };
  const issuingCaUrls: RevocationUrls = { crl: `${publicUrl}/pki/crl/root.crl`, caIssuers: `${publicUrl}/pki/root.cer` };
  const templateValues = { 'utility.name': opts.utility.name, 'utility.creditCode': opts.utility.creditCode };
  const subjectOf = (kind: CertKind, extra: Record<string, string> = {}) =>
    profiles.profiles[kind].subject.map((a) => ({ type: a.type, value: fillTemplate(a.value, { ...templateValues, ...extra }) }));

  const dir = path.join(opts.dataDir, 'pki');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const disk = new PkiDisk(dir, opts.masterKey);
  const imported: ImportedMaterial = opts.importDir ? await readImportDir(opts.importDir, opts.importPassword) : { identities: {} };
  const store = new CertificateStore(opts.db);
  const toRecord: { kind: CertKind; der: Buffer }[] = [];

  // Root and issuing CA.
  let rootDer: Buffer;
  let issuing: IssuerMaterial;
  /** Present when the root key is here (development PKI): the root's CRL is then signed by this service. */
  let rootIssuer: IssuerMaterial | undefined;
  const importedIssuing = imported.identities.issuing;
  if (importedIssuing) {
    rootDer = imported.root!;
    issuing = issuerFromDer(importedIssuing.der, importedIssuing.key);
    if (!new crypto.X509Certificate(importedIssuing.der).verify(new crypto.X509Certificate(rootDer).publicKey)) {
      throw new PkiError('import_invalid', `${importedIssuing.source} is not signed by root.pem`);
    }
  } else {
    let root = await disk.load('root');
    if (!root) {
      const kp = generateKeyPair();
      const cert = new CertificateFactory(profiles.profiles.root, undefined, undefined).issue(subjectOf('root'), kp.publicKey, kp.privateKey);
      await disk.save('root', cert.der, kp.privateKey);
      root = { der: cert.der, key: kp.privateKey, chain: [], imported: false };
    }
    rootDer = root.der;
    rootIssuer = issuerFromDer(root.der, root.key);
    let stored = await disk.load('issuing');
    if (!stored || !issuedBy(stored.der, rootIssuer)) {
      const kp = generateKeyPair();
      const cert = new CertificateFactory(profiles.profiles.issuing, rootIssuer, issuingCaUrls).issue(subjectOf('issuing'), kp.publicKey);
      await disk.save('issuing', cert.der, kp.privateKey);
      stored = { der: cert.der, key: kp.privateKey, chain: [], imported: false };
    }
    issuing = issuerFromDer(stored.der, stored.key);
  }
  toRecord.push({ kind: 'root', der: rootDer }, { kind: 'issuing', der: issuing.der });
  const defaultChain = [issuing.der, rootDer];

  // Service and organisation certificates: imported, else stored (still valid, from this CA, same subject), else freshly issued.
  async function serviceIdentity(kind: 'ocsp' | 'tsa' | 'organisation'): Promise<StoredMaterial> {
    const imp = imported.identities[kind];
    // RFC 6960 §4.2.2.2: a delegated responder is only trusted when the CA it answers for issued it.
    if (imp && kind === 'ocsp' && !issuedBy(imp.der, issuing)) {
      throw new PkiError('import_invalid', `${imp.source} is not issued by the issuing CA (required for a delegated OCSP responder)`);
    }
    if (imp) return { der: imp.der, key: imp.key, chain: imp.chain.length ? imp.chain : defaultChain, imported: true };
    const expectedSubject = nameToString(buildName(subjectOf(kind)));
    const stored = await disk.load(kind);
    if (
      stored &&
      issuedBy(stored.der, issuing) &&
      !expiresSoon(stored.der) &&
      nameToString(parseCertificate(stored.der).subject) === expectedSubject
    ) {
      return { ...stored, chain: defaultChain };
    }
    const kp = generateKeyPair();
    const cert = new CertificateFactory(profiles.profiles[kind], issuing, urls).issue(subjectOf(kind), kp.publicKey);
    await disk.save(kind, cert.der, kp.privateKey);
    return { der: cert.der, key: kp.privateKey, chain: defaultChain, imported: false };
  }
  const ocspId = await serviceIdentity('ocsp');
  const tsaId = await serviceIdentity('tsa');
  const orgId = await serviceIdentity('organisation');
  toRecord.push({ kind: 'ocsp', der: ocspId.der }, { kind: 'tsa', der: tsaId.der }, { kind: 'organisation', der: orgId.der });

  for (const { kind, der } of toRecord) {
    const x = new crypto.X509Certificate(der);
    const parsed = parseCertificate(der);
    await store.insert({
      serial: normaliseSerialHex(x.serialNumber),
      kind,
      subject: nameToString(parsed.subject),
      issuer: nameToString(parsed.issuer),
      notBefore: new Date(x.validFrom),
      notAfter: new Date(x.validTo),
      der,
    });
  }

  const eventFactory = new CertificateFactory(profiles.profiles.event, issuing, urls, profiles.eventPolicy ? [profiles.eventPolicy] : []);
  const issuingSubject = nameToString(issuing.cert.subject);
  // The token carries the TSA's path short of the root, so a validator with only the root can build it.
  const tsaChain = tsaId.chain.filter((der) => !isSelfSigned(der));
  const tsa = new TimeStampAuthority({ der: tsaId.der, key: tsaId.key, chain: tsaChain }, profiles.tsaPolicy);
  const ocsp = new OcspResponder(issuing, { der: ocspId.der, key: ocspId.key }, store);
  const issuingX509 = new crypto.X509Certificate(issuing.der);
  const rootPemText = toPem(rootDer);
  const issuingPemText = toPem(issuing.der);
  const organisation: SigningIdentity = { privateKey: orgId.key, certificate: orgId.der, chain: orgId.chain };

  const issuingCrl = createCrlPublisher(issuing, () => store.listRevoked(), () => store.latestRevocation());
  const root = rootIssuer;
  const rootCrl: { current(): Promise<Buffer | undefined>; invalidate?(): void } = root
    ? createCrlPublisher(root, async () => (await store.listRevokedSubCas()).filter((r) => issuedBy(r.der, root)), () => store.latestRevocation())
    : await openImportedCrl(path.join(opts.importDir!, 'root.crl'), rootDer, opts.warn ?? (() => undefined));

  return {
    rootPem: () => rootPemText,
    issuingPem: () => issuingPemText,
    rootDer: () => Buffer.from(rootDer),
    issuingDer: () => Buffer.from(issuing.der),
    organisationIdentity: () => organisation,

    async issueEventCertificate(subject, link) {
      validateEventSubject(subject, link);
      const kp = generateKeyPair();
      const cert = eventFactory.issue(subjectOf('event', { 'subject.name': subject.name, 'subject.idType': subject.idType, 'subject.idNumber': subject.idNumber }), kp.publicKey);
      await store.insert({
        serial: cert.serial, kind: 'event', subject: cert.subject, issuer: issuingSubject,
        notBefore: cert.notBefore, notAfter: cert.notAfter, der: cert.der, contractId: link.contractId, signerId: link.signerId,
      });
      return { privateKey: kp.privateKey, certificate: cert.der, chain: defaultChain, serial: cert.serial };
    },

    async timestamp(messageImprint) {
      return tsa.token(messageImprint);
    },
    async timestampWithTime(messageImprint) {
      return tsa.tokenWithTime(messageImprint);
    },
    async respondTsa(reqDer) {
      return tsa.respond(reqDer);
    },
    respondOcsp: (reqDer) => ocsp.respond(reqDer),

    crlDer: () => issuingCrl.current(),
    rootCrlDer: () => rootCrl.current(),
    timestampCertificateNotAfter: () => new Date(new crypto.X509Certificate(tsaId.der).validTo),

    async validationData(signingCertificates) {
      const ocsps: Buffer[] = [];
      for (const der of [...signingCertificates, tsaId.der]) {
        // Only certificates of this CA: the responder answers from the database, which records them all.
        const x = new crypto.X509Certificate(der);
        if (x.checkIssued(issuingX509)) ocsps.push(await ocsp.responseFor(normaliseSerialHex(x.serialNumber)));
      }
      const certs = [...signingCertificates, tsaId.der, ...tsaId.chain, ...orgId.chain, issuing.der, rootDer, ocspId.der];
      const crls = [await issuingCrl.current(), await rootCrl.current()].filter((c): c is Buffer => !!c);
      return { certs: [...new Map(certs.map((c) => [c.toString('base64'), c])).values()], ocsps, crls };
    },

    async revoke(serialHex, reason) {
      if (!(REVOCATION_REASONS as readonly string[]).includes(reason)) {
        throw new PkiError('bad_request', `reason must be one of ${REVOCATION_REASONS.join(', ')}`);
      }
      const serial = normaliseSerialHex(serialHex);
      const revokedAt = await store.revoke(serial, reason as RevocationReason);
      issuingCrl.invalidate();
      rootCrl.invalidate?.();
      return { serial, revokedAt };
    },

    async certificateStatus(serialHex) {
      const s = await store.status(normaliseSerialHex(serialHex));
      return s ? s.status : 'unknown';
    },
  };
}
