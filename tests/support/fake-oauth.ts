// A token endpoint speaking RFC 6749's refresh_token grant with the answers recorded in tests/fixtures/providers/oauth/.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { listenLocal, type LocalHttpServer } from './local-http';

const fixtures = path.join(__dirname, '..', 'fixtures', 'providers', 'oauth');
const OK_ROTATING = JSON.parse(readFileSync(path.join(fixtures, 'refresh.ok.rotating.json'), 'utf8')) as Record<string, unknown>;
const INVALID_GRANT = readFileSync(path.join(fixtures, 'invalid_grant.json'), 'utf8');

export interface FakeOAuthOptions {
  clientId: string;
  clientSecret: string;
  /** Return a new refresh token each time and stop accepting the old one. */
  rotate: boolean;
  delayMs?: number;
  /** Called with each access token issued, e.g. to make the fake provider accept it. */
  onIssue?: (accessToken: string) => void;
}

export class FakeOAuthServer {
  calls = 0;
  readonly validRefreshTokens = new Set<string>();
  readonly usedRefreshTokens: string[] = [];
  tokenUrl = '';
  private server?: LocalHttpServer;
  private failures: number[] = [];
  private issued = 0;

  constructor(readonly options: FakeOAuthOptions) {}

  async start(): Promise<this> {
    this.server = await listenLocal((req, res) => void this.handle(req, res));
    this.tokenUrl = `${this.server.baseUrl}/oauth/token`;
    return this;
  }

  async stop(): Promise<void> {
    await this.server?.stop();
  }

  failNext(n: number, status: number): void {
    this.failures.push(...Array<number>(n).fill(status));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    this.calls += 1;
    const form = new URLSearchParams(raw);
    const send = (status: number, body: string) => {
      res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
      res.end(body);
    };
    if (this.options.delayMs) await new Promise((r) => setTimeout(r, this.options.delayMs));
    const failure = this.failures.shift();
    if (failure) return send(failure, JSON.stringify({ error: 'server_error' }));
    if (req.method !== 'POST' || form.get('grant_type') !== 'refresh_token') return send(400, JSON.stringify({ error: 'unsupported_grant_type' }));
    if (form.get('client_id') !== this.options.clientId || form.get('client_secret') !== this.options.clientSecret) {
      return send(401, JSON.stringify({ error: 'invalid_client' }));
    }
    const refreshToken = form.get('refresh_token') ?? '';
    this.usedRefreshTokens.push(refreshToken);
    if (!this.validRefreshTokens.has(refreshToken)) return send(400, INVALID_GRANT);
    this.issued += 1;
    const accessToken = `${String(OK_ROTATING.access_token)}-${this.issued}`;
    const body: Record<string, unknown> = { ...OK_ROTATING, access_token: accessToken };
    if (this.options.rotate) {
      const next = `${String(OK_ROTATING.refresh_token)}-${this.issued}`;
      this.validRefreshTokens.delete(refreshToken);
      this.validRefreshTokens.add(next);
      body.refresh_token = next;
    } else {
      delete body.refresh_token;
    }
    this.options.onIssue?.(accessToken);
    send(200, JSON.stringify(body));
  }
}
