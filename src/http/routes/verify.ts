import express, { Router, type NextFunction, type Request, type Response } from 'express';
import multer from 'multer';
import type { VerificationService } from '../../verify/verificationService.js';
import type { VerificationAudience } from '../../audit/verificationRecord.js';
import { DomainError } from '../../domain/errors.js';
import { contextOf } from '../requestContext.js';

/**
 * POST a PDF (raw application/pdf, or multipart field "file") and get the verification report. The
 * audience decides how the check is recorded: in the contract's audit trail, or only counted.
 */
export function verifyRoutes(verification: VerificationService, maxBytes: number, audience: VerificationAudience): Router {
  const r = Router();
  const raw = express.raw({ type: 'application/pdf', limit: maxBytes });
  const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: maxBytes, files: 1, fields: 5 } }).single('file');

  const multipart = (req: Request, res: Response, next: NextFunction) => {
    upload(req, res, (err: unknown) => {
      if (!err) return next();
      const code = (err as { code?: string }).code;
      if (code === 'LIMIT_FILE_SIZE') {
        return next(new DomainError('too_large', 'payload_too_large', `The file is larger than ${Math.round(maxBytes / 1_048_576)} MB`));
      }
      next(new DomainError('invalid', 'invalid_upload', `The upload could not be read (${code ?? 'malformed multipart'}); send the PDF in the field "file"`));
    });
  };

  r.post('/', (req, res, next) => (req.is('multipart/form-data') ? multipart(req, res, next) : raw(req, res, next)), async (req, res) => {
    const pdf = req.file?.buffer ?? (Buffer.isBuffer(req.body) ? req.body : undefined);
    if (!pdf) {
      throw new DomainError('unsupported_media', 'unsupported_media_type', 'Send the PDF as application/pdf, or as multipart/form-data in the field "file"');
    }
    if (pdf.length === 0) throw new DomainError('unprocessable', 'empty_file', 'The file is empty');
    res.json(await verification.verify(contextOf(req), pdf, audience));
  });
  return r;
}
