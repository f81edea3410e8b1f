import { createHash } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';

/** An RFC 3161 TimeStampReq (SHA-256, certReq) for `data`, as a TSA client would send it. */
export function timestampRequest(data: string, nonce?: Buffer): Buffer<ArrayBuffer> {
  return Buffer.from(
    new pkijs.TimeStampReq({
      version: 1,
      messageImprint: new pkijs.MessageImprint({
        hashAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: '2.16.840.1.101.3.4.2.1' }),
        hashedMessage: new asn1js.OctetString({ valueHex: new Uint8Array(createHash('sha256').update(data).digest()) }),
      }),
      ...(nonce ? { nonce: new asn1js.Integer({ valueHex: new Uint8Array(nonce) }) } : {}),
      certReq: true,
    }).toSchema().toBER(),
  );
}

/** PKIStatus of a TimeStampResp: 0 granted, 2 rejection, … */
export function timestampStatus(reply: Buffer): { status: number; text?: string } {
  const s = pkijs.TimeStampResp.fromBER(new Uint8Array(reply)).status;
  return { status: s.status, text: s.statusStrings?.[0]?.valueBlock.value };
}
