// npm run token -- --sub NAME --role admin [--role other] [--ttl 1h]
// Prints a token signed with the configured secret (JWT_SECRET, or the one kept in DATA_DIR).
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, loadDotEnv, parseDuration } from '../src/config.ts';
import { issueToken } from '../src/platform/auth.ts';
import { resolveJwtSecret } from '../src/platform/secret.ts';

const usage = 'usage: npm run token -- --sub NAME --role admin [--role …] [--ttl 1h]';

try {
  loadDotEnv();
  const { values } = parseArgs({
    options: {
      sub: { type: 'string' },
      role: { type: 'string', multiple: true },
      ttl: { type: 'string', default: '1h' },
    },
  });
  if (!values.sub) throw new ConfigError(`--sub is required\n${usage}`);
  const config = loadConfig();
  if (config.database.kind === 'memory') {
    throw new ConfigError('DATABASE_URL=memory:// makes a new secret per process: set JWT_SECRET to mint tokens for it');
  }
  const secret = resolveJwtSecret(config);
  if (!secret) throw new ConfigError('JWT_SECRET is not set: set it (the same as the server has) to mint tokens');
  const { token } = await issueToken(secret, {
    sub: values.sub,
    roles: values.role ?? [],
    ttlSeconds: parseDuration(values.ttl, '--ttl'),
    issuer: config.jwtIssuer,
    audience: config.jwtAudience,
  });
  process.stdout.write(`${token}\n`);
} catch (error) {
  process.stderr.write(`allot token: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(2);
}
