import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LocalHttpServer {
  /** http://127.0.0.1:<port>, no trailing slash. */
  baseUrl: string;
  /** Closes the server and the connections still open on it. */
  stop(): Promise<void>;
}

/** An HTTP server on a free loopback port: what every fake provider and receiver in the tests stands on. */
export async function listenLocal(handler: http.RequestListener): Promise<LocalHttpServer> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
