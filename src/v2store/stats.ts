// Operation counters of the v2 store (etcd: v2store/stats.go), served at /v2/stats/store and
// saved in snapshots. The JSON names are etcd's, including its irregular ones ("getsSuccess").

/** Counter names in etcd's JSON order. */
export const STORE_STAT_FIELDS = [
  'getsSuccess',
  'getsFail',
  'setsSuccess',
  'setsFail',
  'deleteSuccess',
  'deleteFail',
  'updateSuccess',
  'updateFail',
  'createSuccess',
  'createFail',
  'compareAndSwapSuccess',
  'compareAndSwapFail',
  'compareAndDeleteSuccess',
  'compareAndDeleteFail',
  'expireCount',
  'watchers',
] as const;

export type StoreStatField = (typeof STORE_STAT_FIELDS)[number];
export type StoreStats = Record<StoreStatField, number>;

export function newStoreStats(): StoreStats {
  return Object.fromEntries(STORE_STAT_FIELDS.map((f) => [f, 0])) as StoreStats;
}

/** The stats as etcd's json.Marshal writes them (fixed field order). */
export function storeStatsJson(stats: StoreStats): string {
  return `{${STORE_STAT_FIELDS.map((f) => `"${f}":${stats[f]}`).join(',')}}`;
}

/** Stats read back from JSON; unknown fields are ignored, missing ones are 0. */
export function parseStoreStats(raw: unknown): StoreStats {
  const stats = newStoreStats();
  if (raw !== null && typeof raw === 'object') {
    for (const f of STORE_STAT_FIELDS) {
      const v = (raw as Record<string, unknown>)[f];
      if (typeof v === 'number') stats[f] = v;
    }
  }
  return stats;
}
