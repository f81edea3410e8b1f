import { Router } from 'express';
import type { InterruptionRegister } from '../../reliability/interruptions.js';
import type { ReliabilityKpi } from '../../reliability/reliabilityKpi.js';
import { requireRole } from '../auth.js';
import { contextOf } from '../requestContext.js';

/** The utility records interruptions; it and the auditor read them and the KPI. */
export function interruptionRoutes(register: InterruptionRegister): Router {
  const r = Router();
  const READ = requireRole('utility', 'auditor');
  r.post('/', requireRole('utility'), async (req, res) => {
    const created = await register.record(contextOf(req), req.body);
    res.setHeader('Location', `/api/v1/interruptions/${created.id}`);
    res.status(201).json(created);
  });
  r.get('/', READ, async (req, res) => {
    res.json(await register.list(contextOf(req), req.query));
  });
  r.get('/:id', READ, async (req, res) => {
    res.json(await register.get(contextOf(req), String(req.params.id)));
  });
  r.patch('/:id', requireRole('utility'), async (req, res) => {
    res.json(await register.revise(contextOf(req), String(req.params.id), req.body));
  });
  return r;
}

export function reliabilityRoutes(kpi: ReliabilityKpi): Router {
  const r = Router();
  r.get('/kpi', requireRole('utility', 'auditor'), async (req, res) => {
    res.json(await kpi.kpi(contextOf(req), req.query));
  });
  r.put('/customers-served', requireRole('utility'), async (req, res) => {
    res.json(await kpi.setCustomersServed(contextOf(req), req.body));
  });
  return r;
}
