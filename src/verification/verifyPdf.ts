// verifyPdf: discovery → byte ranges → CMS → coverage → later revisions → level → verdict.
import { createHash } from 'node:crypto';
import { getName, isDict, textString, type PdfDict } from '../pdf/cos.js';
import { PdfFormatError } from '../pdf/errors.js';
import type { PdfReader } from '../pdf/pdfReader.js';
import { checkByteRange } from './byteRange.js';
import { CmsFormatError, verifyCms, type CmsVerifyResult } from './cms/index.js';
import { coverageOf } from './coverage.js';
import { findSignatureFields, unreachableSignatureDictionaries, type SignatureField } from './discovery.js';
import { readDss } from './dss.js';
import { analyseRevision, type RevisionVerdict } from './modifications.js';
import { inputErrorOf, openPdf } from './openPdf.js';
import { padesLevel } from './padesLevel.js';
import { applyPermissions, permissionsOf } from './permissions.js';
import { checkParties } from './contractParties.js';
import type { ContractCheck, Modification, RegistryMatch, SignatureReport, VerificationReport, VerifyOptions } from './types.js';
import { judge, KNOWN_SUBFILTERS } from './verdictPolicy.js';

/** Beyond this many signatures the file is more likely an attack on the verifier than a contract. */
const MAX_SIGNATURES = 64;

export interface VerifyPolicyOptions {
  /** Default 'require' (unknown revocation ⇒ indeterminate); the offline CLI uses 'best_effort'. */
  revocationPolicy?: 'require' | 'best_effort';
}

export async function verifyPdf(pdf: Buffer, opts: VerifyOptions & VerifyPolicyOptions): Promise<VerificationReport> {
  try {
    return await verifyReadable(pdf, opts);
  } catch (e) {
    throw e instanceof PdfFormatError ? inputErrorOf(e) : e;
  }
}

async function verifyReadable(pdf: Buffer, opts: VerifyOptions & VerifyPolicyOptions): Promise<VerificationReport> {
  const reader = openPdf(pdf);
  try {
    const report = await verifyOpened(reader, pdf, opts);
    // Parts of the analysis tolerate unreadable objects; a decoding limit hit there still ends it.
    if (reader.limitHit) throw reader.limitHit;
    return report;
  } catch (e) {
    throw e instanceof PdfFormatError ? inputErrorOf(e) : e;
  }
}

async function verifyOpened(reader: PdfReader, pdf: Buffer, opts: VerifyOptions & VerifyPolicyOptions): Promise<VerificationReport> {
  const validationTime = opts.validationTime ?? new Date();
  const warnings = [...reader.structureWarnings];
  const latest = reader.atRevision(reader.revisions.length - 1);
  const scan = findSignatureFields(latest);
  warnings.push(...scan.warnings);
  if (scan.signatures.length > MAX_SIGNATURES) {
    warnings.push(`${scan.signatures.length} signatures: only the first ${MAX_SIGNATURES} were verified`);
    scan.signatures.length = MAX_SIGNATURES;
  }
  const reachable = new Set(scan.signatures.map((s) => s.sigNum).filter((n): n is number => n !== null));
  const orphans = unreachableSignatureDictionaries(latest, reachable);
  if (orphans.length) warnings.push(`signature dictionaries not reachable from the AcroForm (ignored): objects ${orphans.join(', ')}`);

  const sha256 = createHash('sha256').update(pdf).digest('hex');
  const dss = readDss(latest);
  if (dss) warnings.push(...dss.warnings);
  const revisionCache = new Map<number, RevisionVerdict>();
  const revisionVerdict = (i: number) => {
    let v = revisionCache.get(i);
    if (!v) revisionCache.set(i, (v = analyseRevision(reader, i)));
    return v;
  };
  const dssRevision = firstDssRevision(reader);

  const reports: SignatureReport[] = new Array(scan.signatures.length);
  const docTimestampRevisions: number[] = [];
  const cmsResults: Array<CmsVerifyResult | undefined> = new Array(scan.signatures.length);
  // Document timestamps from the last to the first: the last must hold now; an earlier one only until
  // the time of the later timestamp that covers it (a renewal), so a renewed file stays valid after the
  // first TSA certificate expires.
  let protectedUntil = validationTime;
  for (let i = scan.signatures.length - 1; i >= 0; i--) {
    const field = scan.signatures[i];
    if (field.type !== 'document_timestamp') continue;
    const { report, cms } = await verifyOne(reader, field, opts, protectedUntil, dss, revisionVerdict);
    reports[i] = report;
    cmsResults[i] = cms;
    // Only an intact timestamp from a TSA trusted at that point raises the signatures' level and covers earlier ones.
    if (report.integrity.status === 'ok' && report.chain.status === 'ok' && report.chain.trusted && report.coverage.signedRevision !== null) {
      docTimestampRevisions.push(report.coverage.signedRevision);
      if (report.signingTime.value) protectedUntil = new Date(report.signingTime.value);
    }
  }
  for (let i = 0; i < scan.signatures.length; i++) {
    if (scan.signatures[i].type === 'document_timestamp') continue;
    const { report, cms } = await verifyOne(reader, scan.signatures[i], opts, validationTime, dss, revisionVerdict);
    reports[i] = report;
    cmsResults[i] = cms;
  }

  const { fileMatch, revisionMatches } = await registryLookup(opts, pdf, sha256, reports, reader.revisions.map((r) => r.end));
  const contract = await registeredContract(opts, [fileMatch, ...revisionMatches], reports);
  const policy = { revocationPolicy: opts.revocationPolicy ?? 'require', structural: [] as string[], repaired: reader.repaired };
  reports.forEach((r, i) => {
    const cms = cmsResults[i];
    if (cms && r.type === 'signature') {
      r.padesLevel = padesLevel({ subFilter: r.subFilter, cms, dssRevision, docTimestampRevisions, signedRevision: r.coverage.signedRevision });
    }
    const { verdict, reasons } = judge(r, { ...policy, structural: structuralOf(r), cmsVerified: !!cms });
    r.verdict = verdict;
    r.reasons = reasons;
    if (policy.revocationPolicy === 'best_effort' && r.revocation.status === 'unknown') {
      r.weaknesses.push('revocation status could not be checked');
    }
  });

  // A document timestamp proves that bytes existed, not that anyone agreed: alone it signs nothing.
  const verdict: VerificationReport['verdict'] = !reports.some((r) => r.type === 'signature')
    ? 'no_signatures'
    : reports.some((r) => r.verdict === 'invalid')
      ? 'invalid'
      : reports.some((r) => r.verdict === 'indeterminate')
        ? 'indeterminate'
        : 'valid';
  return {
    verdict,
    sha256,
    size: pdf.length,
    revisions: reader.revisions.length,
    validationTime: validationTime.toISOString(),
    signatures: reports,
    registered: fileMatch,
    contract,
    warnings,
  };
}

const STRUCTURAL = new WeakMap<SignatureReport, string[]>();
function structuralOf(r: SignatureReport): string[] {
  return STRUCTURAL.get(r) ?? [];
}

async function verifyOne(
  reader: PdfReader,
  field: SignatureField,
  opts: VerifyOptions,
  validationTime: Date,
  dss: ReturnType<typeof readDss>,
  revisionVerdict: (i: number) => RevisionVerdict,
): Promise<{ report: SignatureReport; cms?: CmsVerifyResult }> {
  const sig = field.sig;
  const subFilter = getName(sig, 'SubFilter') ?? null;
  const claimed = pdfDate(sig);
  const structural: string[] = [];
  const weaknesses: string[] = [];
  if (subFilter === 'adbe.pkcs7.sha1') weaknesses.push('adbe.pkcs7.sha1: the CMS signs a SHA-1 digest of the document');
  else if (subFilter === null) weaknesses.push('no /SubFilter');
  else if (!KNOWN_SUBFILTERS.has(subFilter)) weaknesses.push(`unknown SubFilter ${subFilter}`);

  const br = field.error
    ? { ok: false as const, byteRange: null, reasons: [field.error] }
    : checkByteRange(reader.atRevision(reader.revisions.length - 1), field.sigNum, sig);
  const byteRange = br.ok ? br.region.byteRange : br.byteRange;
  if (!br.ok) structural.push(...br.reasons);
  else if (br.region.trailingBytes) weaknesses.push(`contents_trailing_data: /Contents carries ${br.region.trailingBytes} non-zero bytes after the ${br.region.cms.length}-byte CMS; they are not part of the signature and were ignored`);
  const coverage = coverageOf(reader, byteRange);
  if (coverage.kind === 'partial' && byteRange && br.ok) {
    const after = coverage.bytesAfter ? `; ${coverage.bytesAfter} bytes follow the signed range` : '';
    structural.push(`coverage_partial: the signed range ends at byte ${byteRange[2] + byteRange[3]}, which is not the end of a revision${after}`);
  }

  const modificationsAfter = { allowed: [] as Modification[], disallowed: [] as Modification[] };
  if (coverage.signedRevision !== null) {
    for (let i = coverage.signedRevision + 1; i < reader.revisions.length; i++) {
      const v = revisionVerdict(i);
      modificationsAfter.allowed.push(...v.allowed);
      modificationsAfter.disallowed.push(...v.disallowed);
    }
    if (reader.trailingBytes > 0 && coverage.kind !== 'entire_file') {
      modificationsAfter.disallowed.push({
        revision: reader.revisions.length - 1,
        objectNumber: null,
        what: 'trailing_data',
        rule: 'not_allowed',
        detail: `${reader.trailingBytes} bytes after the last %%EOF belong to no revision`,
      });
    }
  }

  const fieldDict = safeDict(reader, field.fieldNum);
  const permissions = coverage.signedRevision !== null ? permissionsOf(reader.atRevision(coverage.signedRevision), field.sigNum, sig, fieldDict) : { docMdp: null, certification: false, fieldLock: null };
  const judged = applyPermissions(modificationsAfter, permissions);

  let cms: CmsVerifyResult | undefined;
  if (br.ok) {
    try {
      cms = await verifyCms(br.region.cms, br.region.signedBytes, {
        trustAnchors: opts.trustAnchors,
        validationTime,
        extraCertificates: dss?.certs,
        embeddedCrls: dss?.crls,
        embeddedOcsps: dss?.ocsps,
        revocation: opts.revocation,
        allowOnline: opts.allowOnline,
        claimedSigningTime: claimed ? new Date(claimed) : undefined,
        documentTimestamp: field.type === 'document_timestamp',
      });
    } catch (e) {
      if (!(e instanceof CmsFormatError)) throw e;
      structural.push(`${e.code}: ${e.message}`);
    }
  }
  if (cms) {
    weaknesses.push(...cms.weaknesses);
    if (cms.signingCertificateAttribute === 'missing' && field.type === 'signature') weaknesses.push('no signing-certificate attribute: the signer certificate is not bound to the signature');
    if (cms.digestAlgorithm === 'SHA-1' || cms.digestAlgorithm === 'MD5') weaknesses.push(`${cms.digestAlgorithm} digest`);
  }

  const unknown = (reason: string) => ({ status: 'unknown' as const, reason });
  const report: SignatureReport = {
    fieldName: field.fieldName,
    objectNumber: field.sigNum,
    type: field.type,
    signer: cms?.signer ? cms.signer.subject : null,
    issuer: cms?.signer ? cms.signer.issuer : null,
    certificateSerial: cms?.signer?.serial ?? null,
    subFilter,
    padesLevel: null,
    digestAlgorithm: cms?.digestAlgorithm ?? null,
    signatureAlgorithm: cms?.signatureAlgorithm ?? null,
    signingTime: cms ? { value: cms.signingTime.value ?? null, source: cms.signingTime.source } : { value: claimed, source: claimed ? 'claimed' : 'none' },
    claimedSigningTime: claimed,
    integrity: cms?.integrity ?? { status: 'failed', reason: 'the signature could not be checked: see reasons' },
    coverage,
    chain: cms?.chain ?? { ...unknown('signature not verified'), trusted: false, path: [] },
    revocation: cms?.revocation ?? { status: 'unknown', source: 'none', reason: 'signature not verified' },
    timestamp: cms?.timestamp ?? { present: false },
    signingCertificateAttribute: cms?.signingCertificateAttribute ?? null,
    signingCertificateAttributesPresent: cms?.signingCertificateAttributesPresent ?? [],
    modificationsAfter: { allowed: judged.allowed, disallowed: judged.disallowed },
    modificationLevel: judged.level,
    permissions,
    weaknesses: [...new Set(weaknesses)],
    registered: { matched: false },
    party: null,
    verdict: 'indeterminate',
    reasons: [],
  };
  STRUCTURAL.set(report, structural);
  return { report, cms };
}

/** /M as ISO 8601, or null: a claim by the signing software, shown but never trusted. */
function pdfDate(sig: PdfDict): string | null {
  const m = sig.map.get('M');
  if (m?.type !== 'str') return null;
  const s = textString(m);
  const r = /^D:(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(?:([Zz+-])(\d{2})?'?(\d{2})?'?)?/.exec(s);
  if (!r) return null;
  const [, y, mo = '01', d = '01', h = '00', mi = '00', se = '00', sign, oh = '00', om = '00'] = r;
  const off = !sign || sign === 'Z' || sign === 'z' ? 'Z' : `${sign}${oh}:${om}`;
  const t = new Date(`${y}-${mo}-${d}T${h}:${mi}:${se}${off}`);
  return Number.isNaN(t.getTime()) ? null : t.toISOString();
}

function safeDict(reader: PdfReader, num: number): PdfDict | undefined {
  try {
    const v = reader.getObject(num).value;
    return isDict(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

function firstDssRevision(reader: PdfReader): number | null {
  for (let i = 0; i < reader.revisions.length; i++) {
    try {
      const d = readDss(reader.atRevision(i));
      if (d && (d.crls.length || d.ocsps.length)) return i;
    } catch {
      // an unreadable DSS earlier simply does not count
    }
  }
  return null;
}

/** The contract of the newest registered version in the file, with each signature checked against its parties. */
async function registeredContract(opts: VerifyOptions, found: RegistryMatch[], reports: SignatureReport[]): Promise<ContractCheck | null> {
  const matches = [...found, ...reports.map((r) => r.registered)].filter((m) => m.matched && m.contractId && m.version !== undefined);
  if (!matches.length || !opts.registry?.contract) return null;
  const newest = matches.reduce((a, b) => (b.version! > a.version! ? b : a));
  const contract = await opts.registry.contract(newest.contractId!);
  return contract ? checkParties(contract, newest.version!, reports) : null;
}

/** SHA-256 of each prefix pdf[0, end): one pass over the file however many revisions it has. */
function prefixHashes(pdf: Buffer, ends: Iterable<number>): Map<number, string> {
  const out = new Map<number, string>();
  const h = createHash('sha256');
  let at = 0;
  for (const end of [...ends].filter((e) => e > 0 && e <= pdf.length).sort((a, b) => a - b)) {
    h.update(pdf.subarray(at, end));
    at = end;
    out.set(end, h.copy().digest('hex'));
  }
  return out;
}

/**
 * Is this file, or the revision a signature covers, a document version this service issued? Every
 * revision is asked too: a signature made on top of an issued version (its unsigned first one is the
 * prefix of every later one) must still answer to that contract's parties.
 */
async function registryLookup(
  opts: VerifyOptions,
  pdf: Buffer,
  sha256: string,
  reports: SignatureReport[],
  revisionEnds: number[],
): Promise<{ fileMatch: RegistryMatch; revisionMatches: RegistryMatch[] }> {
  if (!opts.registry) return { fileMatch: { matched: false }, revisionMatches: [] };
  const ends = new Set<number>();
  for (const r of reports) if (r.coverage.signedRevision !== null && r.coverage.byteRange) ends.add(r.coverage.byteRange[2] + r.coverage.byteRange[3]);
  // The stored version may lack the end-of-line after %%EOF that the next revision's writer added.
  const stored = revisionEnds.map((end) => {
    let e = end;
    while (e > 0 && (pdf[e - 1] === 0x0a || pdf[e - 1] === 0x0d)) e--;
    return [end, e];
  });
  for (const pair of stored) pair.forEach((e) => ends.add(e));
  const revisionHash = prefixHashes(pdf, ends);
  const wanted = [...new Set([sha256, ...revisionHash.values()])];
  const rows = await opts.registry.lookup(wanted);
  const bySha = new Map(rows.map((r) => [r.sha256.toLowerCase(), r]));
  for (const r of reports) {
    const end = r.coverage.byteRange ? r.coverage.byteRange[2] + r.coverage.byteRange[3] : -1;
    const h = revisionHash.get(end);
    const hit = h ? bySha.get(h) : undefined;
    r.registered = hit ? { matched: true, scope: 'signed_revision', sha256: hit.sha256, contractId: hit.contractId, version: hit.version } : { matched: false };
  }
  const f = bySha.get(sha256);
  const revisionMatches = stored.flatMap((ends): RegistryMatch[] => {
    const hit = ends.map((end) => bySha.get(revisionHash.get(end) ?? '')).find((h) => h !== undefined);
    return hit ? [{ matched: true, sha256: hit.sha256, contractId: hit.contractId, version: hit.version }] : [];
  });
  return { fileMatch: f ? { matched: true, scope: 'file', sha256, contractId: f.contractId, version: f.version } : { matched: false }, revisionMatches };
}
