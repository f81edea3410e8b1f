import type { Request } from 'express';
import type { RequestContext } from '../workflow/requestContext.js';

/** The audit actor and origin of a request; signer actions replace the actor once the token is resolved. */
export function contextOf(req: Request): RequestContext {
  return {
    actor: req.principal ? { type: 'api_key', id: req.principal.id, role: req.principal.role } : { type: 'signer', id: 'anonymous' },
    ip: req.ip,
    userAgent: req.get('user-agent'),
  };
}
