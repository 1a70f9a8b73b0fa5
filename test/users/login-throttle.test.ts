import { describe, expect, it } from 'vitest';
import { LoginThrottle } from '../../src/users/login/login-throttle.ts';

const MINUTE = 60_000;

describe('the sign-in throttle', () => {
  it('holds a client back after 5 failures for what is left of 15 minutes since the first, then forgets them', () => {
    const throttle = new LoginThrottle();
    const start = 1_000_000_000;
    for (let i = 0; i < 5; i++) throttle.recordFailure('203.0.113.7', start + i * MINUTE);
    expect(throttle.retryAfter('203.0.113.7', start + 5 * MINUTE)).toBe(10 * 60);
    expect(throttle.retryAfter('203.0.113.7', start + 15 * MINUTE - 1000)).toBe(1);
    // The first failure leaves the window: four remain, so the client may try again.
    expect(throttle.retryAfter('203.0.113.7', start + 15 * MINUTE)).toBe(0);
    expect(throttle.retryAfter('203.0.113.8', start)).toBe(0);
  });

  it('a success clears the client', () => {
    const throttle = new LoginThrottle();
    for (let i = 0; i < 5; i++) throttle.recordFailure('203.0.113.9', 0);
    throttle.recordSuccess('203.0.113.9');
    expect(throttle.retryAfter('203.0.113.9', 0)).toBe(0);
  });
});
