// X.501 Name → the Subject shape of the report. Decoded by hand: names are read for every
// certificate and the DER walk is an order of magnitude cheaper than a pkijs parse.
import { children, content, readOid, readTlv, type Tlv } from './der.js';
import type { Subject } from './types.js';

const SHORT: Record<string, string> = {
  '2.5.4.3': 'CN', '2.5.4.6': 'C', '2.5.4.7': 'L', '2.5.4.8': 'ST', '2.5.4.9': 'STREET', '2.5.4.10': 'O', '2.5.4.11': 'OU',
  '2.5.4.5': 'serialNumber', '2.5.4.12': 'title', '2.5.4.42': 'GN', '2.5.4.4': 'SN', '2.5.4.97': 'organizationIdentifier',
  '0.9.2342.19200300.100.1.25': 'DC', '0.9.2342.19200300.100.1.1': 'UID', '1.2.840.113549.1.9.1': 'emailAddress',
};

function decodeString(b: Buffer, t: Tlv): string | undefined {
  const v = content(b, t);
  switch (t.tag) {
    case 0x0c: return v.toString('utf8'); // UTF8String
    case 0x13: case 0x16: case 0x12: case 0x1a: return v.toString('latin1'); // Printable, IA5, Numeric, Visible
    case 0x14: return v.toString('latin1'); // TeletexString: in practice Latin-1
    case 0x1e: { // BMPString (UTF-16BE)
      const le = Buffer.from(v);
      le.swap16();
      return le.toString('utf16le');
    }
    case 0x1c: { // UniversalString (UTF-32BE)
      let s = '';
      for (let i = 0; i + 4 <= v.length; i += 4) s += String.fromCodePoint(v.readUInt32BE(i));
      return s;
    }
    default: return undefined;
  }
}

/** RFC 4514 §2.4 escaping, so a crafted CN cannot fake extra RDNs in the printed DN. */
function escapeValue(s: string): string {
  let out = s.replace(/[\\,+"<>;=]/g, (c) => `\\${c}`).replace(/[\u0000-\u001f]/g, (c) => `\\${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  if (out.startsWith('#') || out.startsWith(' ')) out = `\\${out}`;
  if (out.endsWith(' ') && out.length > 1) out = `${out.slice(0, -1)}\\ `;
  return out;
}

/** Parses an encoded Name (SEQUENCE OF RDN). */
export function parseName(der: Buffer): Subject {
  const top = readTlv(der, 0);
  const rdnStrings: string[] = [];
  const subject: Subject = { dn: '' };
  for (const rdn of children(der, top)) {
    const parts: string[] = [];
    for (const atv of children(der, rdn)) {
      const [typeTlv, valueTlv] = children(der, atv);
      const oid = readOid(der, typeTlv);
      const text = valueTlv ? decodeString(der, valueTlv) : undefined;
      const key = SHORT[oid] ?? oid;
      parts.push(`${key}=${text === undefined ? `#${valueTlv ? der.subarray(valueTlv.headerStart, valueTlv.end).toString('hex') : ''}` : escapeValue(text)}`);
      // Several values of one type (e.g. two OUs) keep the first: the report shows identity, the dn has all.
      if (text === undefined) continue;
      if (oid === '2.5.4.3') subject.commonName ??= text;
      else if (oid === '2.5.4.10') subject.organisation ??= text;
      else if (oid === '2.5.4.5') subject.serialNumber ??= text;
      else if (oid === '2.5.4.6') subject.country ??= text;
    }
    rdnStrings.push(parts.join('+'));
  }
  subject.dn = rdnStrings.reverse().join(',');
  return subject;
}
