import type { Config } from '../config.ts';
import { embeddedJwtSecret } from './data-dir.ts';
import { randomBytes } from 'node:crypto';

/**
 * The HS256 key in force: JWT_SECRET when set. With JWKS_URL and no JWT_SECRET, none, on every
 * database: the server accepts only the identity provider's tokens and issues none (login is 503).
 * A key is made only when neither is set: in embedded mode the one kept in DATA_DIR, in memory mode
 * a fresh one per process (with PostgreSQL, assertTokensCanBeTrusted refuses to start).
 */
export function resolveJwtSecret(config: Config): string | undefined {
  if (config.jwtSecret) return config.jwtSecret;
  if (config.jwksUrl) return undefined;
  switch (config.database.kind) {
    case 'embedded':
      return embeddedJwtSecret(config.dataDir);
    case 'memory':
      return randomBytes(32).toString('base64url');
    case 'postgres':
      return undefined;
  }
}
