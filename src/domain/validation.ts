import type { z } from 'zod';
import { DomainError, type ErrorDetail } from './errors.js';

/** Every problem zod found, each with the JSON Pointer of its field. */
export const zodDetails = (err: z.ZodError): ErrorDetail[] => err.issues.map((i) => ({ path: `/${i.path.join('/')}`, message: i.message }));

/** A body that does not parse: 422 validation_failed, its first problem as the message unless one is given. */
export const invalidBody = (err: z.ZodError, message = err.issues[0].message) => new DomainError('unprocessable', 'validation_failed', message, zodDetails(err));

/** A query that does not parse: 400 invalid_query, likewise. */
export const invalidQuery = (err: z.ZodError, message = err.issues[0].message) => new DomainError('invalid', 'invalid_query', message, zodDetails(err));
