import type { Config } from '../config.ts';
import { embeddedJwtSecret } from './data-dir.ts';
import { randomBytes } from 'node:crypto';

/**
 * The HS256 key in force: JWT_SECRET when set; in embedded mode the one kept in DATA_DIR; in
 * memory mode a fresh one per process; with PostgreSQL and JWKS only, none (config refused the
 * case of neither).
 */
export function resolveJwtSecret(config: Config): string | undefined {
  if (config.jwtSecret) return config.jwtSecret;
  switch (config.database.kind) {
    case 'embedded':
      return embeddedJwtSecret(config.dataDir);
    case 'memory':
      return randomBytes(32).toString('base64url');
    case 'postgres':
      return undefined;
  }
}
