import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { ensurePkijsEngine } from './engine.js';

/** The time an RFC 3161 token vouches for (TSTInfo genTime): what "signed at" means to an auditor. */
export function timestampTime(tokenDer: Buffer): Date {
  ensurePkijsEngine();
  const info = pkijs.ContentInfo.fromBER(new Uint8Array(tokenDer));
  const signed = new pkijs.SignedData({ schema: info.content });
  const content = signed.encapContentInfo.eContent;
  if (!(content instanceof asn1js.OctetString)) throw new Error('timestamp token has no TSTInfo');
  return pkijs.TSTInfo.fromBER(content.getValue()).genTime;
}
