// A TLS-terminating gRPC proxy in front of the test dev server (which speaks plain HTTP/2): what a Temporal cluster
// with TLS, mTLS or API keys looks like to our processes. It forwards every HTTP/2 stream, trailers included, and
// records what it saw: the client certificate's name and the authorization header of each call.
import http2 from 'node:http2';
import type { TLSSocket } from 'node:tls';
import type { TestPki } from './test-pki';

export interface TlsProxy {
  address: string;
  /** One entry per forwarded call. */
  calls: Array<{ path: string; clientName: string | undefined; authorization: string | undefined }>;
  close(): Promise<void>;
}

const HOP_HEADERS = new Set([':method', ':path', ':scheme', ':authority', 'connection', 'host']);

export async function startTlsProxy(options: { pki: TestPki; upstream: string; requireClientCert: boolean }): Promise<TlsProxy> {
  const upstream = http2.connect(`http://${options.upstream}`);
  upstream.on('error', () => undefined);
  const calls: TlsProxy['calls'] = [];
  const server = http2.createSecureServer({
    key: options.pki.server.key,
    cert: options.pki.server.cert,
    ca: options.pki.caCert,
    requestCert: options.requireClientCert,
    rejectUnauthorized: options.requireClientCert,
  });
  server.on('stream', (stream, headers) => {
    const socket = stream.session?.socket as TLSSocket | undefined;
    const peer = socket?.getPeerCertificate?.();
    calls.push({ path: String(headers[':path']), clientName: peer?.subject?.CN ? String(peer.subject.CN) : undefined, authorization: headers.authorization as string | undefined });
    const forwarded = Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_HEADERS.has(name)));
    const request = upstream.request({ ':method': headers[':method'], ':path': headers[':path'], ...forwarded });
    stream.pipe(request);
    request.on('response', (response) => {
      const { ':status': status, ...rest } = response;
      if (!stream.destroyed) stream.respond({ ':status': status, ...rest }, { waitForTrailers: true });
      request.pipe(stream);
    });
    let trailers: http2.OutgoingHttpHeaders = {};
    request.on('trailers', (received) => (trailers = received));
    stream.on('wantTrailers', () => stream.sendTrailers(trailers));
    request.on('error', () => stream.destroy());
    stream.on('error', () => request.destroy());
    stream.on('close', () => request.close());
  });
  // Tracked so close does not wait for the worker's long polls to end on their own.
  const open = new Set<http2.ServerHttp2Session>();
  server.on('session', (session) => {
    open.add(session);
    session.on('close', () => open.delete(session));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    address: `127.0.0.1:${port}`,
    calls,
    close: async () => {
      upstream.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const session of open) session.destroy();
      });
    },
  };
}
