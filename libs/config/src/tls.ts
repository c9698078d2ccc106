import { z } from 'zod';

/** TLS between Ultra's services: every RPC listener and every internal client. */
export interface TlsConfig {
  /** PEM certificate chain this service presents. */
  readonly certFile: string;
  /** PEM private key of that certificate. */
  readonly keyFile: string;
  /** PEM CA bundle that peers' certificates must chain to. */
  readonly caFile: string;
  /** Require and check a client certificate on every internal listener (mutual TLS). */
  readonly mutual: boolean;
}

export const tlsSchema = z
  .strictObject({
    cert_file: z.string().min(1),
    key_file: z.string().min(1),
    ca_file: z.string().min(1),
    mutual: z.boolean().default(false),
  })
  .optional();

export function resolveTls(t: z.output<typeof tlsSchema>): TlsConfig | undefined {
  return t ? { certFile: t.cert_file, keyFile: t.key_file, caFile: t.ca_file, mutual: t.mutual } : undefined;
}
