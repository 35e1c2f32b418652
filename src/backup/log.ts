// The progress lines etcdctl prints on stderr while it restores or backs up: zap's production
// JSON encoder ({"level","ts","caller","msg",...fields}). The ctl passes a writer; library
// callers that want silence pass nothing.

export type ZapLog = (caller: string, msg: string, fields?: Record<string, unknown>) => void;

export const silentLog: ZapLog = () => undefined;

/** A ZapLog writing etcd's zap production lines to `write`. */
export function zapLogTo(write: (line: string) => void): ZapLog {
  return (caller, msg, fields = {}) => write(JSON.stringify({ level: 'info', ts: Date.now() / 1000, caller, msg, ...fields }) + '\n');
}
