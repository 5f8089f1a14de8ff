import path from 'node:path';

/** Where global setup tells the test files (which may run in other processes) how to reach the shared servers. */
export const TEST_DATA_DIR = path.resolve(__dirname, '..', '..', '.data', 'test');
export const SERVERS_FILE = path.join(TEST_DATA_DIR, 'servers.json');

export interface TestServers {
  temporalAddress: string;
  postgresAdminUrl: string;
  postgresUrlTemplate: string;
  templateDatabase: string;
  redisUrl: string;
  workflowBundlePath: string;
}
