import { rmSync } from 'node:fs';
import path from 'node:path';

export default async function globalTeardown(): Promise<void> {
  const servers = globalThis.__integrationServers;
  if (!servers) return;
  await Promise.allSettled(servers.stops.map((stop) => stop()));
  rmSync(path.dirname(servers.pgDir), { recursive: true, force: true });
}
