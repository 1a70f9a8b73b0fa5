import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp } from '../support/app.ts';
import type { TestApp } from '../support/app.ts';
import { expectProblem } from '../support/problems.ts';
import type { ResponseLike } from '../support/problems.ts';

// Generous: the server must give up after about a second; a busy machine may add a few more.
const CLOSED_WITHIN_MS = 8_000;

let t: TestApp;
let port: number;
beforeAll(async () => {
  t = await testApp({ config: { requestTimeoutMs: 1_000 } });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const address = t.app.server.address();
  port = typeof address === 'object' && address ? address.port : 0;
});
afterAll(() => t.close());

interface Trickled {
  response: ResponseLike;
  /** Body bytes the client had sent when the server closed the connection. */
  bytesSent: number;
}

/**
 * Sends the head of a request at once, then its body one byte every `everyMs`, as a client that
 * holds a connection open on purpose would, and reads what the server answers until it closes.
 */
function trickle(head: string, body: string, everyMs: number): Promise<Trickled> {
  return new Promise((resolve, reject) => {
    let bytesSent = 0;
    let received = '';
    let timer: NodeJS.Timeout | undefined;
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(head);
      timer = setInterval(() => {
        if (bytesSent < body.length && socket.writable) socket.write(body.charAt(bytesSent++));
      }, everyMs);
    });
    const deadline = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the connection was still open after ${CLOSED_WITHIN_MS} ms, with ${bytesSent} body bytes sent`));
    }, CLOSED_WITHIN_MS);
    socket.on('data', (chunk) => (received += chunk.toString()));
    // The server may close while a byte is on its way: a reset is how such a close can look.
    socket.on('error', () => {});
    socket.on('close', () => {
      clearInterval(timer);
      clearTimeout(deadline);
      const [headText = '', responseBody = ''] = received.split('\r\n\r\n');
      const [statusLine = '', ...headerLines] = headText.split('\r\n');
      const headers = Object.fromEntries(
        headerLines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
      );
      resolve({ response: { statusCode: Number(statusLine.split(' ')[1]), headers, body: responseBody }, bytesSent });
    });
  });
}

describe('a request that is not received in time', () => {
  it('a body trickled one byte at a time is cut at the request timeout: 408 problem+json, connection closed', async () => {
    const body = JSON.stringify({ email: 'slow@example.com', password: 'x'.repeat(58) });
    expect(body.length).toBe(100);
    const head = [
      'POST /api/auth/login HTTP/1.1',
      'Host: allot.test',
      'Content-Type: application/json',
      `Content-Length: ${body.length}`,
      '',
      '',
    ].join('\r\n');

    const { response, bytesSent } = await trickle(head, body, 200);

    expectProblem(response, 408, 'request-timeout');
    expect(response.headers.connection).toBe('close');
    expect(bytesSent).toBeLessThan(body.length);
  });

  it('headers that never end are cut the same way', async () => {
    const { response } = await trickle('GET /healthz HTTP/1.1\r\nHost: allot.test\r\n', 'X-Slow: ' + 'a'.repeat(200), 200);
    expectProblem(response, 408, 'request-timeout');
  });
});

describe('a connection that stays silent', () => {
  it('is closed after the connection timeout, before any request', async () => {
    const quiet = await testApp({ database: t.database, config: { connectionTimeoutMs: 500 } });
    try {
      await quiet.app.listen({ port: 0, host: '127.0.0.1' });
      const address = quiet.app.server.address();
      const quietPort = typeof address === 'object' && address ? address.port : 0;
      const closed = await new Promise<boolean>((resolve) => {
        const socket = connect(quietPort, '127.0.0.1');
        const deadline = setTimeout(() => {
          socket.destroy();
          resolve(false);
        }, CLOSED_WITHIN_MS);
        socket.on('error', () => {});
        socket.on('close', () => {
          clearTimeout(deadline);
          resolve(true);
        });
      });
      expect(closed).toBe(true);
    } finally {
      await quiet.close();
    }
  });
});
