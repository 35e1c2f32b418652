// Keys of the `meta` bucket (etcd's) and of tetcd's own `tetcd_meta` database.
export const CONSISTENT_INDEX_KEY = Buffer.from('consistent_index');
export const SCHEDULED_COMPACT_KEY = Buffer.from('scheduledCompactRev');
export const FINISHED_COMPACT_KEY = Buffer.from('finishedCompactRev');

/** Present once `tetcd_kidx` and `tetcd_klease` describe the `key` bucket; absent after a bbolt import. */
export const INDEX_VERSION_KEY = Buffer.from('kidx_version');
export const INDEX_VERSION = Buffer.from([1]);
