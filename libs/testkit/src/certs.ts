import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCerts {
  dir: string;
  ca: string;
  cert: string;
  key: string;
  /** A certificate for the same name from a CA nobody trusts. */
  rogueCert: string;
  rogueKey: string;
}

const openssl = (args: string[], cwd: string) => execFileSync('openssl', args, { cwd, stdio: 'pipe' });

/** A throwaway CA and a certificate for 127.0.0.1/localhost (server and client use), plus a rogue pair. */
export function makeTestCerts(): TestCerts {
  const dir = mkdtempSync(join(tmpdir(), 'ultra-certs-'));
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n');
  for (const who of ['ca', 'rogue-ca']) {
    openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${who}`, '-keyout', `${who}.key`, '-out', `${who}.crt`], dir);
  }
  for (const [name, ca] of [
    ['ultra', 'ca'],
    ['rogue', 'rogue-ca'],
  ] as const) {
    openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', `${name}.key`, '-out', `${name}.csr`], dir);
    openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-days', '2', '-extfile', 'ext.cnf', '-out', `${name}.crt`], dir);
  }
  return {
    dir,
    ca: join(dir, 'ca.crt'),
    cert: join(dir, 'ultra.crt'),
    key: join(dir, 'ultra.key'),
    rogueCert: join(dir, 'rogue.crt'),
    rogueKey: join(dir, 'rogue.key'),
  };
}
