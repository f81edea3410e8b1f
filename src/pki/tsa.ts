import crypto from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import './engine.js';
import type { KeySigner } from '../keys/keySigner.js';
import { OID, randomSerial, sha256, tlv, toArrayBuffer } from './der.js';
import { PkiError } from './errors.js';

const INTEGER_1 = Buffer.from([0x02, 0x01, 0x01]);
const INTEGER_3 = Buffer.from([0x02, 0x01, 0x03]);
const DIGEST_LENGTHS: Record<string, number> = { [OID.sha256]: 32, [OID.sha384]: 48, [OID.sha512]: 64 };
/**
 * The nonce is echoed into a token signed in the utility's name: a long one would let a client put
 * arbitrary data under that signature. 20 bytes (160 bits) is more than any replay check needs.
 */
const MAX_NONCE_BYTES = 20;

/** PKIFailureInfo bit numbers (RFC 3161 §2.4.2). */
const FAIL = { badAlg: 0, badRequest: 2, badDataFormat: 5, unacceptedPolicy: 15, systemFailure: 25 } as const;

export interface TsaMaterial {
  der: Buffer;
  key: KeySigner;
  /** DER certificates from the TSA's issuer up to (not including) the root, sent with the TSA certificate. */
  chain?: Buffer[];
}

/**
 * RFC 3161 time-stamping with RFC 5816 ESSCertIDv2: the token is CMS SignedData over a
 * TSTInfo, with signed attributes contentType, messageDigest and signingCertificateV2
 * (OpenSSL and PAdES validators refuse tokens without the signing-certificate attribute).
 */
export class TimeStampAuthority {
  private readonly cert: pkijs.Certificate;
  private readonly staticAttrs: pkijs.Attribute[];
  private readonly sha256AlgDer = Buffer.from(new pkijs.AlgorithmIdentifier({ algorithmId: OID.sha256 }).toSchema().toBER());
  private readonly tstInfoOidDer = Buffer.from(new asn1js.ObjectIdentifier({ value: OID.tstInfo }).toBER());
  private readonly signedDataOidDer = Buffer.from(new asn1js.ObjectIdentifier({ value: OID.signedData }).toBER());
  private readonly sidDer: Buffer;
  private readonly certificatesDer: Buffer;

  constructor(
    private readonly tsa: TsaMaterial,
    readonly policy: string,
  ) {
    this.cert = pkijs.Certificate.fromBER(toArrayBuffer(tsa.der));
    const issuerSerial = new asn1js.Sequence({
      value: [
        new asn1js.Sequence({ value: [new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 4 }, value: [this.cert.issuer.toSchema()] })] }),
        this.cert.serialNumber,
      ],
    });
    // hashAlgorithm is omitted because SHA-256 is its DEFAULT (DER forbids encoding a default).
    const essCertIdV2 = new asn1js.Sequence({ value: [new asn1js.OctetString({ valueHex: toArrayBuffer(sha256(tsa.der)) }), issuerSerial] });
    this.certificatesDer = tlv(0xa0, tsa.der, ...(tsa.chain ?? []));
    this.sidDer = Buffer.from(new pkijs.IssuerAndSerialNumber({ issuer: this.cert.issuer, serialNumber: this.cert.serialNumber }).toSchema().toBER());
    this.staticAttrs = [
      new pkijs.Attribute({ type: OID.contentType, values: [new asn1js.ObjectIdentifier({ value: OID.tstInfo })] }),
      new pkijs.Attribute({ type: OID.signingCertificateV2, values: [new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [essCertIdV2] })] })] }),
    ];
  }

  /** TimeStampToken (ContentInfo) for a digest; nonce is the INTEGER of the request, echoed verbatim. */
  token(imprint: Buffer, hashOid: string = OID.sha256, opts: { nonce?: asn1js.Integer; includeCert?: boolean } = {}): Buffer {
    return this.tokenWithTime(imprint, hashOid, opts).token;
  }

  /** The token and the genTime it carries, so in-process callers need not parse what they just made. */
  tokenWithTime(
    imprint: Buffer,
    hashOid: string = OID.sha256,
    opts: { nonce?: asn1js.Integer; includeCert?: boolean } = {},
  ): { token: Buffer; genTime: Date } {
    const genTime = new Date();
    const expected = DIGEST_LENGTHS[hashOid];
    if (!expected) throw new PkiError('bad_request', `unsupported message imprint algorithm ${hashOid}`);
    if (imprint.length !== expected) throw new PkiError('bad_request', `message imprint must be ${expected} bytes, got ${imprint.length}`);

    const tstInfo = new pkijs.TSTInfo({
      version: 1,
      policy: this.policy,
      messageImprint: new pkijs.MessageImprint({
        hashAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: hashOid }),
        hashedMessage: new asn1js.OctetString({ valueHex: toArrayBuffer(imprint) }),
      }),
      serialNumber: new asn1js.Integer({ valueHex: toArrayBuffer(randomSerial()) }),
      genTime,
      accuracy: new pkijs.Accuracy({ seconds: 1 }),
      ...(opts.nonce ? { nonce: opts.nonce } : {}),
    });
    const tstDer = Buffer.from(tstInfo.toSchema().toBER());

    const attrs = [
      ...this.staticAttrs,
      new pkijs.Attribute({ type: OID.messageDigest, values: [new asn1js.OctetString({ valueHex: toArrayBuffer(sha256(tstDer)) })] }),
    ];
    // SET OF is DER-sorted by encoding; verifiers re-encode the set before hashing, so the order we sign must be that order.
    const sorted = attrs
      .map((a) => ({ a, der: Buffer.from(a.toSchema().toBER()) }))
      .sort((x, y) => Buffer.compare(x.der, y.der));
    const signedAttrs = new pkijs.SignedAndUnsignedAttributes({ type: 0, attributes: sorted.map((s) => s.a) });
    const setDer = Buffer.from(signedAttrs.toSchema().toBER());
    setDer[0] = 0x31; // signature covers the attributes with the universal SET tag, not the [0] IMPLICIT one
    const signature = this.tsa.key.sign(setDer);

    // SignedData and SignerInfo are assembled from pre-encoded parts (certificate, sid,
    // algorithm identifiers): letting pkijs re-encode the certificate on every token cost ~1.5 ms.
    const signerInfo = tlv(
      0x30,
      INTEGER_1,
      this.sidDer,
      this.sha256AlgDer,
      Buffer.from(signedAttrs.toSchema().toBER()),
      this.tsa.key.algorithmDer,
      tlv(0x04, signature),
    );
    const signedData = tlv(
      0x30,
      INTEGER_3,
      tlv(0x31, this.sha256AlgDer),
      tlv(0x30, this.tstInfoOidDer, tlv(0xa0, tlv(0x04, tstDer))),
      ...(opts.includeCert === false ? [] : [this.certificatesDer]),
      tlv(0x31, signerInfo),
    );
    return { token: tlv(0x30, this.signedDataOidDer, tlv(0xa0, signedData)), genTime };
  }

  /** TimeStampResp for an RFC 3161 request; protocol errors become "rejection" responses, as the RFC wants, not exceptions. */
  respond(reqDer: Buffer): Buffer {
    let req: pkijs.TimeStampReq;
    try {
      req = pkijs.TimeStampReq.fromBER(toArrayBuffer(reqDer));
    } catch {
      return rejection(FAIL.badDataFormat, 'malformed TimeStampReq');
    }
    if (req.version !== 1) return rejection(FAIL.badRequest, 'unsupported TimeStampReq version');
    if (req.reqPolicy && req.reqPolicy !== this.policy) return rejection(FAIL.unacceptedPolicy, `policy ${req.reqPolicy} not offered`);
    if (req.extensions?.length) return rejection(FAIL.badRequest, 'request extensions not supported');
    if (req.nonce && nonceLength(req.nonce) > MAX_NONCE_BYTES) return rejection(FAIL.badRequest, `nonce longer than ${MAX_NONCE_BYTES} bytes`);
    const hashOid = req.messageImprint.hashAlgorithm.algorithmId;
    if (!DIGEST_LENGTHS[hashOid]) return rejection(FAIL.badAlg, `hash algorithm ${hashOid} not accepted`);
    const imprint = Buffer.from(req.messageImprint.hashedMessage.valueBlock.valueHexView);
    if (imprint.length !== DIGEST_LENGTHS[hashOid]) return rejection(FAIL.badDataFormat, 'message imprint length does not match its algorithm');

    const token = this.token(imprint, hashOid, { nonce: req.nonce, includeCert: req.certReq === true });
    const status = new asn1js.Sequence({ value: [new asn1js.Integer({ value: 0 })] });
    return tlv(0x30, Buffer.from(status.toBER()), token);
  }
}

/** Bytes of the nonce's value; the 0x00 that DER puts before a value with its top bit set does not count. */
function nonceLength(nonce: asn1js.Integer): number {
  const v = nonce.valueBlock.valueHexView;
  return v.length > 1 && v[0] === 0 ? v.length - 1 : v.length;
}

function rejection(failBit: number, text: string): Buffer {
  const bytes = Buffer.alloc(Math.floor(failBit / 8) + 1);
  bytes[Math.floor(failBit / 8)] = 0x80 >> failBit % 8;
  const unused = 7 - (failBit % 8);
  const failInfo = new asn1js.BitString({ valueHex: toArrayBuffer(bytes), unusedBits: unused });
  const statusInfo = new pkijs.PKIStatusInfo({
    status: 2, // rejection
    statusStrings: [new asn1js.Utf8String({ value: text })],
    failInfo,
  });
  return Buffer.from(new pkijs.TimeStampResp({ status: statusInfo }).toSchema().toBER());
}
