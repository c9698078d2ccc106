import { readFileSync } from 'node:fs';
import type { TlsConfig } from '@ultra/config';
import { errnoCode } from '@ultra/core';

/** The certificate material of one process, read once at start. */
export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  ca: Buffer;
  mutual: boolean;
}

let processTls: TlsMaterial | undefined;

/** Reads the files config names; a file that cannot be read stops the start with its path. */
export function loadTls(config: TlsConfig | undefined): TlsMaterial | undefined {
  if (!config) return undefined;
  const read = (path: string, what: string) => {
    try {
      return readFileSync(path);
    } catch (e) {
      throw new Error(`tls.${what}: cannot read ${path} (${errnoCode(e) ?? 'error'})`);
    }
  };
  return { cert: read(config.certFile, 'cert_file'), key: read(config.keyFile, 'key_file'), ca: read(config.caFile, 'ca_file'), mutual: config.mutual };
}

/**
 * Sets the TLS material every listener and internal client of this process uses by
 * default (done once by `runService` from config).
 */
export function useProcessTls(material: TlsMaterial | undefined): void {
  processTls = material;
}

export const processTlsMaterial = (): TlsMaterial | undefined => processTls;
