// PAdES baseline level (ETSI EN 319 142-1 §6): each level needs every lower one.
import type { CmsVerifyResult } from './cms/index.js';
import type { PadesLevel } from './types.js';

export interface LevelContext {
  subFilter: string | null;
  cms: CmsVerifyResult;
  /** A later revision (or the signed one) holds a DSS with revocation data. */
  dssRevision: number | null;
  /** Revisions holding a valid document timestamp. */
  docTimestampRevisions: number[];
  signedRevision: number | null;
}

export function padesLevel(c: LevelContext): PadesLevel | null {
  if (c.subFilter !== 'ETSI.CAdES.detached') return null;
  if (c.cms.signingCertificateAttribute !== 'v2' && c.cms.signingCertificateAttribute !== 'v1') return null;
  if (c.cms.integrity.status !== 'ok') return null;
  const tsOk = c.cms.timestamp.present && c.cms.timestamp.valid;
  const laterDocTs = c.docTimestampRevisions.some((r) => c.signedRevision !== null && r > c.signedRevision);
  if (!tsOk && !laterDocTs) return 'B-B';
  if (c.dssRevision === null || c.signedRevision === null || c.dssRevision < c.signedRevision) return 'B-T';
  // A DSS that stops at the intermediate does not let a validator finish the path offline.
  if (c.cms.levelHints.withoutRevocationData.length) return 'B-T';
  const dss = c.dssRevision;
  return c.docTimestampRevisions.some((r) => r >= dss) ? 'B-LTA' : 'B-LT';
}
