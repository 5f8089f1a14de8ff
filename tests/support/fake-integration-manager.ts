// The integration manager's refresh API as INTEGRATION_MANAGER_URL delegation expects it: POST
// /connections/:id/refresh with a bearer token, answering in the token endpoint's recorded RFC 6749 shapes.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { listenLocal, type LocalHttpServer } from './local-http';

const fixtures = path.join(__dirname, '..', 'fixtures', 'providers', 'oauth');
const OK_ROTATING = JSON.parse(readFileSync(path.join(fixtures, 'refresh.ok.rotating.json'), 'utf8')) as Record<string, unknown>;
const INVALID_GRANT = readFileSync(path.join(fixtures, 'invalid_grant.json'), 'utf8');

export interface ManagerCall {
  connectionId: string;
  authorization: string | undefined;
  body: { integrationId: string; tenantId: string; refreshToken: string };
}

export class FakeIntegrationManager {
  readonly calls: ManagerCall[] = [];
  /** Refresh tokens it refuses with invalid_grant. */
  readonly revoked = new Set<string>();
  url = '';
  private server?: LocalHttpServer;

  constructor(private readonly options: { apiToken: string; onIssue: (accessToken: string) => void }) {}

  async start(): Promise<this> {
    this.server = await listenLocal((req, res) => void this.handle(req, res));
    this.url = `${this.server.baseUrl}/api`;
    return this;
  }

  async stop(): Promise<void> {
    await this.server?.stop();
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    const match = /^\/api\/connections\/([^/]+)\/refresh$/.exec(req.url ?? '');
    const send = (status: number, body: string): void => {
      res.writeHead(status, { 'Content-Type': 'application/json' }).end(body);
    };
    if (req.method !== 'POST' || !match) return send(404, '{"error":"not_found"}');
    if (req.headers.authorization !== `Bearer ${this.options.apiToken}`) return send(401, '{"error":"unauthorized"}');
    const call: ManagerCall = { connectionId: decodeURIComponent(match[1]!), authorization: req.headers.authorization, body: JSON.parse(raw) as ManagerCall['body'] };
    this.calls.push(call);
    if (this.revoked.has(call.body.refreshToken)) return send(400, INVALID_GRANT);
    const n = this.calls.length;
    const accessToken = `manager-access-${n}`;
    this.options.onIssue(accessToken);
    send(200, JSON.stringify({ ...OK_ROTATING, access_token: accessToken, refresh_token: `manager-refresh-${n}` }));
  }
}
