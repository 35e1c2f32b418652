// The named LMDB sub-databases. The first ten are etcd 3.4's bbolt buckets, byte for byte: the
// snapshot exporter writes exactly these into a bbolt file and etcd's Hash() covers exactly these.
// The `tetcd_*` databases are tetcd's own derived data (the persisted key index and the lease
// attachment table); they are never exported and never hashed, and can be rebuilt from `key`.

export const ETCD_BUCKETS = [
  'alarm',
  'auth',
  'authRoles',
  'authUsers',
  'cluster',
  'key',
  'lease',
  'members',
  'members_removed',
  'meta',
] as const;

export const TETCD_BUCKETS = ['tetcd_kidx', 'tetcd_klease', 'tetcd_meta'] as const;

export type EtcdBucket = (typeof ETCD_BUCKETS)[number];
export type Bucket = EtcdBucket | (typeof TETCD_BUCKETS)[number];

export const ALL_BUCKETS: readonly Bucket[] = [...ETCD_BUCKETS, ...TETCD_BUCKETS];
