// Temporal connection settings as the `temporal` CLI reads them: variables, the TOML profile file, and errors that
// name the setting without showing a key.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '../../config/config-error';
import { loadTemporalConnection } from '../../temporal/connection-settings';

describe('Temporal connection settings', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'temporal-profile-'));
  const profile = (name: string, toml: string) => {
    const file = path.join(dir, name);
    writeFileSync(file, toml);
    return file;
  };
  const problemOf = (env: Record<string, string>) => {
    try {
      loadTemporalConnection(env);
    } catch (err) {
      if (err instanceof ConfigError) return err.message;
      throw err;
    }
    throw new Error('no error');
  };

  it('defaults to the local dev server', () => {
    expect(loadTemporalConnection({})).toEqual({ address: 'localhost:7233', namespace: 'default' });
  });

  it('reads a Temporal Cloud API key from the variables, which turns TLS on', () => {
    expect(loadTemporalConnection({ TEMPORAL_ADDRESS: 'eu-west-1.aws.api.temporal.io:7233', TEMPORAL_NAMESPACE: 'acme.a1b2c', TEMPORAL_API_KEY: 'key-123' })).toEqual({
      address: 'eu-west-1.aws.api.temporal.io:7233',
      namespace: 'acme.a1b2c',
      apiKey: 'key-123',
      tls: true,
    });
  });

  it('reads a profile file, the variables winning over it, and TLS files it names', () => {
    const ca = path.join(dir, 'ca.pem');
    writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    const file = profile('temporal.toml', `[profile.default]\naddress = "a:1"\nnamespace = "ns"\n[profile.prod]\naddress = "prod:7233"\nnamespace = "prod-ns"\n[profile.prod.tls]\nserver_ca_cert_path = "${ca}"\nserver_name = "temporal.internal"\n`);
    expect(loadTemporalConnection({ TEMPORAL_CONFIG_FILE: file })).toMatchObject({ address: 'a:1', namespace: 'ns' });
    const prod = loadTemporalConnection({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'prod', TEMPORAL_NAMESPACE: 'override' });
    expect(prod).toMatchObject({ address: 'prod:7233', namespace: 'override', tls: { serverNameOverride: 'temporal.internal' } });
    expect(Buffer.from((prod.tls as { serverRootCACertificate: Uint8Array }).serverRootCACertificate).toString()).toContain('BEGIN CERTIFICATE');
  });

  it('says which setting is wrong, and never the content of a file that holds keys', () => {
    expect(problemOf({ TEMPORAL_CONFIG_FILE: path.join(dir, 'absent.toml') })).toMatch(/TEMPORAL_CONFIG_FILE: no file at .*absent\.toml/);
    const broken = profile('broken.toml', '[profile.default]\napi_key = "very-secret-key\n');
    const message = problemOf({ TEMPORAL_CONFIG_FILE: broken });
    expect(message).toMatch(/broken\.toml.*Invalid TOML/);
    expect(message).not.toContain('very-secret-key');
    expect(problemOf({ TEMPORAL_CONFIG_FILE: profile('one.toml', '[profile.default]\naddress = "a:1"\n'), TEMPORAL_PROFILE: 'prod' })).toMatch(/Profile 'prod' not found/);
    expect(problemOf({ TEMPORAL_TLS: 'true', TEMPORAL_TLS_CLIENT_CERT_PATH: path.join(dir, 'missing-cert.pem') })).toMatch(/missing-cert\.pem/);
  });
});
