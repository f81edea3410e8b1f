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
import { parsePkcs12, readImportDir, type ImportedMaterial } from './importer.js';
import { assertUsableOrganisationCertificate } from './organisationCertificate.js';
import { errorResponse as ocspErrorResponse, OcspResponder } from './ocsp.js';
import { LiveIdentity } from './liveIdentity.js';
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
  /** `operator`: the CA operator's own tooling, which alone may revoke the root's sub-CAs (never the API). */
  revoke(serialHex: string, reason: string, opts?: { operator?: boolean }): Promise<{ serial: string; revokedAt: Date }>;
  /**
   * A new key and certificate for the TSA, the OCSP responder or an organisation, used from now on by
   * every instance (others within seconds); earlier signatures keep their certificates and keep verifying.
   */
  rotate(target: 'tsa' | 'ocsp' | { id: string; name: string; creditCode: string }): Promise<CertificateInfo>;
  /** The certificate an identity signs with now, and whether it may (revoked ones may not). */
  currentCertificate(target: 'tsa' | 'ocsp' | { id: string; name: string; creditCode: string }): Promise<CertificateInfo>;
  /**
   * An organisation's own certificate and key (PKCS#12), e.g. from a licensed CA, in place of the one
   * this CA issued: it must name the organisation, be valid now and chain to `trustAnchors` or this root.
   */
  importOrganisation(org: { id: string; name: string; creditCode: string }, pkcs12: Buffer, password: string, trustAnchors: Buffer[]): Promise<CertificateInfo>;
  /** The service identities (TSA, OCSP responder, default organisation) that cannot sign now. */
  unavailableIdentities(): Promise<string[]>;
  certificateStatus(serialHex: string): Promise<'good' | 'revoked' | 'unknown'>;
  /** The status with, for a revoked certificate, when and why: what a relying party's OCSP answer says. */
  revocationOf(serialHex: string): Promise<{ status: 'good' | 'revoked' | 'unknown'; revokedAt?: Date; reason?: string }>;
}

export interface CertificateInfo {
  serial: string;
  subject: string;
  notBefore: string;
  notAfter: string;
  status: 'good' | 'revoked';
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
  /** PKI_RECHECK_MS: how often each identity's key label and certificate status are read again (default 2 s). */
  identityRecheckMs?: number;
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

function expiresSoon(der: Buffer, now = Date.now(), within = RENEW_BEFORE_MS): boolean {
  return new Date(new crypto.X509Certificate(der).validTo).getTime() - now < within;
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
    const stored = await state.load(kind);
    if (stillRight(stored, subjectOf(kind), kind === 'organisation')) return stored.imported ? stored : { ...stored, chain: defaultChain };
    const fresh = await state.issueNew(kind, (key) => new CertificateFactory(profiles.profiles[kind], issuing, urls).issue(subjectOf(kind), key.publicKey).der);
    return { ...fresh, chain: defaultChain };
  }
  /**
   * Whether stored material may go on being used: an imported organisation certificate until it expires
   * (it is not ours to re-issue), this CA's own while it has the expected subject and is not about to expire.
   */
  function stillRight(m: StoredMaterial | undefined, subject: ReturnType<typeof subjectOf>, keepImported: boolean): m is StoredMaterial {
    if (!m) return false;
    if (m.imported) return keepImported && !expiresSoon(m.der, Date.now(), 0);
    return issuedBy(m.der, issuing) && !expiresSoon(m.der) && nameToString(parseCertificate(m.der).subject) === nameToString(buildName(subject));
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
  toRecord.push({ kind: 'root', der: rootDer }, { kind: 'issuing', der: issuing.der });
  toRecord.push({ kind: 'ocsp', der: ids.ocsp.der }, { kind: 'tsa', der: ids.tsa.der }, { kind: 'organisation', der: ids.organisation.der });

  const eventFactory = new CertificateFactory(profiles.profiles.event, issuing, urls, profiles.eventPolicy ? [profiles.eventPolicy] : []);
  const issuingSubject = nameToString(issuing.cert.subject);
  const liveDeps = { db: opts.db, state, recheckMs: opts.identityRecheckMs };
  // The token carries the TSA's path short of the root, so a validator with only the root can build it.
  const tsaLive = new LiveIdentity('tsa', ids.tsa, (m) => new TimeStampAuthority({ der: m.der, key: m.key, chain: m.chain.filter((der) => !isSelfSigned(der)) }, profiles.tsaPolicy), liveDeps);
  const ocspLive = new LiveIdentity('ocsp', ids.ocsp, (m) => new OcspResponder(issuing, { der: m.der, key: m.key }, store), liveDeps);
  const asIdentity = (m: StoredMaterial): SigningIdentity => ({ signer: m.key, certificate: m.der, chain: m.chain });
  const orgLive = new LiveIdentity('organisation', ids.organisation, asIdentity, liveDeps);
  const tsa = async () => (await tsaLive.use()).built;
  const issuingX509 = new crypto.X509Certificate(issuing.der);
  const rootPemText = toPem(rootDer);
  const issuingPemText = toPem(issuing.der);
  const organisations = new Map<string, Promise<LiveIdentity<SigningIdentity>>>();

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
  async function otherOrganisation(org: { id: string; name: string; creditCode: string }): Promise<LiveIdentity<SigningIdentity>> {
    validateUtility(org);
    const role = `organisation:${org.id}` as const;
    const subject = subjectOf('organisation', { 'utility.name': org.name, 'utility.creditCode': org.creditCode });
    const usable = (m: StoredMaterial | undefined): m is StoredMaterial => stillRight(m, subject, true);
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
    return new LiveIdentity(role, { ...material, chain: material.chain.length ? material.chain : defaultChain }, asIdentity, liveDeps);
  }

  function organisationLive(org: { id: string; name: string; creditCode: string }): Promise<LiveIdentity<SigningIdentity>> {
    if (org.id === 'default') return Promise.resolve(orgLive);
    let known = organisations.get(org.id);
    if (!known) {
      known = otherOrganisation(org);
      // A failed issue is tried again on the next call, not remembered.
      known.catch(() => organisations.delete(org.id));
      organisations.set(org.id, known);
    }
    return known;
  }

  const liveOf = async (target: 'tsa' | 'ocsp' | { id: string; name: string; creditCode: string }): Promise<LiveIdentity<unknown>> =>
    target === 'tsa' ? tsaLive : target === 'ocsp' ? ocspLive : organisationLive(target);

  async function describe(live: LiveIdentity<unknown>): Promise<CertificateInfo> {
    const problem = await live.problem();
    const { material, serial } = live.peek();
    const x = new crypto.X509Certificate(material.der);
    return {
      serial,
      subject: nameToString(parseCertificate(material.der).subject),
      notBefore: new Date(x.validFrom).toISOString(),
      notAfter: new Date(x.validTo).toISOString(),
      status: problem === 'revoked' ? 'revoked' : 'good',
    };
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
    organisationIdentity: () => orgLive.peek().built,
    async organisationIdentityFor(org) {
      return (await (await organisationLive(org)).use()).built;
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
      return (await tsa()).token(messageImprint);
    },
    async timestampWithTime(messageImprint) {
      return (await tsa()).tokenWithTime(messageImprint);
    },
    async respondTsa(reqDer) {
      return (await tsa()).respond(reqDer);
    },
    async respondOcsp(reqDer) {
      try {
        return await (await ocspLive.use()).built.respond(reqDer);
      } catch (err) {
        // A revoked responder signs nothing: tryLater (RFC 6960 §4.2.1) until it is rotated.
        if (err instanceof PkiError && err.code === 'certificate_unavailable') return ocspErrorResponse(3);
        throw err;
      }
    },

    crlDer: () => issuingCrl.current(),
    rootCrlDer: () => rootCrl.current(),
    timestampCertificateNotAfter: () => new Date(new crypto.X509Certificate(tsaLive.peek().material.der).validTo),

    async validationData(signingCertificates) {
      const ocsps: Buffer[] = [];
      const [{ material: tsaNow }, { material: ocspNow, built: ocsp }] = [await tsaLive.use(), await ocspLive.use()];
      for (const der of [...signingCertificates, tsaNow.der]) {
        // Only certificates of this CA: the responder answers from the database, which records them all.
        const x = new crypto.X509Certificate(der);
        if (x.checkIssued(issuingX509)) ocsps.push(await ocsp.responseFor(normaliseSerialHex(x.serialNumber)));
      }
      const certs = [...signingCertificates, tsaNow.der, ...tsaNow.chain, ...defaultChain, issuing.der, rootDer, ocspNow.der];
      const crls = [await issuingCrl.current(), await rootCrl.current()].filter((c): c is Buffer => !!c);
      return { certs: [...new Map(certs.map((c) => [c.toString('base64'), c])).values()], ocsps, crls };
    },

    async revoke(serialHex, reason, revokeOpts) {
      if (!(REVOCATION_REASONS as readonly string[]).includes(reason)) {
        throw new PkiError('bad_request', `reason must be one of ${REVOCATION_REASONS.join(', ')}`);
      }
      const serial = normaliseSerialHex(serialHex);
      const kind = await store.kindOf(serial);
      if (kind === 'root' || (kind === 'issuing' && !revokeOpts?.operator)) {
        throw new PkiError('not_revocable', `certificate ${serial} is the ${kind === 'root' ? 'root' : 'issuing'} CA: its operator revokes it offline, not through the API`);
      }
      const revokedAt = await store.revoke(serial, reason as RevocationReason);
      issuingCrl.invalidate();
      rootCrl.invalidate?.();
      // Out of use here at once; other instances see it within PKI_RECHECK_MS.
      for (const live of [tsaLive, ocspLive, orgLive]) live.invalidate();
      for (const p of organisations.values()) void p.then((l) => l.invalidate(), () => undefined);
      return { serial, revokedAt };
    },

    async rotate(target) {
      const live = await liveOf(target);
      if (live.peek().material.imported) {
        throw new PkiError('not_rotatable', `the ${live.role} certificate was imported (PKI_IMPORT_DIR): import its successor instead`);
      }
      const subject =
        typeof target === 'string' ? subjectOf(target) : subjectOf('organisation', { 'utility.name': target.name, 'utility.creditCode': target.creditCode });
      const kind: CertKind = typeof target === 'string' ? target : 'organisation';
      await opts.db.withLock(PKI_LOCK, async () => {
        const fresh = await state.issueNew(live.role, (key) => new CertificateFactory(profiles.profiles[kind], issuing, urls).issue(subject, key.publicKey).der);
        await recordCertificate(kind, fresh.der, typeof target === 'string' ? undefined : target.id);
      });
      live.invalidate();
      await live.use();
      return describe(live);
    },

    currentCertificate: async (target) => describe(await liveOf(target)),

    async importOrganisation(org, pkcs12, password, trustAnchors) {
      const imp = parsePkcs12(pkcs12, password, 'the PKCS#12 file');
      assertUsableOrganisationCertificate(org, imp.der, imp.chain, [rootDer, ...trustAnchors]);
      const role = org.id === 'default' ? 'organisation' : (`organisation:${org.id}` as const);
      const live = await organisationLive(org);
      await opts.db.withLock(PKI_LOCK, async () => {
        await state.adopt(role, imp.key, imp.der, imp.chain, true);
        await recordCertificate('organisation', imp.der, org.id);
      });
      live.invalidate();
      await live.use();
      return describe(live);
    },

    async unavailableIdentities() {
      const out: string[] = [];
      for (const live of [tsaLive, ocspLive, orgLive]) if (await live.problem()) out.push(live.role);
      return out;
    },

    async certificateStatus(serialHex) {
      const s = await store.status(normaliseSerialHex(serialHex));
      return s ? s.status : 'unknown';
    },

    async revocationOf(serialHex) {
      return (await store.status(normaliseSerialHex(serialHex))) ?? { status: 'unknown' };
    },
  };
}
