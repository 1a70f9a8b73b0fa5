import type { FastifyReply, FastifyRequest } from 'fastify';
import { createRemoteJWKSet, decodeProtectedHeader, errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import type { JWTPayload, JWTVerifyGetKey } from 'jose';
import { Problem, problems } from './problems.ts';

export interface Principal {
  sub: string;
  /** Who vouched for `sub`: `allot` for a token signed with this server's secret, else the provider's `iss`. */
  issuer: string;
  roles: string[];
  isAdmin: boolean;
}

/** The issuer recorded for tokens signed with this server's own secret. */
export const SERVER_ISSUER = 'allot';

/** A token issued at sign-in carries the version of its user's password it was issued under. */
const TOKEN_VERSION_CLAIM = 'ver';

/** The user a token issued at sign-in names, as they are now: their roles, or null when the token no longer holds. */
export type TokenHolderCheck = (userId: string, tokenVersion: number) => Promise<{ roles: string[] } | null>;

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

export interface AuthSettings {
  jwtSecret: string | undefined;
  jwksUrl: string | undefined;
  jwtIssuer: string | undefined;
  jwtAudience: string | undefined;
  /** Told of each failed fetch of the provider's keys: at most once per back-off. */
  onProviderFailure?: (error: unknown) => void;
  /** Checks, at each request, a token issued at sign-in against its user. */
  checkTokenHolder?: TokenHolderCheck;
}

/** After a failed fetch of the provider's keys, none is tried again for this long. */
const PROVIDER_BACKOFF_MS = 30_000;
/** A provider slower than this to answer is taken as down: no request waits longer for it. */
const PROVIDER_TIMEOUT_MS = 2_000;

/** A failure of the provider itself, not of a token (an unknown key id is the token's). */
function isFetchFailure(error: unknown): boolean {
  if (error instanceof joseErrors.JWKSNoMatchingKey || error instanceof joseErrors.JWKSMultipleMatchingKeys) return false;
  return (
    !(error instanceof joseErrors.JOSEError) ||
    error instanceof joseErrors.JWKSTimeout ||
    error instanceof joseErrors.JWKSInvalid ||
    error.code === 'ERR_JOSE_GENERIC'
  );
}

/**
 * The provider's key set, as jose fetches and caches it, with a back-off: once a fetch failed
 * (an error status, a timeout, a refused connection), no token makes another for 30 s; they are
 * refused at once as unverifiable. So a provider that fails is asked once per 30 s, not once per
 * token, and its failure is reported once per back-off.
 */
function providerKeys(url: string, onFailure: (error: unknown) => void): JWTVerifyGetKey {
  const remote = createRemoteJWKSet(new URL(url), { timeoutDuration: PROVIDER_TIMEOUT_MS });
  let backingOffUntil = 0;
  return async (header, token) => {
    if (Date.now() < backingOffUntil) throw problems.identityProviderUnreachable();
    try {
      return await remote(header, token);
    } catch (error) {
      if (!isFetchFailure(error)) throw error;
      // Tokens that waited on the same failed fetch all land here: the first starts the back-off.
      if (Date.now() >= backingOffUntil) {
        backingOffUntil = Date.now() + PROVIDER_BACKOFF_MS;
        onFailure(error);
      }
      throw problems.identityProviderUnreachable();
    }
  };
}

const ASYMMETRIC_ALGORITHMS = ['RS256', 'ES256', 'PS256', 'EdDSA'];

/** `roles: [..]` or `role: ".." | [..]`; only strings count. */
export function rolesOf(payload: JWTPayload): string[] {
  const claims = [payload.roles, payload.role].flatMap((claim) => (Array.isArray(claim) ? (claim as unknown[]) : [claim]));
  return claims.filter((role): role is string => typeof role === 'string');
}

export interface TokenVerifier {
  verify(token: string): Promise<Principal>;
}

const CLOCK_TOLERANCE_SECONDS = 30;
const MAX_VERIFIED_TOKENS = 10_000;
export const PROVIDER_TOKEN_MAX_AGE = '24h';

// eslint-disable-next-line no-control-regex -- control characters are what it finds
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * Which key checks a token is decided by its algorithm, and each key accepts only its own
 * algorithms: the secret only HS256, the identity provider's keys only the asymmetric ones. So a
 * token signed with HMAC over a public key, or with `none`, never verifies.
 */
export function createTokenVerifier(settings: AuthSettings): TokenVerifier {
  // Imported once: jose would import a raw secret again at every verification.
  const secret = settings.jwtSecret
    ? crypto.subtle.importKey('raw', new TextEncoder().encode(settings.jwtSecret), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify'])
    : undefined;
  // A token signed with the secret is verified once and its claims kept until it expires, so that
  // a client's next requests with the same token cost a lookup. (Not the provider's: its keys rotate.)
  const verifiedBySecret = new Map<string, JWTPayload>();
  const jwks = settings.jwksUrl ? providerKeys(settings.jwksUrl, settings.onProviderFailure ?? (() => {})) : undefined;
  const options = {
    issuer: settings.jwtIssuer,
    audience: settings.jwtAudience,
    requiredClaims: ['exp', 'sub'],
    // Clocks of this server and the token's issuer may differ a little; not more.
    clockTolerance: CLOCK_TOLERANCE_SECONDS,
  };

  return {
    async verify(token) {
      let alg: string | undefined;
      try {
        alg = decodeProtectedHeader(token).alg;
      } catch {
        throw problems.unauthorized('the bearer token is not a JWT');
      }
      try {
        let payload: JWTPayload;
        let issuer: string;
        if (alg === 'HS256' && secret) {
          issuer = SERVER_ISSUER;
          const known = verifiedBySecret.get(token);
          if (known && known.exp! + CLOCK_TOLERANCE_SECONDS > Date.now() / 1000) {
            payload = known;
          } else {
            ({ payload } = await jwtVerify(token, await secret, { ...options, algorithms: ['HS256'] }));
            if (verifiedBySecret.size >= MAX_VERIFIED_TOKENS) verifiedBySecret.clear();
            verifiedBySecret.set(token, payload);
          }
        } else if (alg && ASYMMETRIC_ALGORITHMS.includes(alg) && jwks) {
          ({ payload } = await jwtVerify(token, jwks, {
            ...options,
            algorithms: ASYMMETRIC_ALGORITHMS,
            // A provider's token is refused once it is this old, whatever its own exp says.
            maxTokenAge: PROVIDER_TOKEN_MAX_AGE,
          }).catch(providerUnreachable));
          // Required by the options: a provider's token always names its issuer.
          issuer = payload.iss!;
        } else {
          throw problems.unauthorized(`tokens signed with ${alg ?? 'no algorithm'} are not accepted here`);
        }
        if (typeof payload.sub !== 'string' || payload.sub === '') throw problems.unauthorized('the token has no subject');
        // The subject becomes the audit log's actor and a log field: bounded, and one printable line.
        if (payload.sub.length > 255 || CONTROL_CHARACTERS.test(payload.sub)) {
          throw problems.unauthorized("the token's subject is longer than 255 characters or holds control characters");
        }
        let roles = rolesOf(payload);
        const tokenVersion = payload[TOKEN_VERSION_CLAIM];
        // Signed by this server at sign-in: it holds while its user is active, unchanged in
        // password, and it carries their roles as they are now, not as they were at sign-in.
        if (issuer === SERVER_ISSUER && tokenVersion !== undefined && settings.checkTokenHolder) {
          const holder = typeof tokenVersion === 'number' ? await settings.checkTokenHolder(payload.sub, tokenVersion) : null;
          if (!holder) {
            throw problems.unauthorized(
              "the token's user was deleted, made inactive or changed password since it was issued: sign in again",
            );
          }
          roles = holder.roles;
        }
        return { sub: payload.sub, issuer, roles, isAdmin: roles.some((role) => role.toLowerCase() === 'admin') };
      } catch (error) {
        throw error instanceof joseErrors.JOSEError ? problems.unauthorized(describeJoseError(error)) : error;
      }
    },
  };
}

/**
 * jose reports a JWKS that answers badly or too slowly as its own errors, but a refused connection
 * as fetch's TypeError. Either way the token cannot be checked, so it is not accepted: 401, not 500.
 */
function providerUnreachable(error: unknown): never {
  if (error instanceof joseErrors.JOSEError || error instanceof Problem) throw error;
  throw problems.identityProviderUnreachable();
}

function describeJoseError(error: joseErrors.JOSEError): string {
  if (error instanceof joseErrors.JWTExpired) return 'the token has expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    return error.claim === 'nbf' ? 'the token is not valid yet' : `the token's ${error.claim} claim is missing or not accepted`;
  }
  if (error instanceof joseErrors.JWKSNoMatchingKey) return "no key of the identity provider matches the token's key id";
  if (error instanceof joseErrors.JWKSTimeout || error instanceof joseErrors.JOSENotSupported) {
    return 'the token could not be verified';
  }
  return 'the token signature or format is invalid';
}

/**
 * Only the Authorization header counts: a token in the query string or a cookie leaks into logs
 * and histories, so it is ignored on purpose.
 */
function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer +([^\s]+)\s*$/i.exec(header);
  return match?.[1];
}

export function adminGuard(verifier: TokenVerifier) {
  return async function requireAdmin(request: FastifyRequest, _reply: FastifyReply) {
    const token = bearerToken(request);
    if (!token) throw problems.unauthorized('send a token in the Authorization header: Bearer <token>');
    try {
      request.principal = await verifier.verify(token);
    } catch (error) {
      // The caller sees a 401; the operator must see that the identity provider is down.
      if (error instanceof Problem && error.slug === 'identity-provider-unreachable') request.log.warn('JWKS_URL could not be reached');
      throw error;
    }
    if (!request.principal.isAdmin) throw problems.forbidden();
  };
}

/** The subject of the admin who makes the request; routes behind the guard always have one. */
export function actor(request: FastifyRequest): string {
  if (!request.principal) throw problems.unauthorized('no token was verified for this request');
  return request.principal.sub;
}

export interface TokenClaims {
  sub: string;
  roles: string[];
  /** For a token issued at sign-in: the user's token version, checked at each request. */
  tokenVersion?: number;
  ttlSeconds: number;
  issuer?: string;
  audience?: string;
}

export async function issueToken(secret: string, claims: TokenClaims): Promise<{ token: string; expiresAt: Date }> {
  const issuedAt = Math.floor(Date.now() / 1000);
  const expiresAt = new Date((issuedAt + claims.ttlSeconds) * 1000);
  const versioned = claims.tokenVersion === undefined ? {} : { [TOKEN_VERSION_CLAIM]: claims.tokenVersion };
  let jwt = new SignJWT({ roles: claims.roles, ...versioned })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + claims.ttlSeconds);
  if (claims.issuer) jwt = jwt.setIssuer(claims.issuer);
  if (claims.audience) jwt = jwt.setAudience(claims.audience);
  return { token: await jwt.sign(new TextEncoder().encode(secret)), expiresAt };
}
