import { Router } from 'express';
import type { OrganisationService } from '../../organisations/organisationService.js';
import type { StaffAccounts } from '../../staff/staffAccounts.js';
import { requireRole } from '../auth.js';
import { contextOf } from '../requestContext.js';

/**
 * The platform admin creates an organisation's console users (its first org_admin, who then manages the
 * others in the console). The set-up link is the account's only credential until it is used: shown once.
 */
export function staffUserRoutes(organisations: Pick<OrganisationService, 'get'>, accounts: StaffAccounts): Router {
  const r = Router({ mergeParams: true });
  r.use(requireRole('admin'));
  // Mounted under /organisations/:id/users: the organisation is the parent route's parameter.
  const orgOf = async (params: object) => (await organisations.get(String((params as { id?: string }).id))).id;

  r.post('/', async (req, res) => {
    const created = await accounts.create(contextOf(req), await orgOf(req.params), req.body);
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Location', `/api/v1/organisations/${created.user.organisationId}/users/${created.user.id}`);
    res.status(201).json(created);
  });

  r.get('/', async (req, res) => {
    res.json({ items: await accounts.list(await orgOf(req.params)) });
  });

  r.post('/:userId/setup-link', async (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json(await accounts.reissueSetup(contextOf(req), await orgOf(req.params), String(req.params.userId)));
  });

  r.delete('/:userId', async (req, res) => {
    res.json(await accounts.disable(contextOf(req), await orgOf(req.params), String(req.params.userId)));
  });

  return r;
}
