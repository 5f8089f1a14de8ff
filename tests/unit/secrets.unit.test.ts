import { randomBytes } from 'node:crypto';
import { decryptJson, encryptJson } from '../../security/secrets';

describe('secrets at rest', () => {
  const key = randomBytes(32);

  it('round-trips and never stores the plaintext', () => {
    const secret = { accessToken: 'shpat_very_secret_value' };
    const blob = encryptJson(key, secret);
    expect(blob.toString('latin1')).not.toContain('shpat_very_secret_value');
    expect(decryptJson(key, blob)).toEqual(secret);
    expect(encryptJson(key, secret).equals(blob)).toBe(false); // fresh IV each time
  });

  it('refuses a tampered blob or a wrong key', () => {
    const blob = encryptJson(key, { apiKey: 'k' });
    const tampered = Buffer.from(blob);
    tampered[tampered.length - 1]! ^= 1;
    expect(() => decryptJson(key, tampered)).toThrow();
    expect(() => decryptJson(randomBytes(32), blob)).toThrow();
  });
});
