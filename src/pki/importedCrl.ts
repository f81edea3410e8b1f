import { readFile, stat } from 'node:fs/promises';
import * as pkijs from 'pkijs';
import './engine.js';
import { pemBlocks, toArrayBuffer } from './der.js';
import { PkiError } from './errors.js';

export interface ImportedCrl {
  /** The newest good CRL from the file, or undefined when there has never been one. */
  current(): Promise<Buffer | undefined>;
}

async function parseCrlOf(data: Buffer, issuer: pkijs.Certificate): Promise<{ der: Buffer; nextUpdate?: Date }> {
  const text = data.toString('latin1');
  const der = text.includes('-----BEGIN X509 CRL-----') ? pemBlocks(text, 'X509 CRL')[0] : data;
  let crl: pkijs.CertificateRevocationList;
  try {
    crl = pkijs.CertificateRevocationList.fromBER(toArrayBuffer(der));
  } catch (err) {
    throw new Error(`not a DER or PEM CRL (${(err as Error).message})`);
  }
  if (!Buffer.from(crl.issuer.toSchema().toBER()).equals(Buffer.from(issuer.subject.toSchema().toBER()))) {
    throw new Error('its issuer is not the root certificate');
  }
  if (!(await crl.verify({ issuerCertificate: issuer }))) throw new Error('its signature does not verify with the root key');
  return { der: Buffer.from(der), nextUpdate: crl.nextUpdate?.value };
}

/**
 * The root's CRL for an imported PKI, whose root key is offline: the operator signs it there and
 * drops it into PKI_IMPORT_DIR as root.crl (DER or PEM), replacing it before its nextUpdate. The file
 * is re-read whenever it changes, so a refreshed CRL is served and embedded without a restart. A file
 * that is not a CRL of this root stops the start; later, it is reported and the last good one stays,
 * because an operator's mistake must not take the revocation data of every new contract with it.
 */
export async function openImportedCrl(file: string, rootDer: Buffer, warn: (message: string) => void): Promise<ImportedCrl> {
  const root = pkijs.Certificate.fromBER(toArrayBuffer(rootDer));
  let good: { der: Buffer; nextUpdate?: Date } | undefined;
  let seen = '';
  let lastProblem = '';
  const report = (problem: string) => {
    if (problem !== lastProblem) warn(problem);
    lastProblem = problem;
  };

  async function refresh(atStart: boolean): Promise<void> {
    let version: string;
    try {
      const s = await stat(file);
      version = `${s.mtimeMs}:${s.size}`;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      report(`${file} is missing: the DSS of new contracts holds no revocation data for the issuing CA, so other validators stop at B-T; publish the root CRL there (certs/README.md)`);
      return;
    }
    if (version !== seen) {
      seen = version;
      try {
        good = await parseCrlOf(await readFile(file), root);
        lastProblem = '';
      } catch (err) {
        const problem = `${file}: ${(err as Error).message}`;
        if (atStart) throw new PkiError('import_invalid', problem, { cause: err });
        report(`${problem}; still using the previous root CRL`);
        return;
      }
    }
    if (good?.nextUpdate && good.nextUpdate.getTime() < Date.now()) {
      report(`${file} is past its nextUpdate (${good.nextUpdate.toISOString()}): replace it with a fresh root CRL`);
    }
  }

  await refresh(true);
  return {
    async current() {
      await refresh(false);
      return good?.der;
    },
  };
}
