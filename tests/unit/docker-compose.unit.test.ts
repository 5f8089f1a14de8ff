import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { envFields } from '../../config/env';

const root = path.resolve(__dirname, '..', '..');
const compose = parse(readFileSync(path.join(root, 'docker-compose.temporal.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, { build?: string; command?: string[]; environment?: Record<string, string>; deploy?: { replicas?: number } }>;
};
const scripts = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
const appServices = Object.entries(compose.services).filter(([, s]) => s.build);

describe('docker-compose.temporal.yml (no Docker engine here, so its wiring is checked by reading it)', () => {
  it('has Temporal, its UI, Redis, PostgreSQL, the API and scaled workers', () => {
    expect(Object.keys(compose.services)).toEqual(
      expect.arrayContaining(['temporal', 'temporal-ui', 'redis', 'app-postgresql', 'api', 'worker']),
    );
    expect(compose.services.worker!.deploy?.replicas).toBeGreaterThan(1);
  });

  it.each(appServices)('%s runs a real npm script', (_name, service) => {
    const [npm, run, script] = service.command!;
    expect([npm, run]).toEqual(['npm', 'run']);
    expect(scripts[script!]).toBeDefined();
  });

  it.each(appServices)('%s sets only variables the config schema knows', (_name, service) => {
    const unknown = Object.keys(service.environment ?? {}).filter((k) => !(k in envFields));
    expect(unknown).toEqual([]);
  });
});
