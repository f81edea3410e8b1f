import crypto from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import './engine.js';
import type { IssuerMaterial } from './certificateBuilder.js';
import { REASON_CODES, type CertificateStore } from './certificateStore.js';
import type { KeySigner } from '../keys/keySigner.js';
import { OID, serialHexFromBytes, sha1, tlv, toArrayBuffer } from './der.js';

const HASHES: Record<string, string> = { [OID.sha1]: 'sha1', [OID.sha256]: 'sha256', [OID.sha384]: 'sha384', [OID.sha512]: 'sha512' };
const MAX_REQUESTS = 20;
/** AlgorithmIdentifier sha256 with NULL parameters, as CertIDs usually carry it. */
const SHA256_ALG_DER = Buffer.from('300d06096086480165030402010500', 'hex');
/** How long a "good" answer may be cached by relying parties. */
const NEXT_UPDATE_MS = 60 * 60 * 1000;

/** OCSPResponse with an error status and no body (RFC 6960 §4.2.1). */
export function errorResponse(status: 1 | 2 | 3 | 5 | 6): Buffer {
  return Buffer.from([0x30, 0x03, 0x0a, 0x01, status]);
}

export function generalizedTime(d: Date): Buffer {
  return tlv(0x18, Buffer.from(new Date(Math.floor(d.getTime() / 1000) * 1000).toISOString().replace(/[-:T]/g, '').replace('.000', ''), 'latin1'));
}

export interface ResponderMaterial {
  der: Buffer;
  key: KeySigner;
}

/**
 * Delegated OCSP responder for one issuing CA (RFC 6960 §4.2.2.2): its certificate is
 * issued by that CA with EKU id-kp-OCSPSigning and is sent with every response.
 */
export class OcspResponder {
  private readonly issuerHashes = new Map<string, { name: Buffer; key: Buffer }>();
  private readonly responderIdDer: Buffer;
  private readonly certsDer: Buffer;

  constructor(
    issuer: IssuerMaterial,
    private readonly responder: ResponderMaterial,
    private readonly store: CertificateStore,
  ) {
    const nameDer = Buffer.from(issuer.cert.subject.toSchema().toBER());
    const keyBits = issuer.cert.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView;
    for (const [oid, alg] of Object.entries(HASHES)) {
      this.issuerHashes.set(oid, {
        name: crypto.createHash(alg).update(nameDer).digest(),
        key: crypto.createHash(alg).update(keyBits).digest(),
      });
    }
    const responderCert = pkijs.Certificate.fromBER(toArrayBuffer(responder.der));
    // byKey: SHA-1 of the responder's public key BIT STRING value (RFC 6960 §4.2.1).
    this.responderIdDer = tlv(0xa2, tlv(0x04, sha1(responderCert.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView)));
    this.certsDer = tlv(0xa0, tlv(0x30, responder.der));
  }

  async respond(reqDer: Buffer): Promise<Buffer> {
    let req: pkijs.OCSPRequest;
    try {
      req = pkijs.OCSPRequest.fromBER(toArrayBuffer(reqDer));
    } catch {
      return errorResponse(1); // malformedRequest
    }
    const list = req.tbsRequest.requestList;
    if (!list.length || list.length > MAX_REQUESTS) return errorResponse(1);
    const asked = list.map((r) => {
      const id = r.reqCert;
      const ours = this.issuerHashes.get(id.hashAlgorithm.algorithmId);
      const mine =
        !!ours &&
        ours.name.equals(Buffer.from(id.issuerNameHash.valueBlock.valueHexView)) &&
        ours.key.equals(Buffer.from(id.issuerKeyHash.valueBlock.valueHexView));
      return { certIdDer: Buffer.from(id.toSchema().toBER()), serialHex: mine ? serialHexFromBytes(id.serialNumber.valueBlock.valueHexView) : undefined };
    });
    const nonce = req.tbsRequest.requestExtensions?.find((e) => e.extnID === OID.ocspNonce);
    return this.answer(asked, nonce ? Buffer.from(nonce.extnValue.valueBlock.valueHexView) : undefined);
  }

  /**
   * The response a relying party would get for one certificate of this CA (CertID with SHA-256), for
   * embedding as long-term validation data in a signed document.
   */
  async responseFor(serialHex: string): Promise<Buffer> {
    const sha256 = this.issuerHashes.get(OID.sha256)!;
    const serial = Buffer.from(serialHex.length % 2 ? `0${serialHex}` : serialHex, 'hex');
    // DER INTEGER: a leading 0x00 keeps a serial with its top bit set positive.
    const serialDer = tlv(0x02, serial[0] & 0x80 ? Buffer.concat([Buffer.from([0]), serial]) : serial);
    const certIdDer = tlv(0x30, SHA256_ALG_DER, tlv(0x04, sha256.name), tlv(0x04, sha256.key), serialDer);
    return this.answer([{ certIdDer, serialHex }]);
  }

  private async answer(asked: { certIdDer: Buffer; serialHex?: string }[], nonceValue?: Buffer): Promise<Buffer> {
    const now = new Date();
    const thisUpdate = generalizedTime(now);
    const nextUpdate = tlv(0xa0, generalizedTime(new Date(now.getTime() + NEXT_UPDATE_MS)));
    const singles: Buffer[] = [];
    for (const { certIdDer, serialHex } of asked) {
      let status: Buffer = Buffer.from([0x82, 0x00]); // unknown
      if (serialHex !== undefined) {
        const s = await this.store.status(serialHex);
        if (s?.status === 'good') status = Buffer.from([0x80, 0x00]);
        else if (s?.status === 'revoked' && s.revokedAt) {
          status = tlv(0xa1, generalizedTime(s.revokedAt), tlv(0xa0, Buffer.from([0x0a, 0x01, REASON_CODES[s.reason ?? 'unspecified']])));
        }
      }
      singles.push(tlv(0x30, certIdDer, status, thisUpdate, nextUpdate));
    }

    const parts = [this.responderIdDer, generalizedTime(now), tlv(0x30, ...singles)];
    if (nonceValue) {
      // Echo the extension value byte for byte: clients compare it with what they sent.
      const nonceExt = tlv(0x30, Buffer.from(new asn1js.ObjectIdentifier({ value: OID.ocspNonce }).toBER()), tlv(0x04, nonceValue));
      parts.push(tlv(0xa1, tlv(0x30, nonceExt)));
    }
    const tbs = tlv(0x30, ...parts);
    const basic = tlv(0x30, tbs, this.responder.key.algorithmDer, tlv(0x03, Buffer.from([0]), this.responder.key.sign(tbs)), this.certsDer);
    const basicOid = Buffer.from(new asn1js.ObjectIdentifier({ value: OID.ocspBasic }).toBER());
    return tlv(0x30, Buffer.from([0x0a, 0x01, 0x00]), tlv(0xa0, tlv(0x30, basicOid, tlv(0x04, basic))));
  }
}
