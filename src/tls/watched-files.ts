// Certificate rotation without a restart: etcd loads the key pair from disk on every handshake.
// Here the files are stat'ed per new connection and re-read only when one of them changed.
import { statSync } from 'node:fs';

export class WatchedFiles {
  private stamps: string[];

  constructor(private readonly paths: readonly string[]) {
    this.stamps = this.current();
  }

  /** True once per change of any file since the last call (a missing file is not a change). */
  changed(): boolean {
    const now = this.current();
    if (now.some((s) => s === '')) return false; // mid-rotation: a file is being replaced
    const differ = now.some((s, i) => s !== this.stamps[i]);
    this.stamps = now;
    return differ;
  }

  /** Makes the next changed() report a change, so a reload that failed is tried again. */
  markStale(): void {
    this.stamps = this.stamps.map(() => 'stale');
  }

  private current(): string[] {
    return this.paths.map((p) => {
      try {
        const st = statSync(p);
        return `${st.ino}:${st.size}:${st.mtimeMs}`;
      } catch {
        return '';
      }
    });
  }
}
