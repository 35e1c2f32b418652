// Backup sets in an S3 bucket (AWS or any S3-compatible store: MinIO, Ceph, s3rver...).
// Object storage has no rename, so a set's visibility is its manifest instead: every file of a
// set goes under `prefix/<set>/`, the manifest is written last, and a set is complete exactly
// when its manifest object exists. A failed run deletes what it wrote; one killed outright
// leaves objects without a manifest, which list as incomplete and which prune removes.
//
// Every upload carries Content-MD5 and (unless checksum=md5) x-amz-checksum-sha256, so the store
// rejects bytes damaged on the way; big files go up in parts, each with its own checksums.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CreateMultipartUploadCommand, DeleteObjectsCommand, GetObjectCommand,
  ListMultipartUploadsCommand, ListObjectsV2Command, PutObjectCommand, S3Client, UploadPartCommand, type CompletedPart, type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { MANIFEST_NAME } from './manifest.js';
import { meter, startProgress, type Progress } from './progress.js';
import { setTime } from './set-name.js';
import { TargetError, type SetInfo, type SetWriter, type Target } from './target.js';

const MiB = 1024 * 1024;
/** Files from this size on go up in parts. */
export const DEFAULT_MULTIPART_THRESHOLD = 64 * MiB;
export const DEFAULT_PART_SIZE = 16 * MiB;
/** S3 allows at most this many parts; the part size grows for files that would need more. */
const MAX_PARTS = 10_000;
export const DEFAULT_MAX_ATTEMPTS = 3;
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
/** A socket silent this long is given up (a stalled endpoint must not hang a cron job). */
export const DEFAULT_IDLE_TIMEOUT_MS = 60_000;
const RETRY_BASE_DELAY_MS = 200;
/** DeleteObjects takes at most this many keys. */
const DELETE_BATCH = 1000;
const FALLBACK_REGION = 'us-east-1';
const QUIET_LOGGER = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

export type S3Checksum = 'sha256' | 'md5';

export interface S3Settings {
  bucket: string;
  /** Key prefix without leading or trailing slash; '' for the bucket's root. */
  prefix: string;
  endpoint?: string;
  region?: string;
  forcePathStyle: boolean;
  /** Static credentials; undefined uses the SDK's default chain (env, profile, SSO, instance role). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  profile?: string;
  multipartThreshold: number;
  partSize: number;
  maxAttempts: number;
  connectTimeoutMs: number;
  idleTimeoutMs: number;
  checksum: S3Checksum;
}

/** The query parameters an s3:// target takes. */
const URL_PARAMS = ['endpoint', 'region', 'force-path-style', 'multipart-threshold', 'part-size', 'max-attempts', 'connect-timeout', 'idle-timeout', 'checksum'];

/** "64MiB", "5m", "1048576" → bytes. */
export function parseSize(s: string): number {
  const m = /^(\d+)\s*(b|k|kb|kib|m|mb|mib|g|gb|gib)?$/i.exec(s.trim());
  if (!m) throw new TargetError(`not a size: ${JSON.stringify(s)} (e.g. 64MiB)`);
  const unit = (m[2] ?? 'b').toLowerCase()[0]!;
  return Number(m[1]) * ({ b: 1, k: 1024, m: MiB, g: 1024 * MiB } as Record<string, number>)[unit]!;
}

/** "30" or "30s" → milliseconds; "500ms" as written. */
function parseDuration(s: string): number {
  const m = /^(\d+)(ms|s)?$/.exec(s.trim());
  if (!m) throw new TargetError(`not a duration: ${JSON.stringify(s)} (seconds, or e.g. 500ms)`);
  return m[2] === 'ms' ? Number(m[1]) : Number(m[1]) * 1000;
}

function parseBool(s: string, name: string): boolean {
  if (/^(true|1|yes)$/i.test(s)) return true;
  if (/^(false|0|no)$/i.test(s)) return false;
  throw new TargetError(`${name} wants true or false, got ${JSON.stringify(s)}`);
}

/**
 * `s3://bucket/prefix?endpoint=...&region=...` plus the usual AWS environment: query parameters
 * win over AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL and AWS_REGION / AWS_DEFAULT_REGION; keys
 * come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN when both are set,
 * otherwise from the SDK's chain (AWS_PROFILE, ~/.aws, SSO, instance roles).
 */
export function s3SettingsFromUrl(spec: string, env: NodeJS.ProcessEnv): S3Settings {
  let url: URL;
  try {
    url = new URL(spec);
  } catch {
    throw new TargetError(`bad S3 target ${JSON.stringify(spec)}: want s3://bucket/prefix`);
  }
  if (url.protocol !== 's3:' || url.hostname === '') throw new TargetError(`bad S3 target ${JSON.stringify(spec)}: want s3://bucket/prefix`);
  if (url.username || url.password) throw new TargetError('put S3 credentials in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), not in the target URL');
  const q = url.searchParams;
  for (const k of q.keys()) if (!URL_PARAMS.includes(k)) throw new TargetError(`unknown S3 target parameter ${k} (known: ${URL_PARAMS.join(', ')})`);
  const endpoint = q.get('endpoint') ?? (env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined);
  const checksum = q.get('checksum') ?? 'sha256';
  if (checksum !== 'sha256' && checksum !== 'md5') throw new TargetError(`checksum wants sha256 or md5, got ${checksum}`);
  const partSize = parseSize(q.get('part-size') ?? String(DEFAULT_PART_SIZE));
  const maxAttempts = Number(q.get('max-attempts') ?? DEFAULT_MAX_ATTEMPTS);
  if (partSize <= 0) throw new TargetError('part-size must be above 0');
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw new TargetError('max-attempts wants a whole number from 1');
  return {
    bucket: url.hostname,
    prefix: decodeURIComponent(url.pathname).replace(/^\/+|\/+$/g, ''),
    endpoint,
    region: q.get('region') ?? (env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined),
    // a custom endpoint is most often MinIO or similar, which want path-style addressing
    forcePathStyle: q.has('force-path-style') ? parseBool(q.get('force-path-style')!, 'force-path-style') : endpoint !== undefined,
    credentials: env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) }
      : undefined,
    profile: env.AWS_PROFILE || undefined,
    multipartThreshold: parseSize(q.get('multipart-threshold') ?? String(DEFAULT_MULTIPART_THRESHOLD)),
    partSize,
    maxAttempts,
    connectTimeoutMs: q.has('connect-timeout') ? parseDuration(q.get('connect-timeout')!) : DEFAULT_CONNECT_TIMEOUT_MS,
    idleTimeoutMs: q.has('idle-timeout') ? parseDuration(q.get('idle-timeout')!) : DEFAULT_IDLE_TIMEOUT_MS,
    checksum,
  };
}

interface SdkError {
  name?: string;
  code?: string;
  message?: string;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number };
}

/** Failures before a connection exists: the endpoint is wrong, down or unroutable. */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
const NETWORK_CODES = new Set([...UNREACHABLE_CODES, 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'TimeoutError']);

const isNetworkError = (e: SdkError) => NETWORK_CODES.has(e.code ?? '') || NETWORK_CODES.has(e.name ?? '');

/** Worth another try: the network, throttling, a server error. Never a 4xx verdict. */
function retryable(e: SdkError): boolean {
  const status = e.$metadata?.httpStatusCode;
  return isNetworkError(e) || !!e.$retryable || (status !== undefined && (status >= 500 || status === 429));
}

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

function hashes(data: Buffer): { md5: string; sha256: string } {
  return { md5: createHash('md5').update(data).digest('base64'), sha256: createHash('sha256').update(data).digest('base64') };
}

async function hashFile(path: string): Promise<{ md5: string; sha256: string }> {
  const md5 = createHash('md5');
  const sha = createHash('sha256');
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    md5.update(chunk);
    sha.update(chunk);
  }
  return { md5: md5.digest('base64'), sha256: sha.digest('base64') };
}

export class S3Target implements Target {
  readonly description: string;
  private readonly client: S3Client;
  /** Requests with a streamed body: not retried by the SDK (a stream cannot be replayed), but by withRetries. */
  private readonly streamClient: S3Client;

  constructor(private readonly s: S3Settings) {
    this.description = `s3://${s.bucket}/${s.prefix}${s.endpoint ? ` at ${s.endpoint}` : ''}`;
    const base: S3ClientConfig = {
      forcePathStyle: s.forcePathStyle,
      // the checksums are ours (md5 + sha256 of the exact bytes); the SDK's default would
      // switch to aws-chunked bodies, which several S3-compatible stores cannot read
      requestChecksumCalculation: 'WHEN_REQUIRED',
      requestHandler: { connectionTimeout: s.connectTimeoutMs, socketTimeout: s.idleTimeoutMs },
      followRegionRedirects: true,
      ...(s.endpoint ? { endpoint: s.endpoint } : {}),
      ...(s.credentials ? { credentials: s.credentials } : {}),
      ...(s.profile ? { profile: s.profile } : {}),
    };
    // no region anywhere: the profile's, else us-east-1 (a wrong one is followed by redirect)
    const region = s.region ?? (() => new S3Client({ ...(s.profile ? { profile: s.profile } : {}) }).config.region().catch(() => FALLBACK_REGION));
    this.client = new S3Client({ ...base, region, maxAttempts: s.maxAttempts });
    // the SDK warns on the console when a streamed request fails, since it cannot retry it;
    // withRetries does, and reports what finally failed
    this.streamClient = new S3Client({ ...base, region, maxAttempts: 1, logger: QUIET_LOGGER });
  }

  private key(...parts: string[]): string {
    return [this.s.prefix, ...parts].filter((p) => p !== '').join('/');
  }

  /** The error an operator can act on, naming the bucket, endpoint or key. */
  private explain(err: unknown, what: string): Error {
    if (err instanceof TargetError) return err;
    const e = err as SdkError;
    const where = this.s.endpoint ?? 'AWS S3';
    const status = e.$metadata?.httpStatusCode;
    if (e.name === 'NoSuchBucket') return new TargetError(`no such bucket ${this.s.bucket} at ${where}`);
    if (['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'ExpiredToken', 'InvalidToken', 'AllAccessDisabled'].includes(e.name ?? '') || status === 403) {
      return new TargetError(`access denied to s3://${this.s.bucket}/${this.s.prefix} at ${where} (${e.name}: ${e.message}); check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE`);
    }
    if (e.name === 'CredentialsProviderError') return new TargetError(`no S3 credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE (${e.message})`);
    const cause = `${e.code ?? e.name}${e.message ? ` ${e.message}` : ''}`;
    if (UNREACHABLE_CODES.has(e.code ?? e.name ?? '')) return new TargetError(`cannot reach S3 endpoint ${where}: ${cause}`);
    if (isNetworkError(e)) return new TargetError(`${what}: connection to ${where} failed: ${cause}`);
    return new TargetError(`${what}: ${e.name ?? 'error'}${status ? ` (HTTP ${status})` : ''}: ${e.message}`);
  }

  /** `fn` with up to maxAttempts tries for retryable failures, backing off exponentially. */
  private async withRetries<T>(what: string, fn: (attempt: number) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn(attempt);
      } catch (err) {
        if (attempt >= this.s.maxAttempts || !retryable(err as SdkError)) throw this.explain(err, what);
        await delay(RETRY_BASE_DELAY_MS * 2 ** (attempt - 1));
      }
    }
  }

  /** Every key under `prefix`, page by page. */
  private async *keys(prefix: string): AsyncGenerator<string> {
    let token: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.s.bucket, Prefix: prefix, ContinuationToken: token })).catch((err: unknown) => {
        throw this.explain(err, `listing s3://${this.s.bucket}/${prefix}`);
      });
      for (const o of page.Contents ?? []) if (o.Key) yield o.Key;
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  private setPrefix(set: string): string {
    return this.key(set) + '/';
  }

  async list(): Promise<SetInfo[]> {
    const root = this.s.prefix === '' ? '' : this.s.prefix + '/';
    const sets = new Map<string, boolean>();
    for await (const k of this.keys(root)) {
      const [set, ...rest] = k.slice(root.length).split('/');
      if (!set || setTime(set) === undefined || rest.length === 0) continue;
      sets.set(set, sets.get(set) === true || rest.join('/') === MANIFEST_NAME);
    }
    return [...sets.keys()].sort().map((name) => ({ name, complete: sets.get(name)! }));
  }

  async begin(name: string): Promise<SetWriter> {
    // the first page, not MaxKeys=1: s3rver cannot continue a truncated listing (its tokens use DES)
    for await (const _ of this.keys(this.setPrefix(name))) throw new TargetError(`backup set ${name} already exists in ${this.description}`);
    const openUploads = new Map<string, string>();
    let sealed = false;
    return {
      put: async (file, localPath) => {
        if (sealed) throw new TargetError(`${name}: ${file} put after the manifest`);
        await this.upload(this.key(name, file), localPath, file, openUploads);
        if (file === MANIFEST_NAME) sealed = true;
      },
      commit: async () => {
        // the manifest's upload was the commit; this only holds the caller to the protocol
        if (!sealed) throw new TargetError(`${name}: commit before the manifest was stored`);
      },
      abort: async () => {
        // best effort and never throwing (the caller is already reporting the real failure);
        // what stays behind has no manifest: it lists as incomplete and prune removes it
        for (const [key, uploadId] of openUploads) await this.abortUpload(key, uploadId);
        await this.remove(name).catch(() => undefined);
      },
    };
  }

  private async upload(key: string, localPath: string, label: string, openUploads: Map<string, string>): Promise<void> {
    const size = (await stat(localPath)).size;
    const bar = startProgress(`put ${label}`, size);
    try {
      if (size >= this.s.multipartThreshold) await this.uploadParts(key, localPath, size, bar, openUploads);
      else await this.uploadWhole(key, localPath, size, bar);
    } finally {
      bar.finish();
    }
  }

  private checksumFields(h: { md5: string; sha256: string }): { ContentMD5: string; ChecksumSHA256?: string } {
    return this.s.checksum === 'sha256' ? { ContentMD5: h.md5, ChecksumSHA256: h.sha256 } : { ContentMD5: h.md5 };
  }

  private async uploadWhole(key: string, localPath: string, size: number, bar: Progress): Promise<void> {
    const h = await hashFile(localPath);
    await this.withRetries(`uploading ${key}`, (attempt) => {
      if (attempt > 1) bar.reset(0);
      const body = createReadStream(localPath).pipe(meter(bar));
      return this.streamClient.send(new PutObjectCommand({ Bucket: this.s.bucket, Key: key, Body: body, ContentLength: size, ...this.checksumFields(h) }));
    });
  }

  private async uploadParts(key: string, localPath: string, size: number, bar: Progress, openUploads: Map<string, string>): Promise<void> {
    const partSize = Math.max(this.s.partSize, Math.ceil(size / MAX_PARTS));
    const created = await this.client
      .send(new CreateMultipartUploadCommand({ Bucket: this.s.bucket, Key: key, ...(this.s.checksum === 'sha256' ? { ChecksumAlgorithm: 'SHA256' } : {}) }))
      .catch((err: unknown) => {
        throw this.explain(err, `starting the multipart upload of ${key}`);
      });
    const uploadId = created.UploadId!;
    openUploads.set(key, uploadId);
    const fh = await open(localPath, 'r');
    try {
      const parts: CompletedPart[] = [];
      const buf = Buffer.alloc(Math.min(partSize, size));
      for (let offset = 0, n = 1; offset < size; offset += partSize, n++) {
        const { bytesRead } = await fh.read(buf, 0, Math.min(partSize, size - offset), offset);
        const data = buf.subarray(0, bytesRead);
        const h = hashes(data);
        // a Buffer body can be replayed, so the SDK's own retries apply here
        const r = await this.client.send(new UploadPartCommand({ Bucket: this.s.bucket, Key: key, UploadId: uploadId, PartNumber: n, Body: data, ContentLength: bytesRead, ...this.checksumFields(h) }));
        parts.push({ PartNumber: n, ETag: r.ETag, ...(this.s.checksum === 'sha256' ? { ChecksumSHA256: h.sha256 } : {}) });
        bar.advance(bytesRead);
      }
      await this.client.send(new CompleteMultipartUploadCommand({ Bucket: this.s.bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts } }));
      openUploads.delete(key);
    } catch (err) {
      await this.abortUpload(key, uploadId);
      openUploads.delete(key);
      throw this.explain(err, `multipart upload of ${key}`);
    } finally {
      await fh.close();
    }
  }

  /** Frees the parts of an unfinished multipart upload (they cost storage but are invisible). */
  private async abortUpload(key: string, uploadId: string): Promise<void> {
    await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.s.bucket, Key: key, UploadId: uploadId })).catch(() => undefined);
  }

  async fetch(set: string, name: string, localPath: string): Promise<void> {
    const key = this.key(set, name);
    await this.withRetries(`${set}/${name}`, async () => {
      let r;
      try {
        r = await this.streamClient.send(new GetObjectCommand({ Bucket: this.s.bucket, Key: key }));
      } catch (err) {
        if ((err as SdkError).name === 'NoSuchKey') throw new TargetError(`${set}/${name}: missing`);
        throw err;
      }
      const bar = startProgress(`fetch ${name}`, r.ContentLength);
      let got = 0;
      const count = meter({ advance: (n) => ((got += n), bar.advance(n)), reset: () => undefined, finish: () => undefined });
      try {
        await pipeline(r.Body as Readable, count, createWriteStream(localPath, { mode: 0o600 }));
      } finally {
        bar.finish();
      }
      if (r.ContentLength !== undefined && got !== r.ContentLength) throw Object.assign(new Error(`${set}/${name}: got ${got} of ${r.ContentLength} bytes`), { code: 'ECONNRESET' });
    });
  }

  async files(set: string): Promise<string[]> {
    const prefix = this.setPrefix(set);
    const names: string[] = [];
    for await (const k of this.keys(prefix)) names.push(k.slice(prefix.length));
    if (names.length === 0) throw new TargetError(`no backup set ${set} in ${this.description}`);
    return names.sort();
  }

  async remove(set: string): Promise<void> {
    const prefix = this.setPrefix(set);
    await this.abortOpenUploads(prefix);
    // keys are collected first: deleting while paging would shift the pages
    const all: string[] = [];
    for await (const k of this.keys(prefix)) all.push(k);
    for (let i = 0; i < all.length; i += DELETE_BATCH) {
      const batch = all.slice(i, i + DELETE_BATCH);
      const r = await this.client.send(new DeleteObjectsCommand({ Bucket: this.s.bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } })).catch((err: unknown) => {
        throw this.explain(err, `removing ${set}`);
      });
      if (r.Errors?.length) throw new TargetError(`removing ${set}: ${r.Errors.map((e) => `${e.Key}: ${e.Code} ${e.Message}`).join('; ')}`);
    }
  }

  /** Multipart uploads left by a killed run; stores without ListMultipartUploads are skipped. */
  private async abortOpenUploads(prefix: string): Promise<void> {
    let keyMarker: string | undefined;
    let idMarker: string | undefined;
    do {
      const r = await this.client.send(new ListMultipartUploadsCommand({ Bucket: this.s.bucket, Prefix: prefix, KeyMarker: keyMarker, UploadIdMarker: idMarker })).catch(() => undefined);
      if (!r) return;
      for (const u of r.Uploads ?? []) if (u.Key && u.UploadId) await this.abortUpload(u.Key, u.UploadId);
      [keyMarker, idMarker] = r.IsTruncated ? [r.NextKeyMarker, r.NextUploadIdMarker] : [undefined, undefined];
    } while (keyMarker);
  }
}
