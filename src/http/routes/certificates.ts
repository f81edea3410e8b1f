import { Router } from 'express';
import { z } from 'zod';
import { PkiError, REVOCATION_REASONS, type Pki } from '../../pki/index.js';
import { DomainError } from '../../domain/errors.js';
import { requireRole } from '../auth.js';
import { contextOf } from '../requestContext.js';
import type { ContractService } from '../../contracts/contractService.js';
import type { Database } from '../../storage/db/database.js';
import { idempotentAction } from '../../domain/idempotency.js';

const revokeInput = z.object({
  reason: z.enum(REVOCATION_REASONS, { message: `reason must be one of ${REVOCATION_REASONS.join(', ')}` }),
});

export function certificateRoutes(db: Database, pki: Pki, contracts: ContractService): Router {
  const r = Router();
  /** The revocation as recorded, for an Idempotency-Key replay. */
  const recorded = async (serial: string) => {
    const row = (
      await db.query<{ serial: string; revoked_at: Date; revocation_reason: string }>(
        'SELECT serial, revoked_at, revocation_reason FROM certificates WHERE serial = $1',
        [serial],
      )
    ).rows[0];
    return { serial: row.serial, status: 'revoked', reason: row.revocation_reason, revokedAt: new Date(row.revoked_at).toISOString() };
  };
  r.post('/:serial/revoke', requireRole('admin'), async (req, res) => {
    const input = revokeInput.safeParse(req.body ?? {});
    if (!input.success) {
      throw new DomainError('unprocessable', 'validation_failed', input.error.issues[0].message, [
        { path: '/reason', message: input.error.issues[0].message },
      ]);
    }
    try {
      const serial = String(req.params.serial);
      const result = await idempotentAction(
        db,
        { principal: req.principal!.id, key: req.get('Idempotency-Key'), operation: `certificates.revoke:${serial}`, body: req.body },
        async () => {
          const revoked = await pki.revoke(serial, input.data.reason);
          await contracts.recordRevocation(contextOf(req), revoked.serial, input.data.reason, revoked.revokedAt);
          return {
            resourceId: revoked.serial,
            result: { serial: revoked.serial, status: 'revoked', reason: input.data.reason, revokedAt: revoked.revokedAt.toISOString() },
          };
        },
        recorded,
      );
      res.json(result);
    } catch (err) {
      if (err instanceof PkiError && err.code === 'certificate_not_found') throw new DomainError('not_found', err.code, err.message);
      if (err instanceof PkiError && err.code === 'already_revoked') throw new DomainError('conflict', err.code, err.message);
      if (err instanceof PkiError && err.code === 'bad_request') throw new DomainError('invalid', 'invalid_serial', err.message);
      if (err instanceof PkiError && err.code === 'not_revocable') throw new DomainError('conflict', 'certificate_not_revocable', err.message);
      throw err;
    }
  });

  /** A new key and certificate for the TSA or the OCSP responder, without downtime; earlier signatures keep verifying. */
  for (const target of ['tsa', 'ocsp'] as const) {
    r.post(`/${target}/rotate`, requireRole('admin'), async (_req, res) => {
      res.json(await rotated(() => pki.rotate(target)));
    });
  }
  return r;
}

/** What a rotation answers, with imported material (which is rotated by importing) as a 409. */
export async function rotated<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof PkiError && err.code === 'not_rotatable') throw new DomainError('conflict', 'certificate_imported', err.message);
    throw err;
  }
}

