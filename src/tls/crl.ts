// --client-crl-file / --peer-crl-file as etcd's pkg/transport checkCRL: after the handshake, a
// peer certificate whose serial number is listed in the CRL is refused. Like etcd, only the
// serial numbers are compared (the CRL's signature and issuer are not checked), and the file is
// read again when it changes, so a revocation needs no restart.
import { readFileSync, statSync } from 'node:fs';

/** Upper-case hex without leading zeros: how node:crypto's X509Certificate prints a serial. */
export type SerialHex = string;

/** The revoked serial numbers of a CRL file (PEM `X509 CRL` blocks or one DER CRL). */
export function parseCrlSerials(data: Buffer): Set<SerialHex> {
  const text = data.toString('latin1');
  const pems = [...text.matchAll(/-----BEGIN X509 CRL-----([\s\S]*?)-----END X509 CRL-----/g)];
  const ders = pems.length > 0 ? pems.map((m) => Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64')) : [data];
  const serials = new Set<SerialHex>();
  for (const der of ders) for (const s of revokedSerials(der)) serials.add(s);
  return serials;
}

export function normaliseSerial(hex: string): SerialHex {
  return hex.toUpperCase().replace(/^0+(?=.)/, '');
}

/** Reads the CRL file again whenever its size or mtime changes. */
export class CrlFile {
  private stamp = '';
  private serials = new Set<SerialHex>();

  constructor(readonly path: string) {
    this.refresh();
  }

  /** Whether any of the serials is revoked, with the CRL as it is on disk now. */
  revoked(serials: readonly SerialHex[]): boolean {
    this.refresh();
    return serials.some((s) => this.serials.has(normaliseSerial(s)));
  }

  private refresh(): void {
    const st = statSync(this.path);
    const stamp = `${st.ino}:${st.size}:${st.mtimeMs}`;
    if (stamp === this.stamp) return;
    this.serials = parseCrlSerials(readFileSync(this.path));
    this.stamp = stamp;
  }
}

// A DER walk just deep enough for RFC 5280's CertificateList:
//   SEQUENCE { tbsCertList SEQUENCE { version INTEGER OPTIONAL, signature, issuer, thisUpdate,
//   nextUpdate OPTIONAL, revokedCertificates SEQUENCE OF SEQUENCE { serial INTEGER, ... }
//   OPTIONAL, [0] crlExtensions OPTIONAL }, signatureAlgorithm, signatureValue }
const TAG_INTEGER = 0x02;
const TAG_SEQUENCE = 0x30;
const TAG_UTC_TIME = 0x17;
const TAG_GENERALIZED_TIME = 0x18;

interface Tlv {
  tag: number;
  body: Buffer;
}

function revokedSerials(der: Buffer): SerialHex[] {
  const certList = expect(readTlvs(der)[0], TAG_SEQUENCE);
  const tbs = readTlvs(expect(readTlvs(certList.body)[0], TAG_SEQUENCE).body);
  let i = tbs[0]?.tag === TAG_INTEGER ? 1 : 0; // version
  i += 2; // signature, issuer
  i += 1; // thisUpdate
  if (tbs[i]?.tag === TAG_UTC_TIME || tbs[i]?.tag === TAG_GENERALIZED_TIME) i += 1; // nextUpdate
  const revoked = tbs[i];
  if (revoked?.tag !== TAG_SEQUENCE) return [];
  return readTlvs(revoked.body).map((entry) => {
    const serial = expect(readTlvs(expect(entry, TAG_SEQUENCE).body)[0], TAG_INTEGER);
    return normaliseSerial(serial.body.toString('hex'));
  });
}

function expect(t: Tlv | undefined, tag: number): Tlv {
  if (t?.tag !== tag) throw new Error('malformed CRL: unexpected DER structure');
  return t;
}

function readTlvs(buf: Buffer): Tlv[] {
  const out: Tlv[] = [];
  let p = 0;
  while (p < buf.length) {
    const tag = buf[p++]!;
    let len = buf[p++];
    if (len === undefined) throw new Error('malformed CRL: truncated DER');
    if (len & 0x80) {
      const n = len & 0x7f;
      if (n === 0 || n > 4 || p + n > buf.length) throw new Error('malformed CRL: bad DER length');
      len = 0;
      for (let k = 0; k < n; k++) len = len * 256 + buf[p++]!;
    }
    if (p + len > buf.length) throw new Error('malformed CRL: truncated DER');
    out.push({ tag, body: buf.subarray(p, p + len) });
    p += len;
  }
  return out;
}
