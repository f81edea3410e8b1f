import type { Request } from 'express';
import { scopeOfContext, type RequestContext, type Scope } from '../domain/requestContext.js';

/** The audit actor and origin of a request; signer actions replace the actor once the token is resolved. */
export function contextOf(req: Request): RequestContext {
  return {
    actor: req.principal ? { type: 'api_key', id: req.principal.id, role: req.principal.role } : { type: 'signer', id: 'anonymous' },
    ...(req.principal?.organisationId ? { organisationId: req.principal.organisationId } : {}),
    ip: req.ip,
    userAgent: req.get('user-agent'),
  };
}

/** The contracts this request's key may see; a key of no organisation (the platform admin) sees none. */
export function scopeOf(req: Request): Scope {
  return scopeOfContext(contextOf(req));
}
