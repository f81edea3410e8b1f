// The interface agreed with the PDF half of the verifier (src/verification). Kept free of any PDF notion.

export interface Subject { commonName?: string; organisation?: string; serialNumber?: string; country?: string; dn: string /* RFC 4514-ish string */ }
export interface CertificateInfo { subject: Subject; issuer: Subject; serial: string /* lowercase hex, no leading 00 */; notBefore: string; notAfter: string; sha256: string; selfSigned: boolean }
export type Check = { status: 'ok' } | { status: 'failed'; reason: string } | { status: 'unknown'; reason: string };
export interface RevocationAnswer { status: 'good' | 'revoked' | 'unknown'; source: 'embedded_crl' | 'embedded_ocsp' | 'local' | 'online_ocsp' | 'online_crl' | 'none'; revokedAt?: string; reason?: string; checkedAt?: string }
/** How the caller lets the verifier learn revocation status beyond what the CMS / DSS embed: e.g. the service's own PKI database. */
export interface RevocationSource { status(cert: Buffer /*DER*/, issuer: Buffer /*DER*/): Promise<RevocationAnswer | undefined> }
export interface CmsVerifyOptions {
  trustAnchors: Buffer[];            // DER root certificates
  validationTime?: Date;             // --at: "as of"; default now
  extraCertificates?: Buffer[];      // e.g. from the PDF's DSS /Certs
  embeddedCrls?: Buffer[];           // DER CRLs from DSS /CRLs or the CMS revocationInfoChoices / adbe-revocationInfoArchival
  embeddedOcsps?: Buffer[];          // DER OCSPResponses from DSS /OCSPs or adbe-revocationInfoArchival
  revocation?: RevocationSource;
  allowOnline?: boolean;             // fetch OCSP (AIA) / CRL (CDP) over HTTP with a 5 s timeout; default false
  claimedSigningTime?: Date;         // the PDF /M, used only when there is no timestamp and for reporting
  documentTimestamp?: boolean;       // the CMS is an RFC 3161 token over the signed bytes (PDF /DocTimeStamp)
}
export interface CmsVerifyResult {
  signer?: CertificateInfo;          // absent when no certificate matches the SignerInfo sid
  chainCertificates: CertificateInfo[];
  digestAlgorithm: string;           // 'SHA-256' | 'SHA-384' | 'SHA-512' | 'SHA-1' | 'MD5' | OID
  signatureAlgorithm: string;        // e.g. 'ECDSA-SHA256', 'RSA-SHA256', 'RSASSA-PSS'
  integrity: Check & { messageDigestMatches?: boolean; signatureValid?: boolean };
  /** 'v2' when a v2 attribute is present and every ESS attribute present names the signer certificate */
  signingCertificateAttribute: 'v2' | 'v1' | 'missing' | 'mismatch';
  signingCertificateAttributesPresent: ('v1' | 'v2')[];
  timestamp: { present: false } | { present: true; valid: boolean; time?: string; tsa?: Subject; reason?: string; chainTrusted?: boolean };
  signingTime: { value?: string; source: 'timestamp' | 'claimed' | 'none' };
  chain: Check & { trusted: boolean; path: CertificateInfo[] /* signer → anchor */ };
  revocation: RevocationAnswer;
  weaknesses: string[];
  levelHints: {
    hasSignatureTimestamp: boolean;
    hasEmbeddedRevocation: boolean;
    /** Subjects of the signer's and the signature-timestamp TSA's certificates (anchors excepted) that no embedded CRL or OCSP response covers. */
    withoutRevocationData: string[];
  };
}
