import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import './engine.js';
import type { IssuerMaterial } from './certificateBuilder.js';
import { REASON_CODES, type RevokedEntry } from './certificateStore.js';
import { OID, serialBytesFromHex, signedEnvelope, toArrayBuffer } from './der.js';

function time(d: Date): pkijs.Time {
  return new pkijs.Time({ type: d.getUTCFullYear() < 2050 ? 0 : 1, value: new Date(Math.floor(d.getTime() / 1000) * 1000) });
}

/** X.509 v2 CRL of one issuing CA, signed by that CA's key (RFC 5280 §5). */
export function buildCrl(issuer: IssuerMaterial, revoked: RevokedEntry[], thisUpdate: Date, nextUpdate: Date): Buffer {
  const alg = pkijs.AlgorithmIdentifier.fromBER(toArrayBuffer(issuer.key.algorithmDer));
  const crl = new pkijs.CertificateRevocationList({
    version: 1,
    signature: alg,
    signatureAlgorithm: alg,
    issuer: issuer.cert.subject,
    thisUpdate: time(thisUpdate),
    nextUpdate: time(nextUpdate),
    crlExtensions: new pkijs.Extensions({
      extensions: [
        new pkijs.Extension({
          extnID: OID.authorityKeyIdentifier,
          critical: false,
          extnValue: new pkijs.AuthorityKeyIdentifier({ keyIdentifier: new asn1js.OctetString({ valueHex: toArrayBuffer(issuer.subjectKeyId) }) }).toSchema().toBER(),
        }),
        // Seconds since the epoch: increases across restarts and across instances sharing the database, as RFC 5280 §5.2.3 wants.
        new pkijs.Extension({ extnID: OID.crlNumber, critical: false, extnValue: new asn1js.Integer({ value: Math.floor(thisUpdate.getTime() / 1000) }).toBER() }),
      ],
    }),
  });
  if (revoked.length) {
    crl.revokedCertificates = revoked.map((r) => {
      const entry = new pkijs.RevokedCertificate({
        userCertificate: new asn1js.Integer({ valueHex: toArrayBuffer(serialBytesFromHex(r.serial)) }),
        revocationDate: time(r.revokedAt),
      });
      // RFC 5280 §5.3.1: the reasonCode "unspecified" SHOULD be left out.
      if (r.reason !== 'unspecified') {
        entry.crlEntryExtensions = new pkijs.Extensions({
          extensions: [new pkijs.Extension({ extnID: OID.crlReason, critical: false, extnValue: new asn1js.Enumerated({ value: REASON_CODES[r.reason] }).toBER() })],
        });
      }
      return entry;
    });
  }
  const tbs = (crl.toSchema(true) as asn1js.Sequence).valueBlock.value[0];
  return signedEnvelope(Buffer.from(tbs.toBER()), issuer.key);
}
