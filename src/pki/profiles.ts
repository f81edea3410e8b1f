import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PkiError } from './errors.js';

export type CertKind = 'root' | 'issuing' | 'ocsp' | 'tsa' | 'organisation' | 'event';
export const CERT_KINDS: readonly CertKind[] = ['root', 'issuing', 'ocsp', 'tsa', 'organisation', 'event'];

export type KeyUsageName =
  | 'digitalSignature' | 'nonRepudiation' | 'keyEncipherment' | 'dataEncipherment'
  | 'keyAgreement' | 'keyCertSign' | 'cRLSign';

export interface CertProfile {
  validity: { years?: number; days?: number; minutes?: number };
  /** notBefore is moved back this far so relying parties with a slightly slow clock accept a fresh certificate. */
  backdateSeconds: number;
  subject: { type: string; value: string }[];
  basicConstraints: { critical: boolean; ca: boolean; pathLen?: number } | null;
  keyUsage: { critical: boolean; usages: KeyUsageName[] };
  extKeyUsage: { critical: boolean; purposes: string[] } | null;
  ocspNoCheck: boolean;
  /** Adds the CRL distribution point and the AIA (OCSP + caIssuers) URLs of this service. */
  revocationPointers: boolean;
  /** Optional certificate policy OIDs. */
  policies?: string[];
}

export interface ProfileSet {
  tsaPolicy: string;
  eventPolicy: string | null;
  profiles: Record<CertKind, CertProfile>;
}

// Source tree (src/pki) and build output (dist/src/pki) sit at different depths below certs/.
const CANDIDATES = ['../../certs/profiles.json', '../../../certs/profiles.json'];

export function loadProfiles(file?: string): ProfileSet {
  const paths = file ? [file] : CANDIDATES.map((p) => fileURLToPath(new URL(p, import.meta.url)));
  for (const p of paths) {
    let text: string;
    try {
      text = readFileSync(p, 'utf8');
    } catch {
      continue;
    }
    const set = JSON.parse(text) as ProfileSet;
    for (const kind of CERT_KINDS) {
      if (!set.profiles?.[kind]) throw new PkiError('pki_state_invalid', `${p}: profile "${kind}" missing`);
    }
    return set;
  }
  throw new PkiError('pki_state_invalid', `certificate profiles not found (looked in ${paths.join(', ')})`);
}

export function validityEnd(profile: CertProfile, start: Date): Date {
  const end = new Date(start);
  const v = profile.validity;
  if (v.years) end.setUTCFullYear(end.getUTCFullYear() + v.years);
  if (v.days) end.setUTCDate(end.getUTCDate() + v.days);
  if (v.minutes) end.setTime(end.getTime() + v.minutes * 60_000);
  return end;
}

/** Fills {a.b} placeholders; an unknown placeholder is a profile bug, so it throws instead of leaking "{…}" into a name. */
export function fillTemplate(template: string, values: Record<string, string | undefined>): string {
  return template.replace(/\{([\w.]+)\}/g, (_, key: string) => {
    const v = values[key];
    if (v === undefined) throw new PkiError('pki_state_invalid', `profile placeholder {${key}} has no value`);
    return v;
  });
}
