/** Who did something and from where: recorded with every audit event. The HTTP layer fills it in. */
export interface Actor {
  type: 'api_key' | 'signer' | 'system';
  id: string;
  role?: string;
}

export interface RequestContext {
  actor: Actor;
  ip?: string;
  userAgent?: string;
}

export const SYSTEM: RequestContext = { actor: { type: 'system', id: 'system' } };
