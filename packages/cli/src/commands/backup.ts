/** `sake backup`, `sake restore` and `sake verify`. */
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import type { Command } from 'commander';
import { backup } from '../backup.js';
import { restore, verifyBackup, type RestoreProgress } from '../restore.js';
import { createProgress } from '../progress.js';
import { RESOURCE_SPECS } from '../resources.js';
import { BACKUP_FORMAT_VERSION, type ResourceCounts } from '../format.js';
import { addBackendOptions, formatBytes, info, out, withBackend } from './common.js';
import type { BackendOptions } from '../backend.js';

function countsLine(counts: ResourceCounts): string {
  return RESOURCE_SPECS.filter((s) => counts[s.name] > 0)
    .map((s) => `${counts[s.name]} ${counts[s.name] === 1 ? s.singular : s.plural}`)
    .join(', ');
}

const PHASE_LABEL: Record<RestoreProgress['phase'], string> = { verify: 'verifying', clear: 'clearing ', write: 'writing  ' };

/** Register `sake backup`, `sake restore` and `sake verify`. */
export function registerBackupCommands(program: Command): void {
  addBackendOptions(
    program
      .command('backup')
      .description('write every cached entry to a streaming, checksummed backup file (- for stdout)')
      .argument('<file>', 'the backup file to write (replaced only once the backup is complete)')
      .option('--no-progress', 'no progress bar'),
    true,
  ).action(async (file: string, options: BackendOptions & { progress: boolean }) => {
    await withBackend(options, true, async (backend) => {
      const toStdout = file === '-';
      // Write next to the target and rename at the end, so a failed backup never replaces a good one.
      const partial = `${file}.partial-${process.pid}`;
      const stream = toStdout ? process.stdout : createWriteStream(partial);
      const bar = createProgress(options.progress);
      bar.start(0, 'backup');
      try {
        const result = await backup(backend.cache, stream, {
          end: !toStdout,
          producer: '@sake/cli',
          onProgress: (p) => bar.update(p.records, `backup ${p.resource}`, p.total),
        });
        bar.stop();
        if (!toStdout) await rename(partial, file);
        const report = toStdout ? info : out;
        report(
          `backed up ${result.records} entries (${countsLine(result.counts) || 'the cache is empty'}) from ${backend.label} to ${toStdout ? 'stdout' : file}, ${formatBytes(result.bytes)}`,
        );
      } catch (error) {
        bar.stop();
        if (!toStdout) await rm(partial, { force: true });
        throw error;
      }
    });
  });

  addBackendOptions(
    program
      .command('restore')
      .description('verify a backup file completely, then write its entries into the cache (- for stdin)')
      .argument('<file>', 'the backup file to read')
      .option('--clear', 'clear every resource of the cache first (only after the file is verified)')
      .option('--no-progress', 'no progress bar'),
    false,
  ).action(async (file: string, options: BackendOptions & { clear?: boolean; progress: boolean }) => {
    await withBackend(options, false, async (backend) => {
      const bar = createProgress(options.progress);
      bar.start(0, PHASE_LABEL.verify, 'bytes');
      let phase: RestoreProgress['phase'] = 'verify';
      try {
        const result = await restore(backend.cache, file === '-' ? process.stdin : file, {
          clear: options.clear === true,
          onProgress: (p) => {
            if (p.phase !== phase) {
              phase = p.phase;
              bar.update(0, PHASE_LABEL[p.phase], p.total, 'records');
            }
            // While verifying, the record count is not known yet: show bytes when the file size is.
            if (p.phase === 'verify' && p.totalBytes !== undefined) bar.update(p.bytes, PHASE_LABEL.verify, p.totalBytes, 'bytes');
            else bar.update(p.records, PHASE_LABEL[p.phase], p.total);
          },
        });
        bar.stop();
        const written = Object.values(result.counts).reduce((a, b) => a + b, 0);
        out(
          `restored ${written} entries (${countsLine(result.counts) || 'the backup is empty'}) into ${backend.label}` +
            ` from a backup of ${result.summary.header.createdAt}${options.clear === true ? ' after clearing it' : ''}` +
            (result.expiredInvites > 0 ? `; skipped ${result.expiredInvites} expired invites` : ''),
        );
      } finally {
        bar.stop();
      }
    });
  });

  program
    .command('verify')
    .description('check a backup file (format version, every checksum and record) without touching any cache')
    .argument('<file>', 'the backup file to check (- for stdin)')
    .action(async (file: string) => {
      const summary = await verifyBackup(file === '-' ? process.stdin : file);
      out(
        `${file}: valid sake backup (format ${BACKUP_FORMAT_VERSION}), written ${summary.header.createdAt} by ${summary.header.producer}: ${summary.trailer.records} entries (${countsLine(summary.trailer.counts) || 'empty'}), ${formatBytes(summary.bytes)}`,
      );
    });
}
