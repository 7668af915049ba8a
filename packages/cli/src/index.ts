/**
 * `@sake/cli`: the `sake` operator tool, and the library underneath it —
 * streaming, versioned, checksummed backups of any sake cache, portable
 * between backends.
 *
 * @packageDocumentation
 */
export { backup, type BackupOptions, type BackupProgress, type BackupResult } from './backup.js';
export { restore, verifyBackup, type BackupSource, type RestoreOptions, type RestoreProgress, type RestoreResult, type RestoreTarget } from './restore.js';
export { readBackup, type BackupRecord, type BackupSummary } from './backup-reader.js';
export { ByteReader } from './byte-reader.js';
export { BackupFormatError, type BackupFormatProblem } from './errors.js';
export { BACKUP_FORMAT_VERSION, BACKUP_MAGIC, RESOURCE_CODES, type BackupHeader, type BackupTrailer, type ResourceCounts } from './format.js';
export { iterResource, clearResource } from './cache-access.js';
export { crc32 } from './crc32.js';
