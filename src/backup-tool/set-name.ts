// Backup set names: etcd-backup-YYYYMMDD-HHMMSS in UTC, so they sort by time and two hosts in
// different zones name the same moment alike.
export const SET_PREFIX = 'etcd-backup-';
const SET_RE = /^etcd-backup-(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})$/;

export function setName(at: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${SET_PREFIX}${at.getUTCFullYear()}${p(at.getUTCMonth() + 1)}${p(at.getUTCDate())}-${p(at.getUTCHours())}${p(at.getUTCMinutes())}${p(at.getUTCSeconds())}`;
}

/** The time a set name stands for, or undefined if it is not a set name. */
export function setTime(name: string): Date | undefined {
  const m = SET_RE.exec(name);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  return new Date(Date.UTC(y, mo - 1, d, h, mi, s));
}
