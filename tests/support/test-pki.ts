// A throwaway certificate authority for TLS tests: a CA, a server certificate for localhost and client certificates,
// all PEM, made with @peculiar/x509 on Node's WebCrypto.
// @peculiar/x509 resolves its parts through tsyringe, which needs the Reflect metadata API.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as never);

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export interface IssuedCertificate {
  cert: string;
  key: string;
}

export interface TestPki {
  caCert: string;
  server: IssuedCertificate;
  issueClient(commonName: string): Promise<IssuedCertificate>;
}

const pemKey = async (key: webcrypto.CryptoKey) =>
  `-----BEGIN PRIVATE KEY-----\n${Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key)).toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END PRIVATE KEY-----\n`;

const keyPair = () => webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']) as Promise<webcrypto.CryptoKeyPair>;

export async function createTestPki(name = 'Integration Sync Test CA'): Promise<TestPki> {
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(Date.now() + 24 * 3_600_000);
  const caKeys = await keyPair();
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: `CN=${name}`,
    notBefore,
    notAfter,
    keys: caKeys as never,
    signingAlgorithm: ALGORITHM,
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true)],
  });
  let serial = 1;
  const issue = async (commonName: string, usage: string, names: x509.JsonGeneralName[]): Promise<IssuedCertificate> => {
    const keys = await keyPair();
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: (++serial).toString(16).padStart(2, '0'),
      subject: `CN=${commonName}`,
      issuer: ca.subject,
      notBefore,
      notAfter,
      publicKey: keys.publicKey as never,
      signingKey: caKeys.privateKey as never,
      signingAlgorithm: ALGORITHM,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([usage]),
        ...(names.length ? [new x509.SubjectAlternativeNameExtension(names)] : []),
      ],
    });
    return { cert: cert.toString('pem'), key: await pemKey(keys.privateKey) };
  };
  return {
    caCert: ca.toString('pem'),
    server: await issue('localhost', x509.ExtendedKeyUsage.serverAuth, [
      { type: 'dns', value: 'localhost' },
      { type: 'ip', value: '127.0.0.1' },
    ]),
    issueClient: (commonName) => issue(commonName, x509.ExtendedKeyUsage.clientAuth, []),
  };
}
