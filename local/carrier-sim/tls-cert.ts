import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * A throw-away self-signed certificate for the local SMSC (localhost and 127.0.0.1), made by the
 * openssl CLI: Node has no certificate generator and the project carries no library for it. The
 * certificate is its own CA, so a connector given it as caFile verifies the SMSC for real.
 */
export interface SelfSignedCert {
  readonly key: Buffer;
  readonly cert: Buffer;
  /** Where the certificate is written (the connector's caFile). */
  readonly certFile: string;
  readonly dispose: () => void;
}

export function generateSelfSignedCert(commonName = "localhost"): SelfSignedCert {
  const dir = mkdtempSync(join(tmpdir(), "textgate-smsc-"));
  const keyFile = join(dir, "key.pem");
  const certFile = join(dir, "cert.pem");
  try {
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        keyFile,
        "-out",
        certFile,
        "-days",
        "2",
        "-subj",
        `/CN=${commonName}`,
        "-addext",
        "subjectAltName=DNS:localhost,IP:127.0.0.1",
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error("the local SMSC needs the openssl command to make its TLS certificate", { cause: error });
  }
  return {
    key: readFileSync(keyFile),
    cert: readFileSync(certFile),
    certFile,
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}
