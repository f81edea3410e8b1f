import { Router } from 'express';
import type { Template, TemplateRegistry } from '../../documents/index.js';
import { DomainError } from '../../domain/errors.js';

function templateView(t: Template) {
  return {
    id: t.id,
    version: t.version,
    title: t.title,
    description: t.description,
    sha256: t.sha256,
    signers: t.signers.map((s, i) => ({ order: i + 1, role: s.role, label: s.label, autoSign: s.autoSign ?? false })),
    schema: t.schema,
    example: t.example,
  };
}

export function templateRoutes(templates: TemplateRegistry): Router {
  const r = Router();
  // Each organisation sees the shared templates with its own versions in place of theirs.
  r.get('/', (req, res) => {
    res.json({ items: templates.list(req.principal?.organisationId).map(templateView) });
  });
  r.get('/:id', (req, res) => {
    const raw = req.query.version;
    const version = raw === undefined ? undefined : Number(raw);
    if (version !== undefined && !(Number.isInteger(version) && version > 0)) {
      throw new DomainError('invalid', 'invalid_query', 'version must be a positive integer');
    }
    const t = templates.get(String(req.params.id), version, req.principal?.organisationId);
    if (!t) throw new DomainError('not_found', 'template_not_found', `No template ${req.params.id}; see GET /api/v1/templates`);
    res.json(templateView(t));
  });
  return r;
}
