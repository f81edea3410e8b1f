import crypto from 'node:crypto';
import path from 'node:path';
import type { Database } from '../storage/db/database.js';
import { generateP256, memorySigner, type KeySigner } from '../keys/keySigner.js';
import type { KeyStore } from '../keys/keyStore.js';
import { createDatabaseKeyStore } from '../keys/databaseKeyStore.js';
import { readLegacyPkiDir } from './legacyPkiDir.js';
import { PkiState, type ServiceRole, type StoredMaterial } from './pkiState.js';
import { CertificateFactory, buildName, issuerFromDer, nameToString, parseCertificate, type IssuerMaterial, type RevocationUrls } from './certificateBuilder.js';
import { CertificateStore, REVOCATION_REASONS, type RevocationReason } from './certificateStore.js';
import { createCrlPublisher } from './crlPublisher.js';
import { normaliseSerialHex, pemBlocks, toPem } from './der.js';
import { PkiError } from './errors.js';
import { openImportedCrl } from './importedCrl.js';
import { readImportDir, type ImportedMaterial } from './importer.js';
import { OcspResponder } from './ocsp.js';
import { fillTemplate, loadProfiles, type CertKind, type ProfileSet } from './profiles.js';
import { TimeStampAuthority } from './tsa.js';

export { PkiError, type PkiErrorCode } from './errors.js';
export { REVOCATION_REASONS, type RevocationReason } from './certificateStore.js';
export type { CertKind } from './profiles.js';

export interface SigningIdentity {
  signer: KeySigner;
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
  /**
   * The certificate and key an organisation seals with: the default organisation's is
   * organisationIdentity(); any other's is issued on first use (organisation creation) and kept.
   */
  organisationIdentityFor(org: { id: string; name: string; creditCode: string }): Promise<SigningIdentity>;
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
  /** Only read once: a DATA_DIR/pki left by an earlier version is moved into the key store. */
  dataDir: string;
  /** Opens the sealed keys of that DATA_DIR/pki. */
  masterKey: Buffer;
  /** Where every long-lived key is generated, imported and used; default: sealed in this database under masterKey. */
  keyStore?: KeyStore;
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
// Any constant shared by every instance: it serialises PKI start-ups on one database.
const PKI_LOCK = 7_240_114;

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
 * Loads the PKI from the database and its key store (creating a development hierarchy on first
 * start, or taking production material from importDir into the store), records every certificate
 * in the certificate table, and returns the service with every key opened.
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

  const imported: ImportedMaterial = opts.importDir ? await readImportDir(opts.importDir, opts.importPassword) : { identities: {} };
  const store = new CertificateStore(opts.db);
  const keyStore = opts.keyStore ?? createDatabaseKeyStore(opts.db, opts.masterKey);
  const state = new PkiState(opts.db, keyStore);
  const toRecord: { kind: CertKind; der: Buffer }[] = [];
  const legacyDir = path.join(opts.dataDir, 'pki');

  // Root and issuing CA.
  // Assigned under the start-up lock below.
  let rootDer!: Buffer;
  let issuing!: IssuerMaterial;
  /** Present when the root key is here (development PKI): the root's CRL is then signed by this service. */
  let rootIssuer: IssuerMaterial | undefined;
  const importedIssuing = imported.identities.issuing;

  // Service and organisation certificates: imported, else stored (still valid, from this CA, same subject), else freshly issued.
  async function serviceIdentity(kind: 'ocsp' | 'tsa' | 'organisation', defaultChain: Buffer[]): Promise<StoredMaterial> {
    const imp = imported.identities[kind];
    // RFC 6960 §4.2.2.2: a delegated responder is only trusted when the CA it answers for issued it.
    if (imp && kind === 'ocsp' && !issuedBy(imp.der, issuing)) {
      throw new PkiError('import_invalid', `${imp.source} is not issued by the issuing CA (required for a delegated OCSP responder)`);
    }
    if (imp) {
      const chain = imp.chain.length ? imp.chain : defaultChain;
      const known = await adoptedImport(kind, imp.der);
      return known ? { ...known, chain } : state.adopt(kind, imp.key, imp.der, chain, true);
    }
    const expectedSubject = nameToString(buildName(subjectOf(kind)));
    const stored = await state.load(kind);
    if (
      stored &&
      !stored.imported &&
      issuedBy(stored.der, issuing) &&
      !expiresSoon(stored.der) &&
      nameToString(parseCertificate(stored.der).subject) === expectedSubject
    ) {
      return { ...stored, chain: defaultChain };
    }
    const fresh = await state.issueNew(kind, (key) => new CertificateFactory(profiles.profiles[kind], issuing, urls).issue(subjectOf(kind), key.publicKey).der);
    return { ...fresh, chain: defaultChain };
  }
  /** Imported material already taken into the key store on an earlier start. */
  async function adoptedImport(role: ServiceRole, der: Buffer): Promise<StoredMaterial | undefined> {
    return state.certificateOf(role)?.equals(der) ? state.load(role) : undefined;
  }

  // One instance at a time: two starting on an empty database would otherwise each create a root.
  const ids = await opts.db.withLock(PKI_LOCK, async () => {
    await state.read();
    if (state.empty) {
      const legacy = await readLegacyPkiDir(legacyDir, opts.masterKey);
      for (const { role, der, key } of legacy) await state.adopt(role, key, der, [], false);
      if (legacy.length > 0) {
        opts.warn?.(`moved the PKI in ${legacyDir} into the ${keyStore.kind} key store; the folder is no longer read and can be archived offline`);
      }
    }
    if (importedIssuing) {
      rootDer = imported.root!;
      if (!new crypto.X509Certificate(importedIssuing.der).verify(new crypto.X509Certificate(rootDer).publicKey)) {
        throw new PkiError('import_invalid', `${importedIssuing.source} is not signed by root.pem`);
      }
      const known = await adoptedImport('issuing', importedIssuing.der);
      issuing = issuerFromDer(importedIssuing.der, (known ?? (await state.adopt('issuing', importedIssuing.key, importedIssuing.der, [], true))).key);
    } else {
      const root =
        (await state.load('root')) ??
        (await state.issueNew('root', (key) => new CertificateFactory(profiles.profiles.root, undefined, undefined).issue(subjectOf('root'), key.publicKey, key).der));
      rootDer = root.der;
      const rootCa = issuerFromDer(root.der, root.key);
      rootIssuer = rootCa;
      let stored = await state.load('issuing');
      if (!stored || !issuedBy(stored.der, rootCa)) {
        stored = await state.issueNew('issuing', (key) => new CertificateFactory(profiles.profiles.issuing, rootCa, issuingCaUrls).issue(subjectOf('issuing'), key.publicKey).der);
      }
      issuing = issuerFromDer(stored.der, stored.key);
    }
    const defaultChain = [issuing.der, rootDer];
    return {
      defaultChain,
      ocsp: await serviceIdentity('ocsp', defaultChain),
      tsa: await serviceIdentity('tsa', defaultChain),
      organisation: await serviceIdentity('organisation', defaultChain),
    };
  });
  const { defaultChain } = ids;
  const ocspId = ids.ocsp;
  const tsaId = ids.tsa;
  const orgId = ids.organisation;
  toRecord.push({ kind: 'root', der: rootDer }, { kind: 'issuing', der: issuing.der });
  toRecord.push({ kind: 'ocsp', der: ocspId.der }, { kind: 'tsa', der: tsaId.der }, { kind: 'organisation', der: orgId.der });

  const eventFactory = new CertificateFactory(profiles.profiles.event, issuing, urls, profiles.eventPolicy ? [profiles.eventPolicy] : []);
  const issuingSubject = nameToString(issuing.cert.subject);
  // The token carries the TSA's path short of the root, so a validator with only the root can build it.
  const tsaChain = tsaId.chain.filter((der) => !isSelfSigned(der));
  const tsa = new TimeStampAuthority({ der: tsaId.der, key: tsaId.key, chain: tsaChain }, profiles.tsaPolicy);
  const ocsp = new OcspResponder(issuing, { der: ocspId.der, key: ocspId.key }, store);
  const issuingX509 = new crypto.X509Certificate(issuing.der);
  const rootPemText = toPem(rootDer);
  const issuingPemText = toPem(issuing.der);
  const organisation: SigningIdentity = { signer: orgId.key, certificate: orgId.der, chain: orgId.chain };
  const organisations = new Map<string, Promise<SigningIdentity>>();

  async function recordCertificate(kind: CertKind, der: Buffer, organisationId?: string): Promise<void> {
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
      organisationId,
    });
  }

  /** Stored if still right for this organisation (from this CA, its name, not expiring), else issued now; one instance at a time. */
  async function otherOrganisation(org: { id: string; name: string; creditCode: string }): Promise<SigningIdentity> {
    validateUtility(org);
    const role = `organisation:${org.id}` as const;
    const subject = subjectOf('organisation', { 'utility.name': org.name, 'utility.creditCode': org.creditCode });
    const usable = (m: StoredMaterial | undefined): m is StoredMaterial =>
      !!m && issuedBy(m.der, issuing) && !expiresSoon(m.der) && nameToString(parseCertificate(m.der).subject) === nameToString(buildName(subject));
    let material = await state.reload(role).then(() => state.load(role));
    if (!usable(material)) {
      material = await opts.db.withLock(PKI_LOCK, async () => {
        await state.reload(role);
        const again = await state.load(role);
        if (usable(again)) return again;
        const fresh = await state.issueNew(role, (key) => new CertificateFactory(profiles.profiles.organisation, issuing, urls).issue(subject, key.publicKey).der);
        await recordCertificate('organisation', fresh.der, org.id);
        return fresh;
      });
    }
    return { signer: material.key, certificate: material.der, chain: defaultChain };
  }

  for (const { kind, der } of toRecord) await recordCertificate(kind, der);

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
    organisationIdentityFor(org) {
      if (org.id === 'default') return Promise.resolve(organisation);
      let known = organisations.get(org.id);
      if (!known) {
        known = otherOrganisation(org);
        // A failed issue is tried again on the next call, not remembered.
        known.catch(() => organisations.delete(org.id));
        organisations.set(org.id, known);
      }
      return known;
    },

    async issueEventCertificate(subject, link) {
      validateEventSubject(subject, link);
      const kp = generateP256();
      const cert = eventFactory.issue(subjectOf('event', { 'subject.name': subject.name, 'subject.idType': subject.idType, 'subject.idNumber': subject.idNumber }), kp.publicKey);
      await store.insert({
        serial: cert.serial, kind: 'event', subject: cert.subject, issuer: issuingSubject,
        notBefore: cert.notBefore, notAfter: cert.notAfter, der: cert.der, contractId: link.contractId, signerId: link.signerId,
      });
      return { signer: memorySigner(kp.privateKey), certificate: cert.der, chain: defaultChain, serial: cert.serial };
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
