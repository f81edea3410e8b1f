import { Router } from 'express';
import { z } from 'zod';
import { PkiError, REVOCATION_REASONS, type Pki } from '../../pki/index.js';
import { DomainError } from '../../workflow/errors.js';
import { requireRole } from '../auth.js';
import { contextOf } from '../requestContext.js';
import type { ContractService } from '../../workflow/contractService.js';

const revokeInput = z.object({
  reason: z.enum(REVOCATION_REASONS, { message: `reason must be one of ${REVOCATION_REASONS.join(', ')}` }),
});

export function certificateRoutes(pki: Pki, contracts: ContractService): Router {
  const r = Router();
  r.post('/:serial/revoke', requireRole('admin'), async (req, res) => {
    const input = revokeInput.safeParse(req.body ?? {});
    if (!input.success) {
      throw new DomainError('unprocessable', 'validation_failed', input.error.issues[0].message, [
        { path: '/reason', message: input.error.issues[0].message },
      ]);
    }
    try {
      const revoked = await pki.revoke(String(req.params.serial), input.data.reason);
      await contracts.recordRevocation(contextOf(req), revoked.serial, input.data.reason, revoked.revokedAt);
      res.json({ serial: revoked.serial, status: 'revoked', reason: input.data.reason, revokedAt: revoked.revokedAt.toISOString() });
    } catch (err) {
      if (err instanceof PkiError && err.code === 'certificate_not_found') throw new DomainError('not_found', err.code, err.message);
      if (err instanceof PkiError && err.code === 'already_revoked') throw new DomainError('conflict', err.code, err.message);
      if (err instanceof PkiError && err.code === 'bad_request') throw new DomainError('invalid', 'invalid_serial', err.message);
      throw err;
    }
  });
  return r;
}
