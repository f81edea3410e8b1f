import crypto from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import './engine.js';
import type { KeySigner } from '../keys/keySigner.js';
import { OID, randomSerial, serialHexFromBytes, sha1, signedEnvelope, tlv, toArrayBuffer } from './der.js';
import { validityEnd, type CertProfile, type KeyUsageName } from './profiles.js';

const ATTRIBUTE_OIDS: Record<string, string> = {
  C: '2.5.4.6', ST: '2.5.4.8', L: '2.5.4.7', O: '2.5.4.10', OU: '2.5.4.11', CN: '2.5.4.3',
  serialNumber: '2.5.4.5', organizationIdentifier: '2.5.4.97', title: '2.5.4.12',
};
const KEY_USAGE_BITS: Record<KeyUsageName, number> = {
  digitalSignature: 0, nonRepudiation: 1, keyEncipherment: 2, dataEncipherment: 3,
  keyAgreement: 4, keyCertSign: 5, cRLSign: 6,
};
const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;

/** CA material an issuer needs in memory: parsed once, reused for every certificate it signs. */
export interface IssuerMaterial {
  der: Buffer;
  cert: pkijs.Certificate;
  key: KeySigner;
  subjectKeyId: Buffer;
  notAfter: Date;
}

export interface RevocationUrls {
  crl: string;
  /** Absent for a CA certificate: the delegated responder answers only for what the issuing CA issued. */
  ocsp?: string;
  /** The issuer's certificate as DER (application/pkix-cert), RFC 5280 §4.2.2.1. */
  caIssuers: string;
}

export interface IssuedCertificate {
  der: Buffer;
  serial: string;
  subject: string;
  notBefore: Date;
  notAfter: Date;
}

/** Country codes and serial numbers are PrintableString by X.520; everything else (Chinese names) is UTF8String. */
function attributeValue(type: string, value: string): asn1js.PrintableString | asn1js.Utf8String {
  if ((type === 'C' || type === 'serialNumber') && PRINTABLE.test(value)) return new asn1js.PrintableString({ value });
  return new asn1js.Utf8String({ value });
}

/**
 * One attribute per RDN (SEQUENCE OF SET { one AttributeTypeAndValue }). pkijs would put all
 * attributes into a single multi-valued RDN, which tools print as "C=CN + O=… + CN=…" and
 * which breaks name matching, so the Name is encoded here and then parsed back.
 */
export function buildName(attrs: { type: string; value: string }[]): pkijs.RelativeDistinguishedNames {
  const rdns = attrs.map(({ type, value }) => {
    const oid = ATTRIBUTE_OIDS[type] ?? (/^\d+(\.\d+)+$/.test(type) ? type : undefined);
    if (!oid) throw new Error(`unknown subject attribute type ${type}`);
    const atv = new pkijs.AttributeTypeAndValue({ type: oid, value: attributeValue(type, value) });
    return tlv(0x31, Buffer.from(atv.toSchema().toBER()));
  });
  return pkijs.RelativeDistinguishedNames.fromBER(toArrayBuffer(tlv(0x30, ...rdns)));
}

/** One-line, human-readable form (RFC 4514 order reversed to the familiar C=…, O=…, CN=… reading order) for the DB and logs. */
export function nameToString(name: pkijs.RelativeDistinguishedNames): string {
  const short = Object.fromEntries(Object.entries(ATTRIBUTE_OIDS).map(([k, v]) => [v, k]));
  return name.typesAndValues
    .map((tv) => `${short[tv.type] ?? tv.type}=${String((tv.value as { valueBlock: { value: unknown } }).valueBlock.value)}`)
    .join(', ');
}

function keyUsageDer(usages: KeyUsageName[]): ArrayBuffer {
  let bits = 0;
  for (const u of usages) bits |= 0x8000 >> KEY_USAGE_BITS[u]; // named bit 0 is the most significant bit of the first byte
  const bytes = bits & 0xff ? [bits >> 8, bits & 0xff] : [bits >> 8];
  const last = bytes[bytes.length - 1];
  let unused = 0;
  while (unused < 7 && !(last & (1 << unused))) unused++;
  return toArrayBuffer(Buffer.from([0x03, bytes.length + 1, unused, ...bytes]));
}

function ext(extnID: string, critical: boolean, value: ArrayBuffer): pkijs.Extension {
  return new pkijs.Extension({ extnID, critical, extnValue: value });
}

const VERSION_3 = Buffer.from('a003020102', 'hex');

/** Uncompressed EC point (the subjectPublicKey BIT STRING value) without an ASN.1 parse. */
function ecPoint(key: crypto.KeyObject): Buffer | undefined {
  const jwk = key.export({ format: 'jwk' });
  if (jwk.kty !== 'EC' || !jwk.x || !jwk.y) return undefined;
  return Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x, 'base64url'), Buffer.from(jwk.y, 'base64url')]);
}

export function subjectKeyIdOf(spki: pkijs.PublicKeyInfo): Buffer {
  // RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING value.
  return sha1(spki.subjectPublicKey.valueBlock.valueHexView);
}

export function parseCertificate(der: Buffer): pkijs.Certificate {
  return pkijs.Certificate.fromBER(toArrayBuffer(der));
}

export function issuerFromDer(der: Buffer, key: KeySigner): IssuerMaterial {
  const cert = pkijs.Certificate.fromBER(toArrayBuffer(der));
  const skiExt = cert.extensions?.find((e) => e.extnID === OID.subjectKeyIdentifier);
  const subjectKeyId = skiExt
    ? Buffer.from((asn1js.fromBER(skiExt.extnValue.valueBlock.valueHexView).result as asn1js.OctetString).valueBlock.valueHexView)
    : subjectKeyIdOf(cert.subjectPublicKeyInfo);
  return { der, cert, key, subjectKeyId, notAfter: cert.notAfter.value };
}

function utcOrGeneralized(d: Date): pkijs.Time {
  // RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050.
  return new pkijs.Time({ type: d.getUTCFullYear() < 2050 ? 0 : 1, value: d });
}

/**
 * Issues certificates of one profile from one issuer. Everything that does not depend on the
 * subject (issuer name, AKI, key usage, EKU, CDP/AIA) is encoded once here, because event
 * certificates are issued on the signing hot path.
 */
export class CertificateFactory {
  private readonly staticExtensionDers: Buffer[];
  private readonly issuerNameDer: Buffer | undefined;

  constructor(
    private readonly profile: CertProfile,
    /** undefined = self-signed (root). */
    private readonly issuer: IssuerMaterial | undefined,
    urls: RevocationUrls | undefined,
    policies: string[] = [],
  ) {
    const p = profile;
    const exts: pkijs.Extension[] = [];
    if (p.basicConstraints) {
      const bc = new pkijs.BasicConstraints({
        cA: p.basicConstraints.ca,
        ...(p.basicConstraints.pathLen !== undefined ? { pathLenConstraint: p.basicConstraints.pathLen } : {}),
      });
      exts.push(ext(OID.basicConstraints, p.basicConstraints.critical, bc.toSchema().toBER()));
    }
    exts.push(ext(OID.keyUsage, p.keyUsage.critical, keyUsageDer(p.keyUsage.usages)));
    if (p.extKeyUsage) {
      const eku = new pkijs.ExtKeyUsage({ keyPurposes: p.extKeyUsage.purposes });
      exts.push(ext(OID.extKeyUsage, p.extKeyUsage.critical, eku.toSchema().toBER()));
    }
    if (issuer) {
      const aki = new pkijs.AuthorityKeyIdentifier({ keyIdentifier: new asn1js.OctetString({ valueHex: toArrayBuffer(issuer.subjectKeyId) }) });
      exts.push(ext(OID.authorityKeyIdentifier, false, aki.toSchema().toBER()));
    }
    if (p.revocationPointers && urls) {
      const cdp = new pkijs.CRLDistributionPoints({
        distributionPoints: [new pkijs.DistributionPoint({ distributionPoint: [new pkijs.GeneralName({ type: 6, value: urls.crl })] })],
      });
      exts.push(ext(OID.crlDistributionPoints, false, cdp.toSchema().toBER()));
      const aia = new pkijs.InfoAccess({
        accessDescriptions: [
          ...(urls.ocsp ? [new pkijs.AccessDescription({ accessMethod: OID.adOcsp, accessLocation: new pkijs.GeneralName({ type: 6, value: urls.ocsp }) })] : []),
          new pkijs.AccessDescription({ accessMethod: OID.adCaIssuers, accessLocation: new pkijs.GeneralName({ type: 6, value: urls.caIssuers }) }),
        ],
      });
      exts.push(ext(OID.authorityInfoAccess, false, aia.toSchema().toBER()));
    }
    const allPolicies = [...(p.policies ?? []), ...policies];
    if (allPolicies.length) {
      const cp = new pkijs.CertificatePolicies({ certificatePolicies: allPolicies.map((policyIdentifier) => new pkijs.PolicyInformation({ policyIdentifier })) });
      exts.push(ext(OID.certificatePolicies, false, cp.toSchema().toBER()));
    }
    if (p.ocspNoCheck) exts.push(ext(OID.ocspNoCheck, false, new asn1js.Null().toBER()));
    this.staticExtensionDers = exts.map((e) => Buffer.from(e.toSchema().toBER()));
    this.issuerNameDer = issuer ? Buffer.from(issuer.cert.subject.toSchema().toBER()) : undefined;
  }

  issue(
    subject: { type: string; value: string }[],
    publicKey: crypto.KeyObject,
    /** Required for a self-signed certificate. */
    selfKey?: KeySigner,
    now = new Date(),
  ): IssuedCertificate {
    const serial = randomSerial();
    const notBefore = new Date(Math.floor(now.getTime() / 1000) * 1000 - this.profile.backdateSeconds * 1000);
    let notAfter = validityEnd(this.profile, new Date(Math.floor(now.getTime() / 1000) * 1000));
    // A certificate must not outlive its issuer: relying parties would reject the tail anyway.
    if (this.issuer && notAfter > this.issuer.notAfter) notAfter = new Date(this.issuer.notAfter);

    // Per-call work is assembled from pre-encoded parts: re-encoding the issuer name and the
    // static extensions through asn1js on every call tripled the cost of an event certificate.
    const spkiDer = publicKey.export({ type: 'spki', format: 'der' });
    const point = ecPoint(publicKey);
    const ski = point ? sha1(point) : subjectKeyIdOf(pkijs.PublicKeyInfo.fromBER(toArrayBuffer(spkiDer)));
    const subjectName = buildName(subject);
    const subjectDer = Buffer.from(subjectName.toSchema().toBER());
    const skiExt = Buffer.from(ext(OID.subjectKeyIdentifier, false, new asn1js.OctetString({ valueHex: toArrayBuffer(ski) }).toBER()).toSchema().toBER());
    const extDers = [skiExt, ...this.staticExtensionDers];
    if (!this.issuer) {
      const aki = new pkijs.AuthorityKeyIdentifier({ keyIdentifier: new asn1js.OctetString({ valueHex: toArrayBuffer(ski) }) });
      extDers.push(Buffer.from(ext(OID.authorityKeyIdentifier, false, aki.toSchema().toBER()).toSchema().toBER()));
    }
    const signer = this.issuer?.key ?? selfKey;
    if (!signer) throw new Error('self-signed certificate needs its own private key');
    const tbs = tlv(
      0x30,
      VERSION_3,
      tlv(0x02, serial),
      signer.algorithmDer,
      this.issuerNameDer ?? subjectDer,
      tlv(0x30, Buffer.from(utcOrGeneralized(notBefore).toSchema().toBER()), Buffer.from(utcOrGeneralized(notAfter).toSchema().toBER())),
      subjectDer,
      spkiDer,
      tlv(0xa3, tlv(0x30, ...extDers)),
    );
    return { der: signedEnvelope(tbs, signer), serial: serialHexFromBytes(serial), subject: nameToString(subjectName), notBefore, notAfter };
  }
}
