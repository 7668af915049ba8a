/** Reading and validating a backup, record by record, without loading it whole. */
import { keyOf, toInviteCode, toSnowflake, type EntityMap, type ResourceName } from '@sake/abc';
import { ByteReader } from './byte-reader.js';
import { crc32 } from './crc32.js';
import { BackupFormatError } from './errors.js';
import {
  BACKUP_FORMAT_VERSION,
  BACKUP_MAGIC,
  MAX_PAYLOAD_BYTES,
  RESOURCE_CODES,
  TRAILER_KIND,
  emptyCounts,
  type BackupHeader,
  type BackupTrailer,
} from './format.js';

/** One entity record of a backup. */
export interface BackupRecord<R extends ResourceName = ResourceName> {
  /** Its resource. */
  resource: R;
  /** The entity, as the read API returned it when the backup was written. */
  value: EntityMap[R];
  /** Byte offset of the record in the file. */
  offset: number;
}

/** What the reader reports once the whole file is read and verified. */
export interface BackupSummary {
  /** The header. */
  header: BackupHeader;
  /** The trailer (record counts, checked against the records read). */
  trailer: BackupTrailer;
  /** Size of the file in bytes. */
  bytes: number;
}

/**
 * Read a backup and check everything: magic, format version, header and
 * record CRCs, that every record decodes to an entity of its resource with
 * valid ids, that the trailer's counts match, the whole-file CRC, and that
 * nothing follows. Yields each record once it is verified; the generator's
 * return value is the summary. Any problem throws a {@link BackupFormatError}
 * naming the byte offset.
 *
 * Records are yielded before the end of the file is verified: a caller that
 * must not act on a bad file (restore) runs this to completion once before
 * acting on any record.
 */
export async function* readBackup(reader: ByteReader): AsyncGenerator<BackupRecord, BackupSummary, undefined> {
  const header = await readHeader(reader);
  const counts = emptyCounts();
  let records = 0;
  for (;;) {
    const offset = reader.offset;
    const head = await need(reader, 5, 'a record header (kind and length)');
    const kind = head.readUInt8(0);
    const length = head.readUInt32BE(1);
    if (kind !== TRAILER_KIND && (kind < 1 || kind > RESOURCE_CODES.length)) {
      throw new BackupFormatError('malformed', offset, `unknown record kind ${kind}`);
    }
    if (length > MAX_PAYLOAD_BYTES) {
      throw new BackupFormatError('malformed', offset, `record length ${length} exceeds the ${MAX_PAYLOAD_BYTES}-byte limit (corrupt length field)`);
    }
    const payload = await need(reader, length, `a ${length}-byte record payload`);
    const stored = (await need(reader, 4, 'a record checksum')).readUInt32BE(0);
    const actual = crc32(payload, crc32(head));
    if (stored !== actual) {
      throw new BackupFormatError('checksum', offset, `record checksum mismatch (stored ${hex(stored)}, computed ${hex(actual)}): the file is corrupt`);
    }
    const json = parseJson(payload, offset);
    if (kind === TRAILER_KIND) {
      const trailer = checkTrailer(json, offset);
      for (const resource of RESOURCE_CODES) {
        if (trailer.counts[resource] !== counts[resource]) {
          throw new BackupFormatError('malformed', offset, `trailer says ${trailer.counts[resource]} ${resource} records, the file holds ${counts[resource]}`);
        }
      }
      if (trailer.records !== records) throw new BackupFormatError('malformed', offset, `trailer says ${trailer.records} records, the file holds ${records}`);
      const fileCrcOffset = reader.offset;
      const computed = reader.crc;
      const storedFileCrc = (await need(reader, 4, 'the whole-file checksum')).readUInt32BE(0);
      if (storedFileCrc !== computed) {
        throw new BackupFormatError('checksum', fileCrcOffset, `whole-file checksum mismatch (stored ${hex(storedFileCrc)}, computed ${hex(computed)})`);
      }
      const endOffset = reader.offset;
      if (!(await reader.atEnd())) {
        const extra = await reader.remaining();
        throw new BackupFormatError('trailing-data', endOffset, `${extra} unexpected bytes after the end of the backup`);
      }
      return { header, trailer, bytes: endOffset };
    }
    const resource = RESOURCE_CODES[kind - 1]!;
    checkEntity(resource, json, offset);
    counts[resource]++;
    records++;
    yield { resource, value: json as EntityMap[typeof resource], offset };
  }
}

async function readHeader(reader: ByteReader): Promise<BackupHeader> {
  const magic = await reader.read(BACKUP_MAGIC.length);
  if (magic === undefined || !magic.equals(BACKUP_MAGIC)) {
    throw new BackupFormatError('magic', 0, 'not a sake backup (the file does not start with "sake-backup")');
  }
  const fixed = await need(reader, 6, 'the format version and header length');
  const version = fixed.readUInt16BE(0);
  if (version !== BACKUP_FORMAT_VERSION) {
    throw new BackupFormatError(
      'version',
      BACKUP_MAGIC.length,
      `unsupported backup format version ${version} (this sake reads version ${BACKUP_FORMAT_VERSION}${version > BACKUP_FORMAT_VERSION ? '; the file was written by a newer sake' : ''})`,
    );
  }
  const length = fixed.readUInt32BE(2);
  if (length > MAX_PAYLOAD_BYTES)
    throw new BackupFormatError('malformed', BACKUP_MAGIC.length + 2, `header length ${length} is implausible (corrupt length field)`);
  const jsonOffset = reader.offset;
  const json = await need(reader, length, `a ${length}-byte header`);
  const stored = (await need(reader, 4, 'the header checksum')).readUInt32BE(0);
  const actual = crc32(json, crc32(fixed));
  if (stored !== actual)
    throw new BackupFormatError('checksum', BACKUP_MAGIC.length, `header checksum mismatch (stored ${hex(stored)}, computed ${hex(actual)})`);
  const header = parseJson(json, jsonOffset) as Partial<BackupHeader> | null;
  if (typeof header !== 'object' || header === null || typeof header.createdAt !== 'string' || !Array.isArray(header.resources)) {
    throw new BackupFormatError('malformed', jsonOffset, 'the header lacks createdAt or resources');
  }
  return header as BackupHeader;
}

/** Read `n` bytes or fail as truncated, naming what was expected. */
async function need(reader: ByteReader, n: number, what: string): Promise<Buffer> {
  const offset = reader.offset;
  const bytes = await reader.read(n);
  if (bytes === undefined) throw new BackupFormatError('truncated', offset, `the file is truncated: expected ${what} here`);
  return bytes;
}

function parseJson(payload: Buffer, offset: number): unknown {
  try {
    return JSON.parse(payload.toString('utf8'));
  } catch (error) {
    throw new BackupFormatError('malformed', offset, `record payload is not valid JSON`, { cause: error });
  }
}

function checkTrailer(json: unknown, offset: number): BackupTrailer {
  const t = json as { records?: unknown; counts?: unknown } | null;
  if (typeof t !== 'object' || t === null || typeof t.records !== 'number' || typeof t.counts !== 'object' || t.counts === null) {
    throw new BackupFormatError('malformed', offset, 'the trailer lacks records or counts');
  }
  return t as BackupTrailer;
}

/** A record must be an entity of its resource with valid key ids (what a backend will key it by). */
function checkEntity(resource: ResourceName, json: unknown, offset: number): void {
  try {
    if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new TypeError('not a JSON object');
    if (resource === 'me') {
      toSnowflake((json as { id?: unknown }).id, 'id');
      return;
    }
    const key = keyOf(resource, json as never) as Record<string, unknown>;
    for (const [field, id] of Object.entries(key)) {
      if (field === 'code') toInviteCode(id, field);
      else toSnowflake(id, field);
    }
    if (resource === 'member') toSnowflake((json as { user?: { id?: unknown } }).user?.id, 'user.id');
  } catch (error) {
    throw new BackupFormatError('malformed', offset, `${resource} record is not a valid ${resource}: ${(error as Error).message}`, { cause: error });
  }
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}
