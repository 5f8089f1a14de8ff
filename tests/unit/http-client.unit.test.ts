import { ApplicationFailure } from '@temporalio/common';
import { requestJson } from '../../connectors/http';
import { FailureType } from '../../contracts/failures';
import { listenLocal, type LocalHttpServer } from '../support/local-http';
import { waitFor } from '../support/wait';

/** The fake provider listens on loopback over plain HTTP, as ALLOW_INSECURE_PROVIDER_URLS allows in tests. */
const TEST_POLICY = { allowInsecure: true, allowedCidrs: [] };

describe('requestJson', () => {
  let server: LocalHttpServer;
  let baseUrl: string;
  /** How many bytes each answer of /endless actually wrote before the client hung up. */
  const written: number[] = [];

  beforeAll(async () => {
    server = await listenLocal((req, res) => {
      if (req.url === '/endless') {
        // Chunked, no Content-Length, never ends by itself: only the client's limit stops it.
        res.writeHead(200, { 'content-type': 'application/json' });
        let sent = 0;
        const chunk = Buffer.alloc(16 * 1024, 'a');
        const pump = () => {
          while (!res.destroyed && res.write(chunk)) sent += chunk.length;
          if (!res.destroyed) res.once('drain', pump);
        };
        res.on('close', () => written.push(sent));
        res.write('{"orders":"');
        pump();
      } else if (req.url === '/declared-huge') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(10 * 1024 * 1024) });
        res.write('{');
      } else if (req.url === '/html') {
        res.writeHead(200, { 'content-type': 'text/html' }).end('<html>Bad gateway</html>');
      } else {
        res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
        res.write('{"orders":[{"id":1},');
        res.end('{"id":2}]}');
      }
    });
    baseUrl = server.baseUrl;
  });

  afterAll(async () => {
    await server.stop();
  });

  const failureOf = async (promise: Promise<unknown>) => {
    const err = await promise.then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    return err as ApplicationFailure;
  };

  it('reads a chunked JSON answer', async () => {
    const { body } = await requestJson<{ orders: Array<{ id: number }> }>('shop', `${baseUrl}/ok`, { policy: TEST_POLICY });
    expect(body.orders.map((o) => o.id)).toEqual([1, 2]);
  });

  it('refuses a chunked answer past the limit without reading the rest, as a non-retryable failure', async () => {
    const err = await failureOf(requestJson('shop', `${baseUrl}/endless`, { maxBytes: 1024 * 1024, policy: TEST_POLICY }));
    expect(err).toMatchObject({ type: FailureType.ProviderRejected, nonRetryable: true, message: 'shop answered more than 1048576 bytes' });
    // The client hung up: the server stopped soon after the limit (socket buffers hold a few MB), not after gigabytes.
    await waitFor(async () => written.length === 1, 10_000);
    expect(written[0]).toBeLessThan(8 * 1024 * 1024);
  });

  it('refuses an answer whose Content-Length is past the limit before reading it', async () => {
    const err = await failureOf(requestJson('shop', `${baseUrl}/declared-huge`, { maxBytes: 1024 * 1024, policy: TEST_POLICY }));
    expect(err).toMatchObject({ type: FailureType.ProviderRejected, nonRetryable: true });
  });

  it('a 200 whose body is not JSON is a retryable failure that shows the start of the body', async () => {
    const err = await failureOf(requestJson('shop', `${baseUrl}/html`, { policy: TEST_POLICY }));
    expect(err.type).toBe(FailureType.ProviderUnavailable);
    expect(err.nonRetryable).toBe(false);
    expect(err.message).toContain('<html>Bad gateway</html>');
  });
});
