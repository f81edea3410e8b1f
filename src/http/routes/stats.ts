import { Router } from 'express';
import type { Database } from '../../storage/db/database.js';
import type { WorkingCalendar } from '../../workflow/calendar/workingCalendar.js';
import { contractStatistics } from '../../workflow/statistics.js';
import { requireRole } from '../auth.js';

export function statsRoutes(db: Database, calendar: WorkingCalendar): Router {
  const r = Router();
  r.get('/', requireRole('utility', 'auditor'), async (req, res) => {
    res.json(await contractStatistics(db, calendar, req.query));
  });
  return r;
}
