import { createHash, randomBytes } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Role } from '../config.js';
import type { ApiKeyDirectory, ApiKeyRecord } from '../organisations/apiKeyDirectory.js';
import { DomainError } from '../domain/errors.js';

export interface Principal {
  /** The API key's id (never the key): recorded as the actor of what it does. */
  id: string;
  role: Role;
  /** The organisation the key belongs to; none for the platform admin. */
  organisationId?: string;
}

export type { ApiKeyDirectory, ApiKeyRecord } from '../organisations/apiKeyDirectory.js';

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function apiKeyRecord(role: Role, key: string): ApiKeyRecord {
  const hash = hashApiKey(key);
  return { id: `key_${hash.slice(0, 12)}`, role, hash };
}

/** A fresh key: 32 random bytes, prefixed with its role so a leaked key is recognisable in a scan. */
export function generateApiKey(role: Role): string {
  return `wes_${role}_${randomBytes(32).toString('base64url')}`;
}

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
  }
}

/** Bearer-key authentication; keys are looked up by their SHA-256, never kept or compared in clear. */
export function authenticate(keys: ApiKeyDirectory) {
  return async (req: Request, _res: Response, next: NextFunction) => {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) {
      throw new DomainError('unauthenticated', 'missing_api_key', 'Send an API key as "Authorization: Bearer <key>"');
    }
    const record = await keys.find(hashApiKey(match[1]));
    if (!record) throw new DomainError('unauthenticated', 'invalid_api_key', 'The API key is not valid');
    req.principal = { id: record.id, role: record.role, ...(record.organisationId ? { organisationId: record.organisationId } : {}) };
    next();
  };
}

export function requireRole(...roles: Role[]) {
  return (req: Request, _res: Response, next: NextFunction) => {
    const role = req.principal?.role as Role | undefined;
    if (!role || !roles.includes(role)) {
      throw new DomainError('forbidden', 'forbidden_role', `This call needs one of the roles: ${roles.join(', ')}`);
    }
    next();
  };
}
