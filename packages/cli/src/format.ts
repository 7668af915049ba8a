/**
 * The sake backup file format, version 1. Everything that defines the bytes
 * lives here, so the writer and the reader can't drift apart.
 *
 * ```
 * header   magic "sake-backup\n" (12 bytes)
 *          u16 BE  format version (1)
 *          u32 BE  length of the header JSON
 *          …       header JSON {"createdAt", "producer", "resources"}
 *          u32 BE  CRC-32 of the version, length and JSON bytes
 * record   u8      kind: 1..11 = resource code (RESOURCE_CODES), 255 = trailer
 *          u32 BE  payload length
 *          …       payload: the entity as UTF-8 JSON
 *          u32 BE  CRC-32 of the kind, length and payload bytes
 * trailer  a record of kind 255 whose payload is {"records", "counts"}
 *          u32 BE  CRC-32 of every byte of the file before this field
 * EOF      nothing may follow
 * ```
 *
 * Entities are stored as the read API returns them (members with their user
 * joined), as JSON: the format is independent of any backend's encoding,
 * which is what makes a backup portable between backends.
 */
import type { ResourceName } from '@sake/abc';

/** The 12 bytes every sake backup starts with. */
export const BACKUP_MAGIC = Buffer.from('sake-backup\n', 'latin1');

/** The format version this code writes and reads. */
export const BACKUP_FORMAT_VERSION = 1;

/** The record kind that marks the trailer. */
export const TRAILER_KIND = 0xff;

/** Upper bound of a record or header payload; larger lengths can only come from corruption. */
export const MAX_PAYLOAD_BYTES = 64 * 1024 * 1024;

/**
 * Resource codes of format version 1 (kind byte = index + 1). Fixed here rather
 * than derived from `RESOURCE_NAMES`, so adding a resource to the standard can
 * never change the meaning of an existing file.
 */
export const RESOURCE_CODES: readonly ResourceName[] = [
  'guild',
  'channel',
  'emoji',
  'role',
  'member',
  'presence',
  'voiceState',
  'message',
  'invite',
  'user',
  'me',
];

/** Entry counts per resource. */
export type ResourceCounts = { [R in ResourceName]: number };

/** What the header JSON holds. */
export interface BackupHeader {
  /** When the backup started (ISO 8601). */
  createdAt: string;
  /** The program that wrote it. */
  producer: string;
  /** The resources in the order their records appear. */
  resources: ResourceName[];
}

/** What the trailer JSON holds. */
export interface BackupTrailer {
  /** Number of entity records in the file. */
  records: number;
  /** Entity records per resource. */
  counts: ResourceCounts;
}

/** A fresh all-zero {@link ResourceCounts}. */
export function emptyCounts(): ResourceCounts {
  return Object.fromEntries(RESOURCE_CODES.map((r) => [r, 0])) as ResourceCounts;
}

/** The kind byte of a resource's records. */
export function kindOf(resource: ResourceName): number {
  const index = RESOURCE_CODES.indexOf(resource);
  if (index < 0) throw new TypeError(`resource ${JSON.stringify(resource)} has no code in backup format ${BACKUP_FORMAT_VERSION}`);
  return index + 1;
}
