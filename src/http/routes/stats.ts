import { Router } from 'express';
import type { Database } from '../../storage/db/database.js';
import type { WorkingCalendar } from '../../contracts/calendar/workingCalendar.js';
import { contractStatistics } from '../../contracts/statistics.js';
import { requireRole } from '../auth.js';
import { scopeOf } from '../requestContext.js';

export function statsRoutes(db: Database, calendar: WorkingCalendar): Router {
  const r = Router();
  r.get('/', requireRole('utility', 'auditor'), async (req, res) => {
    // A request's scope is always one organisation (scopeOf refuses keys of none).
    res.json(await contractStatistics(db, calendar, scopeOf(req).organisationId!, req.query));
  });
  return r;
}
