/** A v2 `backup` that cannot be made (missing or unreadable source, existing destination). */
export class BackupError extends Error {}
