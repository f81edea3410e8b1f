import crypto from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import forge from 'node-forge';
import { pemBlocks } from './der.js';
import { PkiError } from './errors.js';

export type ImportableKind = 'issuing' | 'ocsp' | 'tsa' | 'organisation';
export const IMPORTABLE_KINDS: readonly ImportableKind[] = ['issuing', 'ocsp', 'tsa', 'organisation'];

export interface ImportedIdentity {
  der: Buffer;
  key: crypto.KeyObject;
  /** Further certificates found with it (issuer first), when the file carried a chain. */
  chain: Buffer[];
  source: string;
}

export interface ImportedMaterial {
  root?: Buffer;
  identities: Partial<Record<ImportableKind, ImportedIdentity>>;
}

async function readOptional(file: string): Promise<Buffer | undefined> {
  try {
    return await readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Picks the certificate that belongs to the key; the rest is the chain. */
function pairWithKey(certs: Buffer[], key: crypto.KeyObject, source: string): ImportedIdentity {
  const leafIndex = certs.findIndex((der) => new crypto.X509Certificate(der).checkPrivateKey(key));
  if (leafIndex < 0) throw new PkiError('import_invalid', `${source}: no certificate matches the private key`);
  const [leaf] = certs.splice(leafIndex, 1);
  return { der: leaf, key, chain: certs, source };
}

/** node-forge is used only to open the PKCS#12 container; the key itself goes to node:crypto (forge cannot parse EC keys anyway). */
export function parsePkcs12(data: Buffer, password: string, source: string): ImportedIdentity {
  let p12: forge.pkcs12.Pkcs12Pfx;
  try {
    p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(forge.util.createBuffer(data.toString('binary'))), false, password);
  } catch (err) {
    throw new PkiError('import_invalid', `${source}: cannot open PKCS#12 (wrong PKI_IMPORT_PASSWORD or unsupported encryption: ${(err as Error).message})`, { cause: err });
  }
  const toBuf = (a: forge.asn1.Asn1) => Buffer.from(forge.asn1.toDer(a).getBytes(), 'binary');
  const certs: Buffer[] = [];
  for (const bag of p12.getBags({ bagType: forge.pki.oids.certBag })[forge.pki.oids.certBag] ?? []) {
    const b = bag as forge.pkcs12.Bag & { asn1?: forge.asn1.Asn1 };
    if (b.cert) certs.push(toBuf(forge.pki.certificateToAsn1(b.cert)));
    else if (b.asn1) certs.push(toBuf(b.asn1));
  }
  const keyBags = [
    ...(p12.getBags({ bagType: forge.pki.oids.pkcs8ShroudedKeyBag })[forge.pki.oids.pkcs8ShroudedKeyBag] ?? []),
    ...(p12.getBags({ bagType: forge.pki.oids.keyBag })[forge.pki.oids.keyBag] ?? []),
  ];
  if (keyBags.length !== 1) throw new PkiError('import_invalid', `${source}: expected exactly one private key, found ${keyBags.length}`);
  const kb = keyBags[0] as forge.pkcs12.Bag & { asn1?: forge.asn1.Asn1 };
  const pkcs8 = kb.key
    ? toBuf(forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(kb.key)))
    : kb.asn1
      ? toBuf(kb.asn1)
      : undefined;
  if (!pkcs8) throw new PkiError('import_invalid', `${source}: private key bag is empty`);
  const key = crypto.createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
  pkcs8.fill(0);
  return pairWithKey(certs, key, source);
}

/**
 * Reads production material from PKI_IMPORT_DIR. Per kind K in issuing, ocsp, tsa, organisation:
 *   K.p12 (password PKI_IMPORT_PASSWORD)  or  K.pem (certificate, optionally followed by its chain) + K.key.pem (unencrypted PKCS#8 or SEC1)
 * plus root.pem (required when issuing is imported). See certs/README.md.
 */
export async function readImportDir(dir: string, password = ''): Promise<ImportedMaterial> {
  const out: ImportedMaterial = { identities: {} };
  const rootPem = await readOptional(path.join(dir, 'root.pem'));
  if (rootPem) {
    const [root] = pemBlocks(rootPem.toString('utf8'));
    if (!root) throw new PkiError('import_invalid', `${dir}/root.pem holds no certificate`);
    out.root = root;
  }
  for (const kind of IMPORTABLE_KINDS) {
    const p12File = path.join(dir, `${kind}.p12`);
    const p12 = await readOptional(p12File);
    if (p12) {
      out.identities[kind] = parsePkcs12(p12, password, p12File);
      continue;
    }
    const certFile = path.join(dir, `${kind}.pem`);
    const keyFile = path.join(dir, `${kind}.key.pem`);
    const [certPem, keyPem] = await Promise.all([readOptional(certFile), readOptional(keyFile)]);
    if (!certPem && !keyPem) continue;
    if (!certPem || !keyPem) throw new PkiError('import_invalid', `${dir}: ${kind}.pem and ${kind}.key.pem must be provided together`);
    let key: crypto.KeyObject;
    try {
      key = crypto.createPrivateKey(keyPem);
    } catch (err) {
      throw new PkiError('import_invalid', `${keyFile}: not an unencrypted PEM private key`, { cause: err });
    }
    out.identities[kind] = pairWithKey(pemBlocks(certPem.toString('utf8')), key, certFile);
  }
  if (out.identities.issuing && !out.root) throw new PkiError('import_invalid', `${dir}: importing issuing requires root.pem`);
  return out;
}
