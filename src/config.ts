import { existsSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';

export type DatabaseTarget = { kind: 'postgres'; url: string } | { kind: 'embedded'; dataDir: string } | { kind: 'memory' };

export interface Config {
  port: number;
  host: string;
  database: DatabaseTarget;
  /**
   * `transaction` when a transaction pooler (PgBouncer) stands between allot and PostgreSQL: no
   * session setting reaches the server then, and migrations must have run beforehand.
   */
  databasePooler: 'none' | 'transaction';
  /**
   * Whether each connection prepares every statement once and runs it by name after that. Off
   * behind a transaction pooler, which does not carry a statement from one transaction's
   * connection to the next.
   */
  preparedStatements: boolean;
  /** The longest any database statement may run, lock waits included, in milliseconds. */
  statementTimeoutMs: number;
  /** Connections each replica keeps to PostgreSQL. */
  databasePoolSize: number;
  /** The longest a client may take to send a whole request, headers and body, in milliseconds. */
  requestTimeoutMs: number;
  /** How long a connection may stay silent before its first request or during one, in milliseconds. */
  connectionTimeoutMs: number;
  /** A port of its own for GET /metrics, which the public port then does not serve; undefined: on `port`. */
  metricsPort: number | undefined;
  dataDir: string;
  /** HS256 key; undefined when only an identity provider's tokens are accepted. */
  jwtSecret: string | undefined;
  jwksUrl: string | undefined;
  jwtIssuer: string | undefined;
  jwtAudience: string | undefined;
  /** Lifetime of tokens issued by the login route, in seconds. */
  tokenTtlSeconds: number;
  adminEmail: string | undefined;
  adminPassword: string | undefined;
  logLevel: string;
  /** Fastify's trustProxy: whose X-Forwarded-For to believe for the client address. */
  trustProxy: false | number | string;
}

export class ConfigError extends Error {}

const DURATION = /^(\d+)\s*(s|m|h|d)?$/;
const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86400 } as const;

/** "90", "90s", "15m", "1h", "7d" → seconds. */
export function parseDuration(value: string, name: string): number {
  const match = DURATION.exec(value.trim());
  if (!match || Number(match[1]) === 0) {
    throw new ConfigError(`${name} must be a positive duration such as 900, 15m, 1h or 7d (got "${value}")`);
  }
  const unit = (match[2] ?? 's') as keyof typeof UNIT_SECONDS;
  return Number(match[1]) * UNIT_SECONDS[unit];
}

const MILLISECONDS = /^(\d+)\s*(ms|s)?$/;
const MAX_MILLISECONDS = 10 * 60_000;

/** "250ms", "5s", "5" (seconds) → milliseconds. */
export function parseMilliseconds(value: string, name: string): number {
  const match = MILLISECONDS.exec(value.trim());
  const milliseconds = match ? (match[2] === 'ms' ? Number(match[1]) : Number(match[1]) * 1000) : 0;
  if (milliseconds <= 0 || milliseconds > MAX_MILLISECONDS) {
    throw new ConfigError(`${name} must be a duration from 1ms to 10 minutes, such as 5s or 500ms (got "${value}")`);
  }
  return milliseconds;
}

/** The longest a token issued by login may live: a stolen one is good for a day at most. */
export const MAX_TOKEN_TTL_SECONDS = 24 * 3600;

function tokenTtl(value: string): number {
  const seconds = parseDuration(value, 'TOKEN_TTL');
  if (seconds > MAX_TOKEN_TTL_SECONDS) throw new ConfigError(`TOKEN_TTL may be 24h at most (got "${value}")`);
  return seconds;
}

function portNumber(value: string, name: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new ConfigError(`${name} must be a port number (got "${value}")`);
  return port;
}

function optional(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

/** An IPv4 or IPv6 address, or a CIDR block of one: what a proxy list may hold. */
function isAddressOrCidr(entry: string): boolean {
  const [address = '', prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

/**
 * unset/false → the socket's address; digits → that many proxies (hops) in front; else the
 * proxies' addresses or CIDRs, comma-separated. A bare `true` (believe any X-Forwarded-For) and
 * anything malformed refuse to start: a client could then choose the address it is throttled by.
 */
function trustProxy(value: string | undefined): false | number | string {
  if (value === undefined || value === 'false') return false;
  if (/^[0-9]+$/.test(value)) return Number(value);
  const entries = value.split(',').map((entry) => entry.trim());
  if (value === 'true' || !entries.every(isAddressOrCidr)) {
    throw new ConfigError(
      `TRUST_PROXY must be a hop count (1) or the proxies' addresses or CIDRs, comma-separated (10.0.0.0/8,::1); got "${value}"`,
    );
  }
  return entries.join(',');
}

function poolSize(value: string): number {
  const size = /^[0-9]+$/.test(value) ? Number(value) : 0;
  if (size < 1 || size > 1000) throw new ConfigError(`DATABASE_POOL_SIZE must be a whole number from 1 to 1000 (got "${value}")`);
  return size;
}

function databaseTarget(url: string | undefined, dataDir: string): DatabaseTarget {
  if (!url) return { kind: 'embedded', dataDir };
  if (url === 'memory://') return { kind: 'memory' };
  if (/^postgres(ql)?:\/\//.test(url)) return { kind: 'postgres', url };
  throw new ConfigError('DATABASE_URL must start with postgres:// or postgresql://, or be memory://');
}

/**
 * The one place that reads the environment. The JWT secret of the embedded mode is resolved later,
 * by the secret store, because it lives in DATA_DIR.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = Number(optional(env, 'PORT') ?? '3000');
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError('PORT must be a port number');

  const metricsValue = optional(env, 'METRICS_PORT');
  const metricsPort = metricsValue === undefined ? undefined : portNumber(metricsValue, 'METRICS_PORT');
  if (metricsPort !== undefined && metricsPort !== 0 && metricsPort === port) {
    throw new ConfigError('METRICS_PORT must differ from PORT: it is a listener of its own');
  }

  const dataDir = path.resolve(optional(env, 'DATA_DIR') ?? './data');
  const database = databaseTarget(optional(env, 'DATABASE_URL'), dataDir);

  const databasePooler = optional(env, 'DATABASE_POOLER') ?? 'none';
  if (databasePooler !== 'none' && databasePooler !== 'transaction') {
    throw new ConfigError('DATABASE_POOLER must be none or transaction (PgBouncer in transaction pooling mode)');
  }
  if (databasePooler === 'transaction' && database.kind !== 'postgres') {
    throw new ConfigError('DATABASE_POOLER=transaction needs DATABASE_URL=postgres://… (the pooler)');
  }

  const preparedValue = optional(env, 'DATABASE_PREPARED_STATEMENTS');
  if (preparedValue !== undefined && preparedValue !== 'true' && preparedValue !== 'false') {
    throw new ConfigError(`DATABASE_PREPARED_STATEMENTS must be true or false (got "${preparedValue}")`);
  }
  if (preparedValue === 'true' && databasePooler === 'transaction') {
    throw new ConfigError(
      'DATABASE_PREPARED_STATEMENTS=true cannot work with DATABASE_POOLER=transaction: the pooler gives each transaction any server connection, where the statement was never prepared',
    );
  }
  const preparedStatements = preparedValue === undefined ? databasePooler === 'none' : preparedValue === 'true';

  const jwtSecret = optional(env, 'JWT_SECRET');
  if (jwtSecret !== undefined && Buffer.byteLength(jwtSecret, 'utf8') < 32) {
    throw new ConfigError('JWT_SECRET must be at least 32 bytes long');
  }
  const jwksUrl = optional(env, 'JWKS_URL');
  if (jwksUrl !== undefined && !/^https?:\/\//.test(jwksUrl)) throw new ConfigError('JWKS_URL must be an http(s) URL');
  const jwtIssuer = optional(env, 'JWT_ISSUER');
  const jwtAudience = optional(env, 'JWT_AUDIENCE');
  // A provider signs tokens for all its clients: only its tokens for this service may pass.
  if (jwksUrl !== undefined && (jwtIssuer === undefined || jwtAudience === undefined)) {
    throw new ConfigError("JWKS_URL needs JWT_ISSUER and JWT_AUDIENCE too, so that the provider's tokens for other services are refused");
  }

  const adminEmail = optional(env, 'ADMIN_EMAIL');
  const adminPassword = env.ADMIN_PASSWORD || undefined;
  if ((adminEmail === undefined) !== (adminPassword === undefined)) {
    throw new ConfigError('ADMIN_EMAIL and ADMIN_PASSWORD must be set together');
  }
  if (adminPassword !== undefined && adminPassword.length < 8) {
    throw new ConfigError('ADMIN_PASSWORD must be at least 8 characters long');
  }

  return {
    port,
    host: optional(env, 'HOST') ?? '127.0.0.1',
    database,
    databasePooler,
    preparedStatements,
    statementTimeoutMs: parseMilliseconds(optional(env, 'STATEMENT_TIMEOUT') ?? '5s', 'STATEMENT_TIMEOUT'),
    databasePoolSize: poolSize(optional(env, 'DATABASE_POOL_SIZE') ?? '10'),
    requestTimeoutMs: parseMilliseconds(optional(env, 'REQUEST_TIMEOUT') ?? '30s', 'REQUEST_TIMEOUT'),
    connectionTimeoutMs: parseMilliseconds(optional(env, 'CONNECTION_TIMEOUT') ?? '60s', 'CONNECTION_TIMEOUT'),
    metricsPort,
    dataDir,
    jwtSecret,
    jwksUrl,
    jwtIssuer,
    jwtAudience,
    tokenTtlSeconds: tokenTtl(optional(env, 'TOKEN_TTL') ?? '1h'),
    adminEmail,
    adminPassword,
    logLevel: optional(env, 'LOG_LEVEL') ?? 'info',
    trustProxy: trustProxy(optional(env, 'TRUST_PROXY')),
  };
}

/** A production server is never silently insecure: with PostgreSQL, tokens need a configured key. */
export function assertTokensCanBeTrusted(config: Config): void {
  if (config.database.kind === 'postgres' && !config.jwtSecret && !config.jwksUrl) {
    throw new ConfigError('refusing to start: DATABASE_URL is set but neither JWT_SECRET nor JWKS_URL is, so no token could be trusted');
  }
}

/** Reads `.env` from the working directory into process.env, without overriding what is set. */
export function loadDotEnv(file = '.env'): void {
  if (existsSync(file)) process.loadEnvFile(file);
}
