import { connect } from 'node:net';
import { expect, it } from 'vitest';
import { testApp } from '../support/app.ts';
import { expectProblem } from '../support/problems.ts';
import type { ResponseLike } from '../support/problems.ts';

/** The HTTP/1.1 responses in what one connection received, in order. */
function responses(received: string): ResponseLike[] {
  return received
    .split(/(?=HTTP\/1\.1 )/)
    .filter(Boolean)
    .map((text) => {
      const [head = '', body = ''] = text.split('\r\n\r\n');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers = Object.fromEntries(
        lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
      );
      return { statusCode: Number(statusLine.split(' ')[1]), headers, body };
    });
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

it('a request arriving on a kept-alive connection while the server drains is a 503 problem, and the one in flight finishes', async () => {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const t = await testApp({
    routes: (app) => {
      app.get('/test/held', async () => {
        await held;
        return { finished: true };
      });
    },
  });
  try {
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const address = t.app.server.address();
    const socket = connect(typeof address === 'object' && address ? address.port : 0, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk) => (received += chunk.toString()));
    const ended = new Promise((resolve) => socket.on('close', resolve));
    socket.write('GET /test/held HTTP/1.1\r\nHost: allot\r\n\r\n');
    await pause(100);

    const closed = t.app.close();
    await pause(50);
    // The connection is busy, so the server keeps it; the next request on it arrives during the drain.
    socket.write('GET /healthz HTTP/1.1\r\nHost: allot\r\n\r\n');
    await pause(50);
    release();
    await closed;
    // The 503 says Connection: close, so the server ends the connection after it.
    await ended;

    const [first, second] = responses(received);
    expect(first?.statusCode).toBe(200);
    expect(JSON.parse(first!.body)).toEqual({ finished: true });
    expectProblem(second!, 503, 'shutting-down');
    expect(second!.headers.connection).toBe('close');
    expect(second!.headers['x-request-id']).toEqual(expect.any(String));
  } finally {
    await t.database.close();
  }
});
