import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import * as errors from '@sake/errors';

const { BackendError, CacheError, CannotDelete, ClosedClient, EntryNotFound, InvalidDataFound } = errors;

describe('@sake/errors', () => {
  it('builds the hierarchy the standard names', () => {
    const closed = new ClosedClient();
    expect(closed).toBeInstanceOf(ClosedClient);
    expect(closed).toBeInstanceOf(BackendError);
    expect(closed).toBeInstanceOf(CacheError);
    expect(closed).toBeInstanceOf(Error);
    expect(closed).not.toBeInstanceOf(EntryNotFound);
    expect(new EntryNotFound('x')).not.toBeInstanceOf(BackendError);
    expect(new CannotDelete('x')).toBeInstanceOf(CacheError);
    expect(new BackendError('x')).not.toBeInstanceOf(ClosedClient);
    expect(closed.name).toBe('ClosedClient');
  });

  it('keeps the cause and names the key of invalid data', () => {
    const cause = new Error('socket hang up');
    expect(new BackendError('down', { cause }).cause).toBe(cause);
    const invalid = new InvalidDataFound('sake:g:1', 'unknown format version 9');
    expect(invalid.key).toBe('sake:g:1');
    expect(invalid.message).toContain('"sake:g:1"');
    expect(invalid.message).toContain('unknown format version 9');
  });

  describe('across two copies of the package', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sake-errors-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('answers instanceof for errors made by the other copy', async () => {
      const source = join(import.meta.dirname, '..', 'dist', 'index.js');
      // Without its source map comment: the copy stands alone, as an installed duplicate would.
      writeFileSync(join(dir, 'index.js'), readFileSync(source, 'utf8').replace(/\/\/# sourceMappingURL=.*$/m, ''));
      const other = (await import(pathToFileURL(join(dir, 'index.js')).href)) as typeof errors;
      expect(other.ClosedClient).not.toBe(ClosedClient);
      const foreign = new other.ClosedClient();
      expect(foreign).toBeInstanceOf(ClosedClient);
      expect(foreign).toBeInstanceOf(BackendError);
      expect(new ClosedClient()).toBeInstanceOf(other.BackendError);
      expect(new other.EntryNotFound('x')).not.toBeInstanceOf(BackendError);
    });
  });
});
