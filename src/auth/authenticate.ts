import type { Partner } from '../partners/partner.entity';
import type { PartnerRepository } from '../partners/partner.repository';
import type { Database } from '../shared/unit-of-work';
import { UnauthenticatedError } from '../shared/errors';
import type { Caller } from './caller';
import type { TokenVerifier } from './tokens';

export type Authenticator = (authorization: string | undefined) => Promise<Caller>;

/**
 * The caller of a request: a valid token of a partner the database knows, else
 * UNAUTHENTICATED (401). A known partner is remembered for `partnerTtlMs`, so
 * a change to its type or cloud (by import) counts within that time; an unknown
 * one is looked up every time, so a newly imported partner signs in at once.
 */
export function createAuthenticator(db: Database, partnersById: PartnerRepository, verify: TokenVerifier, partnerTtlMs: number): Authenticator {
  const partners = new Map<string, { partner: Partner; until: number }>();
  return async (authorization) => {
    const claims = await verify(authorization);
    const now = Date.now();
    let partner = partners.get(claims.partnerId);
    if (!partner || partner.until <= now) {
      const found = await db.read((em) => partnersById.findById(em, claims.partnerId));
      if (!found) throw new UnauthenticatedError('The token is for a partner this service does not know.');
      partner = { partner: found, until: now + partnerTtlMs };
      if (partnerTtlMs > 0) partners.set(claims.partnerId, partner);
    }
    return { userId: claims.userId, roles: claims.roles, partner: partner.partner };
  };
}
