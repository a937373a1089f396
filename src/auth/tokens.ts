import { createRemoteJWKSet, errors, jwtVerify, SignJWT, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { TokenConfig } from '../config';
import { UnauthenticatedError } from '../shared/errors';
import { textProblem } from '../shared/validation';
import { isRole, type Role } from './roles';

/** What a valid bearer token says about its holder (Microsoft Entra ID claim names). */
export interface TokenClaims {
  /** `tid`: the partner's tenant id. */
  partnerId: string;
  /** `oid`, else `sub`. */
  userId: string;
  /** Recognised names from `roles`; unknown names are ignored. */
  roles: Role[];
}

export type TokenVerifier = (authorization: string | undefined) => Promise<TokenClaims>;

const CLOCK_TOLERANCE_SECONDS = 30;

/** The user id is recorded with every acceptance and order (recorded_by_user_id, created_by): at most 128 characters. */
const MAX_USER_ID = 128;

/** Tokens verified, by their text, until they expire: a client sends the same one many times. */
const VERIFIED_TOKENS = 10_000;

/**
 * Verifies `Authorization: Bearer ...`; every failure is an UNAUTHENTICATED
 * error (HTTP 401). A token that passed is remembered, by its exact text,
 * until its `exp` (plus the tolerated skew), so it is verified once.
 */
export function createTokenVerifier(config: TokenConfig): TokenVerifier {
  const key: Uint8Array | JWTVerifyGetKey = config.jwksUrl ? createRemoteJWKSet(config.jwksUrl) : config.secret!;
  const algorithms = config.jwksUrl ? ['RS256', 'ES256'] : ['HS256'];
  const verified = new Map<string, { claims: TokenClaims; until: number }>();
  return async (authorization) => {
    const token = bearerToken(authorization);
    const known = verified.get(token);
    if (known && known.until > Date.now()) return known.claims;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, key as Uint8Array, {
        algorithms,
        issuer: config.issuer,
        audience: config.audience,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['exp'],
      }));
    } catch (error) {
      verified.delete(token);
      throw new UnauthenticatedError(`The token was refused: ${reason(error)}.`);
    }
    const claims = claimsOf(payload);
    if (verified.size >= VERIFIED_TOKENS) verified.delete(verified.keys().next().value!);
    verified.set(token, { claims, until: (payload.exp! + CLOCK_TOLERANCE_SECONDS) * 1000 });
    return claims;
  };
}

function bearerToken(authorization: string | undefined): string {
  if (!authorization) throw new UnauthenticatedError('Sign in: send Authorization: Bearer <token>.');
  const match = /^Bearer ([A-Za-z0-9_\-.]+)$/i.exec(authorization.trim());
  if (!match) throw new UnauthenticatedError('The Authorization header must be "Bearer <token>".');
  return match[1];
}

function claimsOf(payload: JWTPayload): TokenClaims {
  const partnerId = payload.tid;
  if (typeof partnerId !== 'string' || partnerId === '') {
    throw new UnauthenticatedError('The token has no tenant (tid) claim.');
  }
  const userId = typeof payload.oid === 'string' && payload.oid ? payload.oid : payload.sub;
  if (typeof userId !== 'string' || userId === '') {
    throw new UnauthenticatedError('The token names no user (oid or sub claim).');
  }
  const problem = textProblem(userId, MAX_USER_ID);
  if (problem) throw new UnauthenticatedError(`The token's user id (oid or sub claim) ${problem}`);
  const roles = payload.roles ?? [];
  if (!Array.isArray(roles)) throw new UnauthenticatedError('The roles claim must be an array.');
  return { partnerId, userId, roles: [...new Set(roles.filter(isRole))] };
}

function reason(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'it has expired';
  if (error instanceof errors.JWTClaimValidationFailed) return `claim ${error.claim} is not valid`;
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'the signature does not match';
  if (error instanceof errors.JOSEAlgNotAllowed) return 'its algorithm is not accepted';
  if (error instanceof errors.JOSEError) return 'it is malformed or cannot be verified';
  return 'it cannot be verified';
}

export interface TokenRequest {
  partnerId: string;
  userId: string;
  roles: readonly string[];
  /** A time span ("1h", "30m", "7d") or an expiry in seconds since the epoch. */
  expiresIn: string | number;
}

/** Signs an HS256 token the server accepts (CLI `token`, demo start-up, tests). */
export async function signToken(config: TokenConfig, request: TokenRequest): Promise<string> {
  if (!config.secret) throw new Error('Tokens can be minted only with an HS256 secret (JWT_SECRET), not with JWT_JWKS_URL.');
  let jwt = new SignJWT({ tid: request.partnerId, oid: request.userId, roles: [...request.roles] })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(request.userId)
    .setIssuedAt()
    .setExpirationTime(request.expiresIn);
  if (config.issuer) jwt = jwt.setIssuer(config.issuer);
  if (config.audience) jwt = jwt.setAudience(config.audience);
  return jwt.sign(config.secret);
}
