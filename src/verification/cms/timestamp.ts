// RFC 3161 signature timestamp (the unsigned signatureTimeStampToken attribute, ETSI EN 319 122-1
// §5.3): a CMS SignedData over a TSTInfo whose imprint is the hash of the signature value. The
// token is verified with the same integrity code as the outer signature.
import * as pkijs from 'pkijs';
import { digestInfo, hash, WEAK_DIGESTS } from './algorithms.js';
import { OID_EKU_TIMESTAMPING, parseCertificate, type ParsedCert } from './certificates.js';
import { buildPath, pathProblems } from './chain.js';
import { checkSigningCertificate } from './essSigningCertificate.js';
import { checkIntegrity } from './integrity.js';
import { parseSignedData, type ParsedSignedData } from './signedData.js';
import type { Subject } from './types.js';

export const OID_SIGNATURE_TIMESTAMP = '1.2.840.113549.1.9.16.2.14';
const OID_TST_INFO = '1.2.840.113549.1.9.16.1.4';

export interface TimestampOutcome {
  valid: boolean;
  time?: Date;
  tsa?: Subject;
  reason?: string;
  chainTrusted?: boolean;
  /** The TSA certificate's path (TSA first), when the token verified: its revocation data decides B-LT. */
  path?: ParsedCert[];
  weaknesses: string[];
  /** CRLs / OCSP responses the token carries, usable as evidence for the outer signature too */
  crls: Buffer[];
  ocsps: Buffer[];
}

/**
 * The time and imprint check of a document timestamp (ETSI.RFC3161 in a PDF): the token's own CMS
 * signs the TSTInfo, whose imprint must be the hash of the document's signed bytes.
 */
export function documentTimestampInfo(token: ParsedSignedData, signedBytes: Buffer): { time: Date; imprintMatches: boolean; weaknesses: string[] } | { reason: string } {
  if (token.eContentType !== OID_TST_INFO || !token.eContent) return { reason: 'the document timestamp does not encapsulate a TSTInfo' };
  let tst: pkijs.TSTInfo;
  try {
    tst = pkijs.TSTInfo.fromBER(new Uint8Array(token.eContent));
  } catch (e) {
    return { reason: `malformed TSTInfo: ${(e as Error).message}` };
  }
  const alg = digestInfo(tst.messageImprint.hashAlgorithm.algorithmId);
  if (!alg) return { reason: `unsupported timestamp imprint algorithm ${tst.messageImprint.hashAlgorithm.algorithmId}` };
  const imprint = Buffer.from(tst.messageImprint.hashedMessage.valueBlock.valueHexView);
  return {
    time: tst.genTime,
    imprintMatches: imprint.equals(hash(alg.node, signedBytes)),
    weaknesses: WEAK_DIGESTS.has(alg.name) ? [`timestamp imprint ${alg.name} is not acceptable`] : [],
  };
}

export function verifyTimestampToken(tokenDer: Buffer, signatureValue: Buffer, pool: ParsedCert[], anchors: ParsedCert[]): TimestampOutcome {
  const weaknesses: string[] = [];
  const invalid = (reason: string, extra: Partial<TimestampOutcome> = {}): TimestampOutcome => ({ valid: false, reason, weaknesses, crls: [], ocsps: [], ...extra });
  let token;
  try {
    token = parseSignedData(tokenDer);
  } catch (e) {
    return invalid(`timestamp token is not a CMS SignedData: ${(e as Error).message}`);
  }
  if (token.eContentType !== OID_TST_INFO || !token.eContent) return invalid('timestamp token does not encapsulate a TSTInfo');
  let tst: pkijs.TSTInfo;
  try {
    tst = pkijs.TSTInfo.fromBER(new Uint8Array(token.eContent));
  } catch (e) {
    return invalid(`malformed TSTInfo: ${(e as Error).message}`);
  }
  const time = tst.genTime;
  const si = token.signerInfos[0];
  const tokenPool = [...token.certificates.map(parseCertificate).filter((c): c is ParsedCert => !!c), ...pool];
  // The TSTInfo is the encapsulated content, so "signedBytes" for the token's own integrity check is the eContent.
  const integ = checkIntegrity(token, si, token.eContent, tokenPool);
  const tsaCert = integ.signerCert;
  const base = { time, tsa: tsaCert?.subject, crls: token.crls, ocsps: token.ocsps };
  if (integ.integrity.status !== 'ok') return invalid(`timestamp token signature: ${integ.integrity.reason}`, base);
  if (WEAK_DIGESTS.has(integ.digestAlgorithm)) weaknesses.push(`timestamp token digest ${integ.digestAlgorithm} is not acceptable`);

  const imprintAlg = digestInfo(tst.messageImprint.hashAlgorithm.algorithmId);
  if (!imprintAlg) return invalid(`unsupported timestamp imprint algorithm ${tst.messageImprint.hashAlgorithm.algorithmId}`, base);
  if (WEAK_DIGESTS.has(imprintAlg.name)) weaknesses.push(`timestamp imprint ${imprintAlg.name} is not acceptable`);
  const imprint = Buffer.from(tst.messageImprint.hashedMessage.valueBlock.valueHexView);
  if (!imprint.equals(hash(imprintAlg.node, signatureValue))) return invalid('timestamp imprint is not the hash of this signature value', base);

  // RFC 3161 §2.3: the TSA certificate carries exactly the timeStamping purpose, marked critical.
  const eku = tsaCert!.extKeyUsage;
  if (!eku?.purposes.includes(OID_EKU_TIMESTAMPING)) return invalid('TSA certificate lacks extended key usage timeStamping', base);
  if (!eku.critical) weaknesses.push('TSA certificate extended key usage is not critical');
  if (checkSigningCertificate(si, tsaCert).outcome === 'mismatch') return invalid('timestamp signing-certificate attribute does not match the TSA certificate', base);

  const built = buildPath(tsaCert!, tokenPool, anchors);
  const problems = pathProblems(built, [{ at: time, what: 'the timestamp time' }], anchors, 'timestamping');
  if (problems.length) return invalid(`TSA certificate path: ${problems[0]}`, { ...base, chainTrusted: false });
  if (!built.trusted) {
    return { valid: true, ...base, chainTrusted: false, path: built.path, reason: built.brokenSignature ?? built.unsupportedSignature ?? 'TSA certificate does not chain to a trust anchor', weaknesses };
  }
  return { valid: true, ...base, chainTrusted: true, path: built.path, weaknesses };
}
