import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';

/**
 * An address list as Fastify reads trustProxy: a comma-separated string is split at the commas
 * and trimmed; an array is taken as it is.
 */
function addressList(trustProxy: unknown): unknown {
  return typeof trustProxy === 'string' ? trustProxy.split(',').map((entry) => entry.trim()) : trustProxy;
}

describe('TRUST_PROXY', () => {
  it('unset trusts no proxy: trustProxy is false', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
  });

  it('"false" (or blank) trusts no proxy: trustProxy is false', () => {
    expect(loadConfig({ TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '  ' }).trustProxy).toBe(false);
  });

  it.each([
    ['1', 1],
    ['2', 2],
  ])('a hop count "%s" is the number %i, as Fastify takes it', (value, hops) => {
    expect(loadConfig({ TRUST_PROXY: value }).trustProxy).toBe(hops);
  });

  it('one address is a list of that address', () => {
    expect(addressList(loadConfig({ TRUST_PROXY: '10.0.0.1' }).trustProxy)).toEqual(['10.0.0.1']);
  });

  it('a comma-separated list of addresses and CIDRs (IPv4 and IPv6), with spaces, is that list', () => {
    const { trustProxy } = loadConfig({ TRUST_PROXY: ' 10.0.0.1 , 192.168.0.0/16,::1, fd00::/8 ' });
    expect(addressList(trustProxy)).toEqual(['10.0.0.1', '192.168.0.0/16', '::1', 'fd00::/8']);
  });
});
